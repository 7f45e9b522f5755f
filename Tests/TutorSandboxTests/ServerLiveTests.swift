import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization
import Testing
import TutorSupport

@testable import TutorSandbox

/// An HTTPS client that trusts only the sandbox CA in `caFile` and checks the host name.
func sandboxClient(caFile: String) throws -> HTTPClient {
    var tls = TLSConfiguration.makeClientConfiguration()
    tls.trustRoots = .file(caFile)
    tls.certificateVerification = .fullVerification
    return HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow))
}

func fetch(
    _ client: HTTPClient, _ url: String, method: HTTPMethod = .GET, form: String? = nil, bearer: String? = nil,
    timeout: TimeAmount = .seconds(30)
)
    async throws -> (status: Int, body: String, headers: HTTPHeaders)
{
    var request = HTTPClientRequest(url: url)
    request.method = method
    if let form {
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: form))
    }
    if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
    let response = try await client.execute(request, timeout: timeout)
    let body = try await response.body.collect(upTo: 1 << 20)
    return (Int(response.status.code), String(buffer: body), response.headers)
}

@Suite("Sandbox server over HTTPS", .serialized)
struct ServerLiveTests {
    @Test("An in-memory sandbox serves discovery, tokens and Graph over TLS a client verifies")
    func inMemory() async throws {
        let lines = LogLines()
        let running = try await SandboxServer(requestLog: { lines.append($0) }).start(home: nil, port: 0)
        let client = try sandboxClient(caFile: running.info.caFile)
        do {
            #expect(running.port > 0)
            #expect(running.info.graphURL == "https://localhost:\(running.port)")
            #expect(running.info.home == nil)
            #expect(running.info.running)
            let discovery = try await fetch(
                client, running.info.authority + "/v2.0/.well-known/openid-configuration")
            #expect(discovery.status == 200)
            let config = try JSONValue.parse(discovery.body)
            // The issuer is on the other loopback name, as a tenant's is on its own host.
            let issuer = try #require(config["issuer"]?.stringValue)
            #expect(issuer == "https://127.0.0.1:\(running.port)/\(running.info.tenantId)/v2.0")
            // It is served there too, over TLS the client verifies (127.0.0.1 is in the certificate).
            let atIssuer = try await fetch(client, issuer + "/.well-known/openid-configuration")
            #expect(atIssuer.status == 200)
            #expect(try JSONValue.parse(atIssuer.body)["issuer"]?.stringValue == issuer)

            let secret = try String(contentsOfFile: running.info.adminClientSecretFile, encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let token = try await fetch(
                client, running.info.authority + "/oauth2/v2.0/token", method: .POST,
                form: FormEncoding.serialize([
                    ("grant_type", "client_credentials"), ("client_id", running.info.adminClientId),
                    ("client_secret", secret), ("scope", "https://graph.microsoft.com/.default"),
                ]))
            #expect(token.status == 200)
            let accessToken = try #require(try JSONValue.parse(token.body)["access_token"]?.stringValue)
            let organization = try await fetch(
                client, running.info.graphURL + "/v1.0/organization?$select=id", bearer: accessToken)
            #expect(organization.status == 200)
            #expect(organization.headers.first(name: "request-id") != nil)

            let log = lines.all.joined(separator: "\n")
            #expect(lines.all.count >= 3)
            #expect(log.contains("GET /v1.0/organization 200"))
            #expect(log.contains("POST /\(running.info.tenantId)/oauth2/v2.0/token 200"))
            #expect(!log.contains(secret))
            #expect(!log.contains(accessToken))
            #expect(!log.contains("$select"))
        } catch {
            try? await client.shutdown()
            await running.stop()
            throw error
        }
        try await client.shutdown()
        let caFile = running.info.caFile
        await running.stop()
        #expect(!FileManager.default.fileExists(atPath: caFile))
    }

    @Test("A sandbox served from a home records its port, is found running, and clears the record on stop")
    func fromHome() async throws {
        let folder = try makeTemporaryFolder("serve")
        defer { try? FileManager.default.removeItem(at: folder) }
        let home = SandboxHome(url: folder)
        let running = try await SandboxServer().start(home: home, port: 0)
        let record = home.loadServerRecord()
        #expect(record?.port == running.port)
        #expect(home.runningServerPort() == running.port)
        let info = try await SandboxInfo.load(home: home)
        #expect(info.running)
        #expect(info.port == running.port)
        #expect(info.tenantId == running.info.tenantId)
        await #expect(throws: SandboxError.self) { _ = try await SandboxServer().start(home: home, port: 0) }
        #expect(throws: SandboxError.self) { try home.reset() }
        await running.stop()
        #expect(home.loadServerRecord() == nil)
        #expect(try await SandboxInfo.load(home: home).running == false)

        // Restarting keeps the tenant, the CA and the signing key.
        let again = try await SandboxServer().start(home: home, port: 0)
        #expect(again.info.tenantId == running.info.tenantId)
        await again.stop()
    }

    @Test("A port in use is a clear error")
    func portInUse() async throws {
        let first = try await SandboxServer().start(home: nil, port: 0)
        await #expect(throws: SandboxError.self) { _ = try await SandboxServer().start(home: nil, port: first.port) }
        await first.stop()
    }
}

/// Collects log lines from the server's threads.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}
