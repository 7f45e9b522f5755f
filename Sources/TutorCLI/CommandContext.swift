import Foundation

/// Where a command's lines go and which environment it reads: the process's when `tutor` runs,
/// a test's when a test runs a command in-process. A task-local, so that tests can run
/// commands at the same time without sharing standard output.
public struct CommandContext: Sendable {
    /// The environment variables the command sees.
    public var environment: [String: String]
    /// Receives standard output text (whole lines, newline included).
    public var writeOutput: @Sendable (String) -> Void
    /// Receives standard error text (whole lines, newline included).
    public var writeError: @Sendable (String) -> Void

    /// A context with its own environment and sinks.
    public init(
        environment: [String: String], writeOutput: @escaping @Sendable (String) -> Void,
        writeError: @escaping @Sendable (String) -> Void
    ) {
        self.environment = environment
        self.writeOutput = writeOutput
        self.writeError = writeError
    }

    /// The process's environment, standard output and standard error (unbuffered writes, so that
    /// lines show up at once when piped and in order with each other).
    public static var process: CommandContext {
        CommandContext(
            environment: ProcessInfo.processInfo.environment,
            writeOutput: { FileHandle.standardOutput.write(Data($0.utf8)) },
            writeError: { FileHandle.standardError.write(Data($0.utf8)) })
    }

    /// The context of the command running in this task.
    @TaskLocal public static var current: CommandContext = .process
}

/// Writes one line to the command's standard output.
func printLine(_ line: String) {
    CommandContext.current.writeOutput(line + "\n")
}

/// Writes one line to the command's standard error.
func printError(_ message: String) {
    CommandContext.current.writeError(message + "\n")
}
