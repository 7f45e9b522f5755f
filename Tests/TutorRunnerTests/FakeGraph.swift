import Foundation
import TutorDocument
import TutorHTTP
import TutorSupport
import TutorTestSupport

@testable import TutorRunner

/// A small in-memory Graph and token endpoint behind the runner's transport seam.
final class FakeGraph: HTTPTransport, @unchecked Sendable {
    // @unchecked Sendable: every stored property is read and written under `lock`.
    static let tenantId = "11111111-2222-4333-8444-555555555555"

    struct Application {
        var id: String
        var appId: String
        var displayName: String
        var passwords: [(keyId: String, displayName: String, secret: String)]
    }

    enum Fault {
        /// Answer with this status (and Retry-After) instead of handling the request.
        case status(Int, retryAfter: String?)
        /// Handle the request, then drop the answer (the client sees a lost connection).
        case loseAnswer
        /// Handle the request, then fail with a non-retryable error (like a crash after sending).
        case crashAfter
    }

    private let lock = NSLock()
    private var applications: [Application] = []
    private var faults: [String: [Fault]] = [:]
    private(set) var log: [String] = []
    var roles: [String] = ["Application.ReadWrite.All"]
    var counter = 0
    var tokenLifetime: TimeInterval = 3600
    private var tokenCount = 0
    private var pendingDeviceCodes = 1

    var tokenRequests: Int { lock.withLock { tokenCount } }

    static func makeToken(roles: [String], scp: String? = nil, expiresIn: TimeInterval = 3600) -> String {
        // The payload's exp decides renewal; the signature is not checked by the runner.
        func encode(_ value: JSONValue) -> String {
            Data(value.serialized().utf8).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        var claims: [JSONValue.JSONMember] = [
            .init("tid", .string(tenantId)), .init("exp", .number(Date().timeIntervalSince1970 + expiresIn)),
            .init("roles", .array(roles.map { .string($0) })),
        ]
        if let scp { claims.append(.init("scp", .string(scp))) }
        return encode(.object([.init("alg", .string("none"))])) + "." + encode(.object(claims)) + ".sig"
    }

    /// Queues faults for requests whose "METHOD path-suffix" key matches, e.g. `POST /addPassword`.
    func inject(_ key: String, _ list: [Fault]) {
        lock.withLock { faults[key, default: []] += list }
    }

    var applicationsSnapshot: [Application] { lock.withLock { applications } }
    var writes: [String] { lock.withLock { log.filter { !$0.hasPrefix("GET") && !$0.contains("/token") } } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try lock.withLock { try handle(request) }
    }

    private func json(_ status: Int, _ body: JSONValue?, headers: [HTTPHeader] = []) -> HTTPResponse {
        counter += 1
        return HTTPResponse(
            status: status, headers: headers + [HTTPHeader("request-id", "req-\(counter)")],
            body: Data((body?.serialized() ?? "").utf8))
    }

    private func graphError(_ status: Int, _ code: String, _ message: String) -> HTTPResponse {
        json(
            status,
            .object([.init("error", .object([.init("code", .string(code)), .init("message", .string(message))]))]))
    }

    private func handle(_ request: HTTPRequest) throws -> HTTPResponse {
        let path = String(request.url.split(separator: "?").first ?? "").replacingOccurrences(
            of: "https://graph.test", with: "")
        let query = request.url.split(separator: "?").dropFirst().first.map(String.init)?.removingPercentEncoding ?? ""
        log.append("\(request.method) \(path)")
        var fault: Fault?
        for (key, list) in faults where !list.isEmpty {
            let parts = key.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0] == request.method, path.hasSuffix(parts[1]) {
                fault = faults[key]!.removeFirst()
                break
            }
        }
        if case .status(let status, let retryAfter) = fault {
            return graphError(status, "TooManyRequests", "slow down")
                .with(headers: retryAfter.map { [HTTPHeader("Retry-After", $0)] } ?? [])
        }
        let response = try route(request, path: path, query: query)
        switch fault {
        case .loseAnswer:
            throw HTTPTransportError(
                kind: .connectionLost, method: request.method, url: request.url, message: "connection reset",
                mayHaveReachedServer: true)
        case .crashAfter:
            throw HTTPTransportError(
                kind: .other, method: request.method, url: request.url, message: "simulated crash",
                mayHaveReachedServer: true)
        default:
            return response
        }
    }

    private func route(_ request: HTTPRequest, path: String, query: String) throws -> HTTPResponse {
        if path.hasSuffix("/oauth2/v2.0/devicecode") {
            return json(
                200,
                .object([
                    .init("device_code", .string("device-123")), .init("user_code", .string("ABCD-1234")),
                    .init("verification_uri", .string("https://login.test/device")), .init("interval", .number(0.01)),
                    .init("expires_in", .number(60)),
                    .init("message", .string("Open https://login.test/device and enter ABCD-1234")),
                ]))
        }
        if path.hasSuffix("/oauth2/v2.0/token") {
            tokenCount += 1
            let form = String(decoding: request.body ?? Data(), as: UTF8.self)
            if form.contains("device_code=device-123") {
                if pendingDeviceCodes > 0 {
                    pendingDeviceCodes -= 1
                    return json(400, .object([.init("error", .string("authorization_pending"))]))
                }
                return json(
                    200,
                    .object([
                        .init("access_token", .string(Self.makeToken(roles: roles))),
                        .init("expires_in", .number(3600)), .init("refresh_token", .string("refresh-1")),
                    ]))
            }
            guard form.contains("client_secret=right-secret") else {
                return json(
                    401,
                    .object([
                        .init("error", .string("invalid_client")),
                        .init("error_description", .string("AADSTS7000215: Invalid client secret provided.")),
                    ]))
            }
            return json(
                200,
                .object([
                    .init("access_token", .string(Self.makeToken(roles: roles, expiresIn: tokenLifetime))),
                    .init("expires_in", .number(tokenLifetime)), .init("token_type", .string("Bearer")),
                ]))
        }
        guard request.headers.contains(where: { $0.name == "Authorization" && $0.value.hasPrefix("Bearer ") }) else {
            return graphError(401, "InvalidAuthenticationToken", "no token")
        }
        let body = request.body.flatMap { try? JSONValue.parse($0) }
        let segments = path.split(separator: "/").map(String.init)
        switch (request.method, segments.count) {
        case ("GET", 2) where segments[1] == "applications":
            let name = query.components(separatedBy: "'").dropFirst().first ?? ""
            let found = applications.filter { $0.displayName == name }.map(applicationJSON)
            return json(200, .object([.init("value", .array(found))]))
        case ("POST", 2) where segments[1] == "applications":
            guard let name = body?["displayName"]?.stringValue else {
                return graphError(400, "Request_BadRequest", "displayName is required")
            }
            let application = Application(
                id: UUID().uuidString.lowercased(), appId: UUID().uuidString.lowercased(), displayName: name,
                passwords: [])
            applications.append(application)
            return json(201, applicationJSON(application))
        case ("GET", 3) where segments[1] == "applications":
            guard let application = applications.first(where: { $0.id == segments[2] }) else {
                return graphError(404, "Request_ResourceNotFound", "no such application")
            }
            return json(200, applicationJSON(application))
        case ("POST", 4) where segments[3] == "addPassword":
            guard let index = applications.firstIndex(where: { $0.id == segments[2] }) else {
                return graphError(404, "Request_ResourceNotFound", "no such application")
            }
            let keyId = UUID().uuidString.lowercased()
            let secret = "s3cr3t~\(UUID().uuidString)"
            let name = body?["passwordCredential"]?["displayName"]?.stringValue ?? ""
            applications[index].passwords.append((keyId, name, secret))
            return json(
                200,
                .object([
                    .init("keyId", .string(keyId)), .init("displayName", .string(name)),
                    .init("secretText", .string(secret)),
                ]))
        case ("POST", 4) where segments[3] == "removePassword":
            guard let index = applications.firstIndex(where: { $0.id == segments[2] }),
                let keyId = body?["keyId"]?.stringValue
            else { return graphError(404, "Request_ResourceNotFound", "no such application") }
            applications[index].passwords.removeAll { $0.keyId == keyId }
            return json(204, nil)
        case ("POST", 2) where segments[1] == "fail":
            return graphError(400, "Request_BadRequest", "Property 'bogus' does not exist")
        default:
            return graphError(404, "Request_ResourceNotFound", "no route \(request.method) \(path)")
        }
    }

    private func applicationJSON(_ application: Application) -> JSONValue {
        .object([
            .init("id", .string(application.id)), .init("appId", .string(application.appId)),
            .init("displayName", .string(application.displayName)),
            .init(
                "passwordCredentials",
                .array(
                    application.passwords.map {
                        .object([
                            .init("keyId", .string($0.keyId)), .init("displayName", .string($0.displayName)),
                            .init("secretText", .null),
                        ])
                    })),
        ])
    }
}

extension HTTPResponse {
    func with(headers extra: [HTTPHeader]) -> HTTPResponse {
        var copy = self
        copy.headers += extra
        return copy
    }
}

/// Collects events and everything a console reporter would print.
final class Collector: RunObserver, @unchecked Sendable {
    // @unchecked Sendable: `events` and `text` are guarded by `lock`.
    private let lock = NSLock()
    private var events: [RunEvent] = []
    private var text = ""
    private let plain: ConsoleReporter
    private let json: ConsoleReporter

    init() {
        let sink = TextSink()
        plain = ConsoleReporter(style: .plain, verbose: true, color: false, write: { sink.append($0) })
        json = ConsoleReporter(style: .jsonLines, verbose: true, color: false, write: { sink.append($0) })
        self.sink = sink
    }

    let sink: TextSink

    func handle(_ event: RunEvent) {
        lock.withLock { events.append(event) }
        plain.handle(event)
        json.handle(event)
    }

    var output: String { sink.text }
}

final class TextSink: @unchecked Sendable {
    // @unchecked Sendable: `storage` is guarded by `lock`.
    private let lock = NSLock()
    private var storage = ""
    func append(_ text: String) { lock.withLock { storage += text } }
    var text: String { lock.withLock { storage } }
}

enum Fixture {
    static func location(_ line: Int) -> SourceLocation {
        SourceLocation(file: "tutorial.md", line: line, column: 1)
    }

    static func tutorial(extraStep: Step? = nil) -> Tutorial {
        let create = RequestBlock(
            name: "create_application", location: location(10), method: "POST",
            url: "https://graph.microsoft.com/v1.0/applications",
            headers: [HeaderTemplate(name: "Content-Type", value: "application/json")],
            body: #"{"displayName": "{{appName}}", "signInAudience": "AzureADMyOrg"}"#,
            expectation: ResponseExpectation(
                location: location(16), status: 201, body: #"{"displayName": "{{appName}}", "id": "*"}"#),
            captures: [
                Capture(variable: "appObjectId", source: .body(jsonPath: .path("$.id"))),
                Capture(variable: "clientId", source: .body(jsonPath: .path("$.appId"))),
            ],
            lookup: Lookup(
                url: "https://graph.microsoft.com/v1.0/applications?$filter=displayName eq '{{appName}}'",
                captures: [
                    Capture(variable: "appObjectId", source: .body(jsonPath: .path("$.value[0].id"))),
                    Capture(variable: "clientId", source: .body(jsonPath: .path("$.value[0].appId"))),
                ]),
            cleanup: CleanupRule(
                url: "https://graph.microsoft.com/v1.0/applications/{{appObjectId}}", resourceType: "application"),
            scopes: ["Application.ReadWrite.All"])
        let addSecret = RequestBlock(
            name: "add_client_secret", location: location(30), method: "POST",
            url: "https://graph.microsoft.com/v1.0/applications/{{appObjectId}}/addPassword",
            body: #"{"passwordCredential": {"displayName": "tutor client secret"}}"#,
            captures: [
                Capture(variable: "clientSecret", source: .body(jsonPath: .path("$.secretText"))),
                Capture(variable: "secretKeyId", source: .body(jsonPath: .path("$.keyId"))),
            ],
            secrets: ["clientSecret"], scopes: ["Application.ReadWrite.All"])
        var steps = [
            Step(title: "Register the web app", location: location(8), requests: [create]),
            Step(title: "Add app client secret", location: location(28), requests: [addSecret]),
            Step(title: "Collect your app registration details", location: location(40), requests: []),
        ]
        if let extraStep { steps.insert(extraStep, at: 2) }
        return Tutorial(
            path: "tutorial.md", sha256: "abc", title: "Test", frontMatter: [], steps: steps,
            inputs: [
                InputDeclaration(
                    name: "appName", defaultValue: "tutor-test-app", pattern: "[A-Za-z0-9 -]+", location: location(3))
            ],
            outputs: [
                OutputDeclaration(name: "CLIENT_ID", value: "{{clientId}}", isSecret: false, location: location(42)),
                OutputDeclaration(
                    name: "CLIENT_SECRET", value: "{{clientSecret}}", isSecret: true, location: location(43)),
                OutputDeclaration(
                    name: "AUTHORITY", value: "https://contoso.ciamlogin.com/", isSecret: false,
                    location: location(44)),
            ])
    }

    static func connection(secret: String = "right-secret") -> TenantConnection {
        TenantConnection(
            name: "test", tenantId: nil, subdomain: "contoso", graphURL: "https://graph.test",
            loginURL: "https://login.test", authority: "https://login.test/\(FakeGraph.tenantId)", isSandbox: false,
            caFile: nil, credential: .clientSecret(clientId: "admin-app", secret: secret))
    }

    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tutor-runner-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func runner(
        _ graph: FakeGraph, state: URL, tutorial: Tutorial = tutorial(), observer: any RunObserver = SilentObserver(),
        variables: [String: String] = [:], fresh: Bool = false, from: String? = nil,
        interrupt: InterruptFlag = InterruptFlag(), secret: String = "right-secret"
    ) -> TutorialRunner {
        TutorialRunner(
            tutorial: tutorial, connection: connection(secret: secret), transport: graph,
            options: RunOptions(
                variables: variables, stateDirectory: state, fresh: fresh, from: from,
                retryPolicy: RetryPolicy(
                    initialDelay: .milliseconds(5), maximumDelay: .milliseconds(50),
                    maximumPollDelay: .milliseconds(20), budget: .seconds(120)),
                lostResponseRecheck: .milliseconds(100), toolVersion: "test"),
            observer: observer, interrupt: interrupt)
    }
}
