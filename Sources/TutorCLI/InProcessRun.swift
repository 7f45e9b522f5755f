import Foundation
import Synchronization

/// What a command run in-process left: what the executable would have exited with and written.
public struct CommandOutcome: Sendable {
    /// The exit status.
    public var status: Int32
    /// Standard output.
    public var output: String
    /// Standard error.
    public var error: String
}

extension Tutor {
    /// Runs `tutor ARGUMENTS` in this process with `environment` (and nothing of the process's),
    /// collecting what it writes: for tests and for programs that embed tutor. Output a command
    /// streams straight to the process's standard output (a tar stream for `--out -`) is not
    /// collected.
    public static func capture(_ arguments: [String], environment: [String: String]) async -> CommandOutcome {
        let output = Mutex("")
        let error = Mutex("")
        let context = CommandContext(
            environment: environment, writeOutput: { text in output.withLock { $0 += text } },
            writeError: { text in error.withLock { $0 += text } })
        let status = await CommandContext.$current.withValue(context) { await execute(arguments) }
        return CommandOutcome(status: status, output: output.withLock { $0 }, error: error.withLock { $0 })
    }
}
