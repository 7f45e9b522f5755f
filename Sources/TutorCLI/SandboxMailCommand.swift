import ArgumentParser
import Foundation
import TutorSandbox

/// `tutor sandbox mail`: the one-time codes the sandbox "sent" at sign-up, newest first.
struct SandboxMailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mail",
        abstract: "List the email the sandbox sent (sign-up codes), newest first.",
        discussion: """
            A real tenant emails a one-time code to verify the address of a new account; the \
            sandbox keeps the message in the home (mail.json, 0600) instead. Prints one line per \
            message (time, address, code, subject), or with --json an array of objects with to, \
            subject, code and sentAt. Prints nothing when no message matches.

            Examples:
              tutor sandbox mail
              tutor sandbox mail --to ada@example.com --json | jq -r '.[0].code'
            """)

    @OptionGroup var sandboxHome: SandboxHomeOptions

    @Option(help: "Only the messages to this address (case ignored).")
    var to: String?

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let messages = SandboxMailbox.filter(try SandboxMailbox.read(file: sandboxHome.home.mailFile), to: to)
        if json {
            printLine(SandboxMailbox.jsonText(messages))
        } else if !messages.isEmpty {
            printLine(SandboxMailbox.text(messages))
        }
    }
}
