import Foundation
import Synchronization
import TutorCLI

/// Runs `tutor` commands in this process, as the executable would, with their output captured
/// and their own environment: the way new CLI tests run commands. Tests that need a real
/// process (a crash, a signal, a terminal) use `TutorExecutable` instead.
enum InProcessTutor {
    /// What a command left.
    struct Outcome: Sendable {
        /// The exit status the executable would have exited with.
        var status: Int32
        /// Standard output.
        var output: String
        /// Standard error.
        var error: String
    }

    /// Runs `tutor ARGUMENTS` with `environment` (HOME and XDG_STATE_HOME default to a scratch
    /// folder's, so that no test touches the user's sandbox home).
    static func run(_ arguments: [String], environment: [String: String] = [:]) async -> Outcome {
        let output = Mutex("")
        let error = Mutex("")
        var merged = ["HOME": NSTemporaryDirectory(), "PATH": ProcessInfo.processInfo.environment["PATH"] ?? ""]
        merged.merge(environment) { _, given in given }
        let context = CommandContext(
            environment: merged, writeOutput: { text in output.withLock { $0 += text } },
            writeError: { text in error.withLock { $0 += text } })
        let status = await CommandContext.$current.withValue(context) { await Tutor.execute(arguments) }
        return Outcome(status: status, output: output.withLock { $0 }, error: error.withLock { $0 })
    }
}
