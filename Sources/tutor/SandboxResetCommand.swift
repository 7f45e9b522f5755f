import ArgumentParser
import Foundation
import TutorSandbox

/// `tutor sandbox reset`: forgets the sandbox tenant so the next use starts afresh.
struct SandboxResetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Delete the sandbox tenant (apps, users, admin secret, signing key); keep the CA.",
        discussion: """
            Refused while a `tutor sandbox serve` runs from the same home. The CA certificate \
            stays, so clients that trust it keep doing so.

            Example:
              tutor sandbox reset --home /tmp/sandbox
            """)

    @Option(help: "The sandbox home (default: ${XDG_STATE_HOME:-~/.local/state}/tutor/sandbox).")
    var home: String?

    func run() async throws {
        let sandboxHome = home.map(SandboxHome.init(path:)) ?? SandboxHome.defaultHome()
        do {
            try sandboxHome.reset()
            printLine("tutor sandbox: reset \(sandboxHome.url.path)")
        } catch {
            throw tutor.exitCode(reporting: error)
        }
    }
}
