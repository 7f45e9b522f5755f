import Foundation
import Synchronization
import TutorDocument
import TutorHTTP
import TutorSupport

@testable import TutorRunner

/// A Graph of plain collections (`POST /v1.0/{collection}` creates, `GET`/`PATCH` by id) whose
/// answers take as long as the test says, so that overlapping requests finish out of order.
/// Tokens come from `FakeGraph`. Every exchange is logged with when it started and ended.
final class SlowGraph: HTTPTransport, Sendable {
    struct Exchange: Sendable {
        var method: String
        var path: String
        var started: ContinuousClock.Instant
        var ended: ContinuousClock.Instant
    }

    private struct State {
        var objects: [String: [String]] = [:]
        var exchanges: [Exchange] = []
        var inFlight = 0
        var mostInFlight = 0
    }

    private let tokens = FakeGraph()
    private let state = Mutex(State())
    /// How long an answer takes, by collection (the first path segment after the version).
    private let delays: [String: Duration]
    private let clock = ContinuousClock()

    init(delays: [String: Duration] = [:]) {
        self.delays = delays
    }

    var exchanges: [Exchange] { state.withLock { $0.exchanges } }
    var mostInFlight: Int { state.withLock { $0.mostInFlight } }
    func objects(_ collection: String) -> [String] { state.withLock { $0.objects[collection] ?? [] } }

    /// The exchange `METHOD /collection...` (the first one whose path starts so).
    func exchange(_ method: String, _ prefix: String) -> Exchange? {
        exchanges.first { $0.method == method && $0.path.hasPrefix(prefix) }
    }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard request.url.hasPrefix("https://graph.test/v1.0/") else { return try await tokens.send(request) }
        let path = String(request.url.dropFirst("https://graph.test/v1.0".count).split(separator: "?")[0])
        let segments = path.split(separator: "/").map(String.init)
        let started = clock.now
        state.withLock { state in
            state.inFlight += 1
            state.mostInFlight = max(state.mostInFlight, state.inFlight)
        }
        try await Task.sleep(for: delays[segments[0]] ?? .milliseconds(5))
        let ended = clock.now
        return state.withLock { state in
            state.inFlight -= 1
            state.exchanges.append(Exchange(method: request.method, path: path, started: started, ended: ended))
            return Self.answer(request.method, segments, &state.objects)
        }
    }

    private static func answer(_ method: String, _ segments: [String], _ objects: inout [String: [String]])
        -> HTTPResponse
    {
        func json(_ status: Int, _ text: String) -> HTTPResponse {
            HTTPResponse(status: status, headers: [HTTPHeader("request-id", UUID().uuidString)], body: Data(text.utf8))
        }
        let collection = segments[0]
        switch (method, segments.count) {
        case ("POST", 1) where collection == "fail":
            return json(400, #"{"error": {"code": "Request_BadRequest", "message": "this request always fails"}}"#)
        case ("GET", 1):
            return json(200, #"{"value": []}"#)
        case ("POST", 1):
            let id = UUID().uuidString.lowercased()
            objects[collection, default: []].append(id)
            return json(201, #"{"id": "\#(id)"}"#)
        case ("GET", 2), ("PATCH", 2):
            guard objects[collection]?.contains(segments[1]) == true else {
                return json(404, #"{"error": {"code": "Request_ResourceNotFound", "message": "no such object"}}"#)
            }
            return method == "GET" ? json(200, #"{"id": "\#(segments[1])"}"#) : json(204, "")
        default:
            return json(404, #"{"error": {"code": "Request_ResourceNotFound", "message": "no route"}}"#)
        }
    }
}

/// Tutorials of plain collections for `SlowGraph`.
enum Overlap {
    /// `POST /v1.0/{collection}` with `{"name": "{{input}}"}`, capturing the new id as `variable`.
    static func create(_ name: String, _ collection: String, input: String, captures variable: String, line: Int)
        -> RequestBlock
    {
        RequestBlock(
            name: name, location: Fixture.location(line), method: "POST",
            url: "https://graph.microsoft.com/v1.0/\(collection)", body: #"{"name": "{{\#(input)}}"}"#,
            captures: [Capture(variable: variable, source: .body(jsonPath: .path("$.id")))],
            cleanup: CleanupRule(url: "https://graph.microsoft.com/v1.0/\(collection)/{{\(variable)}}"))
    }

    /// `PATCH /v1.0/{collection}/{{id}}` with a body naming `other` too.
    static func update(_ name: String, _ collection: String, id: String, other: String, line: Int) -> RequestBlock {
        RequestBlock(
            name: name, location: Fixture.location(line), method: "PATCH",
            url: "https://graph.microsoft.com/v1.0/\(collection)/{{\(id)}}", body: #"{"other": "{{\#(other)}}"}"#)
    }

    static func step(_ title: String, _ requests: [RequestBlock], line: Int) -> Step {
        Step(title: title, location: Fixture.location(line), requests: requests)
    }

    static func tutorial(_ steps: [Step], inputs: [String]) -> Tutorial {
        Tutorial(
            path: "tutorial.md", sha256: "abc", title: "Overlap", frontMatter: [], steps: steps,
            inputs: inputs.map {
                InputDeclaration(name: $0, defaultValue: "\($0)-value", location: Fixture.location(2))
            },
            outputs: [])
    }

    static func runner(
        _ tutorial: Tutorial, transport: any HTTPTransport, state: URL, observer: any RunObserver = SilentObserver(),
        serial: Bool = false
    ) -> TutorialRunner {
        TutorialRunner(
            tutorial: tutorial, connection: Fixture.connection(), transport: transport,
            options: RunOptions(
                stateDirectory: state,
                retryPolicy: RetryPolicy(
                    initialDelay: .milliseconds(5), maximumDelay: .milliseconds(50),
                    maximumPollDelay: .milliseconds(20), budget: .seconds(10)),
                lostResponseRecheck: .milliseconds(100), toolVersion: "test", overlap: !serial),
            observer: observer)
    }
}
