import ArgumentParser
import Foundation
import TutorRunner
import TutorSandbox

/// `--sandbox-home DIR` (also `--home DIR`): which sandbox home a command uses.
struct SandboxHomeOptions: ParsableArguments {
    @Option(
        name: [.customLong("sandbox-home"), .customLong("home")],
        help: ArgumentHelp(
            "The sandbox home (default: ${XDG_STATE_HOME:-~/.local/state}/tutor/sandbox).", valueName: "DIR"))
    var path: String?

    /// The home given, else the default home of the command's environment.
    var home: SandboxHome {
        path.map(SandboxHome.init(path:)) ?? defaultHome
    }

    /// The default home of the command's environment.
    var defaultHome: SandboxHome {
        SandboxHome.defaultHome(environment: CommandContext.current.environment)
    }
}

/// `--retry-budget SECONDS`: how long one request may spend retrying.
struct RetryOptions: ParsableArguments {
    @Option(
        name: .customLong("retry-budget"),
        help: ArgumentHelp("Longest time one request may spend retrying, in seconds.", valueName: "SECONDS"))
    var retryBudget: Double = 120

    func validate() throws {
        guard retryBudget > 0 else { throw ValidationError("--retry-budget must be positive") }
    }

    /// The retry policy with this budget.
    var policy: RetryPolicy {
        RetryPolicy(budget: .milliseconds(Int64(retryBudget * 1000)))
    }
}
