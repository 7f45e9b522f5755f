import Foundation
import Testing
import TutorSupport

@testable import TutorSandbox

@Suite("Identity over HTTPS", .serialized)
struct IdentityLiveTests {
    /// A real tenant emails the sign-up code; `serve` logs that it "sent" one (address and
    /// subject) and keeps the message in the home's mail.json, where `tutor sandbox mail` reads
    /// it. The code itself is never logged.
    @Test("A mailed code lands in the home's mail.json, and serve logs the address and subject only")
    func mailFromHome() async throws {
        let folder = try makeTemporaryFolder("mail")
        defer { try? FileManager.default.removeItem(at: folder) }
        let home = SandboxHome(url: folder)
        let lines = LogLines()
        let running = try await SandboxServer(requestLog: { lines.append($0) }).start(home: home, port: 0)
        let message = SandboxMailMessage(to: "ada@example.com", subject: "code", code: "12345678", sentAt: Date())
        try running.mailbox.send(message)
        await running.stop()
        #expect(lines.all.contains("tutor sandbox: mail to ada@example.com: code"))
        #expect(!lines.all.joined().contains("12345678"))
        #expect(try SandboxMailbox.read(file: home.mailFile).map(\.code) == ["12345678"])
        // Kept across a restart, forgotten by reset.
        let again = try await SandboxServer().start(home: home, port: 0)
        #expect(again.mailbox.messages().count == 1)
        await again.stop()
        try home.reset()
        #expect(!FileManager.default.fileExists(atPath: home.mailFile.path))
    }

    /// The issuer's host (127.0.0.1) is in the server certificate, so a client that verifies TLS
    /// reaches the sign-in endpoints under it too, as `https://{tenantId}.ciamlogin.com` answers.
    @Test("The JWKS is reachable under the issuer's host with verified TLS")
    func issuerHost() async throws {
        let running = try await SandboxServer().start(home: nil, port: 0)
        let client = try sandboxClient(caFile: running.info.caFile)
        do {
            let keys = try await fetch(
                client, "https://127.0.0.1:\(running.port)/\(running.info.tenantId)/discovery/v2.0/keys")
            #expect(keys.status == 200)
            #expect(try JSONValue.parse(keys.body)["keys"]?.arrayElements?.first?["x5c"] != nil)
        } catch {
            Issue.record(error)
        }
        try await client.shutdown()
        await running.stop()
    }
}
