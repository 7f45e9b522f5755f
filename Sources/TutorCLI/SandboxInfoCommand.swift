import ArgumentParser
import Foundation
import TutorSandbox

/// `tutor sandbox info`: prints how to reach the sandbox tenant, as JSON.
struct SandboxInfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print the sandbox tenant's URLs, ids and CA file as JSON.",
        discussion: """
            Prepares the home on first use (certificates, tenant, admin app). The admin app's \
            client secret is not printed: it is in the file named by adminClientSecretFile (0600).

            Example:
              tutor sandbox info | jq -r .graphURL
            """)

    @OptionGroup var sandboxHome: SandboxHomeOptions

    func run() async throws {
        printLine(try await SandboxInfo.load(home: sandboxHome.home).jsonText())
    }
}
