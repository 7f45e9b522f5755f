import Foundation
import Testing
import TutorDocument
import TutorHTTP
import TutorRecord
import TutorSupport
import TutorTestSupport

@testable import TutorRunner

/// Records every request that reaches it, then passes it on.
final class RecordingTransport: HTTPTransport, @unchecked Sendable {
    // @unchecked Sendable: `requests` is guarded by `lock`.
    let inner: any HTTPTransport
    private let lock = NSLock()
    private var requests: [HTTPRequest] = []

    init(inner: any HTTPTransport) {
        self.inner = inner
    }

    var sent: [HTTPRequest] { lock.withLock { requests } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        lock.withLock { requests.append(request) }
        return try await inner.send(request)
    }
}

/// Collects what an observer would print.
final class EventCollector: RunObserver, @unchecked Sendable {
    // @unchecked Sendable: `events` is guarded by `lock`.
    private let lock = NSLock()
    private var events: [String] = []

    var text: String { lock.withLock { events.joined(separator: "\n") } }

    func handle(_ event: RunEvent) {
        lock.withLock { events.append("\(event)") }
    }
}

@Suite struct TokenAndSecretTests {
    static func request(_ name: String, _ method: String, _ url: String, body: String? = nil) -> RequestBlock {
        RequestBlock(
            name: name, location: Fixture.location(50), method: method, url: url,
            headers: body == nil ? [] : [HeaderTemplate(name: "Content-Type", value: "application/json")], body: body,
            scopes: ["Application.ReadWrite.All"])
    }

    /// A token is only ever sent to the Graph origin it was issued for: other hosts, plain http,
    /// userinfo before the host, another port, a backslash — refused before anything is sent.
    @Test(
        arguments: [
            "http://127.0.0.1:9/v1.0/organization",
            "https://graph.test@127.0.0.1:9/v1.0/organization",
            "https://graph.test:8443/v1.0/organization",
            "https://graph.test.evil.example/v1.0/organization",
            "https://evil.example\\@graph.test/v1.0/organization",
            "https://graph.microsoft.us/v1.0/organization",
            "HTTP://graph.test/v1.0/organization",
        ])
    func tokenGoesOnlyToTheGraphOrigin(url: String) async throws {
        let graph = FakeGraph()
        let transport = RecordingTransport(inner: graph)
        let tutorial = Fixture.tutorial(
            extraStep: Step(
                title: "Leak", location: Fixture.location(48), requests: [Self.request("leak", "GET", url)]))
        let runner = TutorialRunner(
            tutorial: tutorial, connection: Fixture.connection(), transport: transport,
            options: RunOptions(stateDirectory: Fixture.temporaryDirectory(), toolVersion: "test"))
        do {
            _ = try await runner.run()
            Issue.record("\(url) was accepted")
        } catch let error as RunnerError {
            #expect(error.exitStatus == .dataError)
            #expect(error.description.contains("refusing to send"))
        }
        #expect(!transport.sent.contains { $0.url.contains("127.0.0.1") || $0.url.contains("evil") })
        #expect(
            !transport.sent.contains {
                !$0.url.hasPrefix("https://graph.test/") && !$0.url.hasPrefix("https://login.test/")
            })
    }

    @Test func originIsReadStrictly() {
        #expect(Origin("https://Graph.Test/v1.0") == Origin("https://graph.test:443/x"))
        #expect(Origin("https://localhost:8443/v1.0")?.port == 8443)
        #expect(Origin("https://[::1]:8443/")?.host == "[::1]")
        for bad in [
            "http://graph.test/", "https://user@graph.test/", "https://graph.test\\@evil/", "https://graph.test /",
            "https://graph.test:0/", "https://graph.test:99999/", "https://:443/", "https://graph.test./",
            "https://graph.test\u{0}/", "graph.test/v1.0",
        ] {
            #expect(Origin(bad) == nil, "\(bad)")
        }
    }

    /// A request to the tenant's sign-in host goes without the Graph token.
    @Test func signInHostGetsNoToken() async throws {
        let graph = FakeGraph()
        let transport = RecordingTransport(inner: graph)
        let tutorial = Fixture.tutorial(
            extraStep: Step(
                title: "Discovery", location: Fixture.location(48),
                requests: [
                    Self.request(
                        "discovery", "GET",
                        "https://contoso.ciamlogin.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration")
                ]))
        let runner = TutorialRunner(
            tutorial: tutorial, connection: Fixture.connection(), transport: transport,
            options: RunOptions(stateDirectory: Fixture.temporaryDirectory(), toolVersion: "test"))
        _ = try? await runner.run()
        let discovery = transport.sent.filter { $0.url.hasPrefix("https://login.test/contoso.onmicrosoft.com/v2.0") }
        #expect(discovery.count >= 1)
        #expect(discovery.allSatisfy { request in !request.headers.contains { $0.name == "Authorization" } })
        #expect(
            transport.sent.filter { $0.url.hasPrefix("https://graph.test/") }.allSatisfy { request in
                request.headers.contains { $0.name == "Authorization" }
            })
    }

    /// A secret is redacted wherever it appears: a JSON key and value of a recorded body, the URL
    /// (percent-encoded), Graph's error message that quotes it, and the console's events.
    @Test func secretIsRedactedEverywhereInTheRecord() async throws {
        let harness = try await SandboxHarness.start()
        defer { Task { await harness.sandbox.stop() } }
        let create = RequestBlock(
            name: "make_app", location: Fixture.location(10), method: "POST",
            url: "https://graph.microsoft.com/v1.0/applications",
            headers: [HeaderTemplate(name: "Content-Type", value: "application/json")],
            body: #"{"displayName": "redaction-app"}"#,
            captures: [Capture(variable: "appObjectId", source: .body(jsonPath: .path("$.id")))],
            cleanup: CleanupRule(url: "https://graph.microsoft.com/v1.0/applications/{{appObjectId}}"),
            scopes: ["Application.ReadWrite.All"])
        let addSecret = RequestBlock(
            name: "add_secret", location: Fixture.location(20), method: "POST",
            url: "https://graph.microsoft.com/v1.0/applications/{{appObjectId}}/addPassword",
            headers: [HeaderTemplate(name: "Content-Type", value: "application/json")],
            body: #"{"passwordCredential": {"displayName": "s"}}"#,
            captures: [Capture(variable: "clientSecret", source: .body(jsonPath: .path("$.secretText")))],
            secrets: ["clientSecret"], scopes: ["Application.ReadWrite.All"])
        let misuse = RequestBlock(
            name: "misuse", location: Fixture.location(30), method: "PATCH",
            url: "https://graph.microsoft.com/v1.0/applications/{{appObjectId}}?note={{clientSecret}}",
            headers: [
                HeaderTemplate(name: "Content-Type", value: "application/json"),
                HeaderTemplate(name: "X-Note", value: "{{clientSecret}}"),
            ],
            body: #"{"{{clientSecret}}": "{{clientSecret}}"}"#, scopes: ["Application.ReadWrite.All"])
        let tutorial = Tutorial(
            path: "redaction.md", sha256: "abc", title: "Redaction", frontMatter: [],
            steps: [
                Step(title: "Make", location: Fixture.location(8), requests: [create, addSecret]),
                Step(title: "Misuse", location: Fixture.location(28), requests: [misuse]),
            ], inputs: [], outputs: [])
        let state = Fixture.temporaryDirectory()
        let events = EventCollector()
        let runner = harness.runner(tutorial, state: state, observer: events)
        var failure = ""
        do {
            _ = try await runner.run()
            Issue.record("Graph accepted a property named after the secret")
        } catch let error as RunnerError {
            failure = error.description
        }
        let store = RunStateStore(directory: state)
        let secrets = try JSONDecoder().decode(SecretsFile.self, from: Data(contentsOf: store.secretsURL))
        let secret = try #require(secrets.variables["clientSecret"])
        let record = String(decoding: try Data(contentsOf: store.recordURL), as: UTF8.self)
        for form in [secret, PercentEncoding.unreserved(secret), JSONValue.escape(secret)] {
            #expect(!record.contains(form))
            #expect(!events.text.contains(form))
            #expect(!failure.contains(form))
        }
        #expect(record.contains("note=[REDACTED]"))
        #expect(record.contains(#""[REDACTED]" : "[REDACTED]""#))
        // Graph's message named the property: it is in the record, redacted.
        #expect(record.contains("[REDACTED]' does not exist"))
        // Clean up what the test made.
        let (saved, _) = try #require(try store.load())
        #expect(saved.resources.count == 1)
    }
}
