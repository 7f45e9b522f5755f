import Foundation
import Testing
import TutorDocument
import TutorHTTP
import TutorRunner
import TutorSandbox
import TutorSupport

@testable import TutorVerify

/// A sandbox on an ephemeral port and a verifier pointed at it.
struct VerifyHarness {
    let sandbox: RunningSandbox
    let secret: String
    let client: CurlHTTPClient

    /// `Tests/TutorVerifyTests/Fixtures`.
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// The repository's `tutorials/` folder.
    static let repositoryTutorials = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("tutorials")

    static func start(faults: FaultOptions = .none, home: SandboxHome? = nil) async throws -> VerifyHarness {
        let sandbox = try await SandboxServer().start(home: home, port: 0, faults: faults)
        let secret = try String(contentsOfFile: sandbox.info.adminClientSecretFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let client = try CurlHTTPClient(configuration: .init(userAgent: "tutor/test", extraCAFile: sandbox.info.caFile))
        return VerifyHarness(sandbox: sandbox, secret: secret, client: client)
    }

    var connection: TenantConnection {
        let info = sandbox.info
        return TenantConnection.sandbox(
            tenantId: info.tenantId, subdomain: info.subdomain, graphURL: info.graphURL, authority: info.authority,
            caFile: info.caFile, adminClientId: info.adminClientId, adminClientSecret: secret)
    }

    func verify(
        _ paths: [String], jobs: Int = 1, retryBudget: Duration = .seconds(60), writesPerSecond: Double = 50,
        keepResources: Bool = false
    ) async throws -> VerifyReport {
        let root = try temporaryDirectory()
        let clients: [any HTTPTransport] = try (0..<jobs).map { _ in
            try CurlHTTPClient(configuration: .init(userAgent: "tutor/test", extraCAFile: sandbox.info.caFile))
        }
        let verifier = Verifier(
            connection: connection, transports: clients,
            options: VerifyOptions(
                stateRoot: root, jobs: jobs, keepResources: keepResources,
                retryPolicy: RetryPolicy(initialDelay: .milliseconds(50), budget: retryBudget),
                writesPerSecond: writesPerSecond, writeBurst: 10, toolVersion: "test"))
        return await verifier.verify(paths)
    }

    /// GET on the sandbox's Graph as the admin app (a few tries: the sandbox may inject faults).
    func get(_ path: String) async throws -> JSONValue {
        let tokens = TokenProvider(connection: connection, transport: client, prompt: { _ in })
        let token = try await tokens.token()
        var last = ""
        for _ in 0..<50 {
            let response = try? await client.send(
                HTTPRequest(
                    method: "GET", url: sandbox.info.graphURL + path,
                    headers: [HTTPHeader("Authorization", "Bearer \(token)")]))
            if let response, response.status == 200 { return try JSONValue.parse(response.body) }
            last = response.map { "\($0.status)" } ?? "no answer"
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("GET \(path): \(last)")
        return .null
    }

    /// The ids of every object in the tenant, by collection.
    func objects() async throws -> [String: Set<String>] {
        var result: [String: Set<String>] = [:]
        for collection in [
            "applications", "servicePrincipals", "oauth2PermissionGrants", "identity/authenticationEventsFlows",
            "users",
        ] {
            let listing = try await get("/v1.0/\(collection)")
            result[collection] = Set(listing["value"]?.arrayElements?.compactMap { $0["id"]?.stringValue } ?? [])
        }
        let flows = result["identity/authenticationEventsFlows"] ?? []
        for flow in flows {
            let linked = try await get(
                "/v1.0/identity/authenticationEventsFlows/\(flow)/conditions/applications/includeApplications")
            result["links of \(flow)"] = Set(
                linked["value"]?.arrayElements?.compactMap { $0["appId"]?.stringValue } ?? [])
        }
        return result
    }
}

/// A fresh folder under the system's temporary directory.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("tutor-verify-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A copy of the repository's tutorial folder holding `count` copies of the tutorial (`t1.md`…).
/// With `brokenLinkCleanup`, the user-flow link's cleanup URL ends in `/$ref`, which Graph refuses.
func tutorialCopies(_ count: Int, brokenLinkCleanup: Bool = false) throws -> [String] {
    let folder = try temporaryDirectory().appendingPathComponent("tutorials")
    try FileManager.default.copyItem(at: VerifyHarness.repositoryTutorials, to: folder)
    // The copies are the repository's tutorial as it is, so the tests that pass verify it too.
    let link = folder.appendingPathComponent("includes/configure-user-flow/add-app-user-flow.md")
    let text = try String(contentsOf: link, encoding: .utf8)
    // Graph v1.0 unlinks an app from a user flow with DELETE …/includeApplications/{appId}.
    let cleanupURL = "includeApplications/{{clientId}}\","
    #expect(text.contains(cleanupURL))
    if brokenLinkCleanup {
        try text.replacingOccurrences(of: cleanupURL, with: "includeApplications/{{clientId}}/$ref\",")
            .write(to: link, atomically: true, encoding: .utf8)
    }
    let original = folder.appendingPathComponent("tutorial-web-app-python-flask-prepare-tenant.md")
    return try (1...count).map { index in
        let copy = folder.appendingPathComponent("t\(index).md")
        try FileManager.default.copyItem(at: original, to: copy)
        return copy.path
    }
}

/// The 1-based line of the first line of `file` after `marker` that starts with `prefix`.
func line(in file: URL, after marker: String, startingWith prefix: String) throws -> Int {
    let lines = try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n")
    guard let start = lines.firstIndex(where: { $0.contains(marker) }),
        let found = lines[start...].firstIndex(where: { $0.hasPrefix(prefix) })
    else {
        Issue.record("\(marker) / \(prefix) not in \(file.path)")
        return -1
    }
    return found + 1
}
