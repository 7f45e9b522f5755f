import ArgumentParser
import Foundation
import TutorSupport

/// The `tutor` command: run Microsoft Learn tutorials, render their starter projects.
public struct Tutor: AsyncParsableCommand {
    /// The version `--version` prints and records carry.
    public static let version = "0.1.0"

    /// The root command: its help text and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "tutor",
        abstract: "Turn a Microsoft Learn tutorial into something that runs.",
        discussion: """
            Parses a tutorial (DocFX Markdown, includes and all), runs its Microsoft Graph requests \
            against a tenant or the built-in sandbox, records every step, and renders the starter \
            Flask project.
            """,
        version: version,
        subcommands: [
            PlanCommand.self, RunCommand.self, VerifyCommand.self, RenderCommand.self, CleanupCommand.self,
            RunsCommand.self, AppCommand.self, SandboxCommand.self,
        ]
    )

    /// The root command (argument-parser makes it).
    public init() {}

    /// The process's entry point: runs the command line, exits with its status. (Not `main()`,
    /// which would be argument-parser's own, with its own error reporting.)
    public static func runProcess() async -> Never {
        Foundation.exit(await execute(Array(CommandLine.arguments.dropFirst())))
    }

    /// Parses and runs `arguments` (without the program name) in this process, writing through
    /// `CommandContext.current`, and returns the exit status. The one place errors become exit codes.
    public static func execute(_ arguments: [String]) async -> Int32 {
        let command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            return ExitReport.parsing(error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var plainCommand = command
                try plainCommand.run()
            }
            return ExitStatus.success.rawValue
        } catch {
            return ExitReport.running(error, command: type(of: command))
        }
    }
}
