import ArgumentParser
import TutorSupport

/// Turns what a command threw into a message on standard error and the documented exit code.
enum ExitReport {
    /// An error from parsing or `validate()`: argument-parser's message (help goes to standard
    /// output) and its code (64 for usage).
    static func parsing(_ error: any Error) -> Int32 {
        let message = Tutor.fullMessage(for: error)
        let code = Tutor.exitCode(for: error)
        if !message.isEmpty {
            if code.isSuccess { printLine(message) } else { printError(message) }
        }
        return code.rawValue
    }

    /// An error from `run()`: the errors that know their exit status say it; a `ValidationError`
    /// is shown with the usage of the command that threw it (as it would be from `validate()`);
    /// anything else is a failed step (1).
    static func running(_ error: any Error, command: any ParsableCommand.Type) -> Int32 {
        // `--help` and `help` run argument-parser's own help command, which throws its help text.
        guard path(to: command) != nil else { return parsing(error) }
        switch error {
        case let status as any ExitStatusProviding:
            printError("\(error)")
            return status.exitStatus.rawValue
        case let exitCode as ExitCode:
            return exitCode.rawValue
        case let validation as ValidationError:
            let names = commandPath(to: command).joined(separator: " ")
            printError(
                "Error: \(validation.message)\nUsage: \(Tutor.usageString(for: command))\n"
                    + "  See '\(names) --help' for more information.")
            return ExitStatus.usage.rawValue
        case is CleanExit:
            return parsing(error)
        default:
            printError("error: \(error)")
            return ExitStatus.stepFailed.rawValue
        }
    }

    /// The command names from the root to `command`, e.g. `["tutor", "sandbox", "serve"]`.
    static func commandPath(to command: any ParsableCommand.Type) -> [String] {
        path(to: command) ?? ["tutor"]
    }

    /// The command names from the root to `command`, nil when it is not one of tutor's.
    static func path(to command: any ParsableCommand.Type) -> [String]? {
        func search(_ node: any ParsableCommand.Type, _ path: [String]) -> [String]? {
            let here = path + [node.configuration.commandName ?? "\(node)"]
            if node == command { return here }
            for child in node.configuration.subcommands {
                if let found = search(child, here) { return found }
            }
            return nil
        }
        return search(Tutor.self, [])
    }
}
