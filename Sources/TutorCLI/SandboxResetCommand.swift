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

    @OptionGroup var sandboxHome: SandboxHomeOptions

    func run() async throws {
        let home = sandboxHome.home
        try home.reset()
        printLine("tutor sandbox: reset \(home.url.path)")
    }
}
