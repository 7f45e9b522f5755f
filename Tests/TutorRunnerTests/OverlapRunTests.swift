import Foundation
import Synchronization
import Testing
import TutorDocument
import TutorHTTP
import TutorRecord
import TutorSupport
import TutorVerify

@testable import TutorRunner

/// Independent requests overlap (docs/running.md, "Independent requests overlap"); what the
/// reader sees and what the record holds stay in document order, exactly once.
@Suite struct OverlapRunTests {
    /// Step 1 makes a widget slowly, step 2 a gadget quickly (nothing shared: they overlap), and
    /// step 3 needs both.
    static func twoChains() -> Tutorial {
        let makeGadget = Self.makeGadget
        return Overlap.tutorial(
            [
                Overlap.step(
                    "Make a widget",
                    [Overlap.create("make_widget", "widgets", input: "widgetName", captures: "widgetId", line: 10)],
                    line: 9),
                makeGadget,
                Overlap.step(
                    "Link them", [Overlap.update("link", "widgets", id: "widgetId", other: "gadgetId", line: 30)],
                    line: 29),
            ], inputs: ["widgetName", "gadgetName"])
    }

    /// Step 2 of both tutorials: a gadget, made from an input of its own.
    static let makeGadget = Overlap.step(
        "Make a gadget",
        [Overlap.create("make_gadget", "gadgets", input: "gadgetName", captures: "gadgetId", line: 20)],
        line: 19)

    /// The events of `output` (its JSON lines), as "event name-or-title".
    static func events(_ output: String) -> [String] {
        output.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("{"), let event = try? JSONValue.parse(String(line)) else { return nil }
            let kind = event["event"]?.stringValue ?? "?"
            let what = event["name"]?.stringValue ?? event["title"]?.stringValue ?? ""
            return "\(kind) \(what)"
        }
    }

    @Test func outOfOrderCompletionIsPrintedAndRecordedInDocumentOrder() async throws {
        // Two seconds for the widget: on a machine busy with the other suites the gadget's request
        // started more than 400 ms after the widget's (a fresh-clone CI run), and then finished last.
        let graph = SlowGraph(delays: ["widgets": .seconds(2), "gadgets": .milliseconds(10)])
        let state = Fixture.temporaryDirectory()
        let collector = Collector()
        let summary = try await Overlap.runner(Self.twoChains(), transport: graph, state: state, observer: collector)
            .run()
        #expect(summary.status == .succeeded)

        // They did overlap: the gadget was made (and answered) while the widget was on its way.
        let widget = try #require(graph.exchange("POST", "/widgets"))
        let gadget = try #require(graph.exchange("POST", "/gadgets"))
        #expect(gadget.ended < widget.ended)
        // The link waited for both.
        let link = try #require(graph.exchange("PATCH", "/widgets/"))
        #expect(link.started >= widget.ended)

        // Yet the output is in document order, in the text and in the JSON events alike.
        #expect(
            Self.events(collector.output) == [
                "runStarted ", "stepStarted Make a widget", "request make_widget", "stepFinished Make a widget",
                "stepStarted Make a gadget", "request make_gadget", "stepFinished Make a gadget",
                "stepStarted Link them", "request link", "stepFinished Link them", "runFinished ",
            ])
        let text = collector.output
        let widgetLine = try #require(text.range(of: "[1] Make a widget: ok"))
        let gadgetLine = try #require(text.range(of: "[2] Make a gadget ..."))
        #expect(widgetLine.lowerBound < gadgetLine.lowerBound)

        // And so is the record.
        let (record, _) = try #require(try RunStateStore(directory: state).load())
        #expect(record.steps.map(\.title) == ["Make a widget", "Make a gadget", "Link them"])
        #expect(record.steps.flatMap(\.requests).map(\.name) == ["make_widget", "make_gadget", "link"])
        #expect(record.steps.flatMap(\.requests).allSatisfy { $0.outcome == .sent })
        // It started after the widget's step and finished before it: a step's duration is its
        // own requests', not the time it waited to be shown.
        #expect(record.steps[0].durationMs >= 400)
        #expect(record.steps[1].durationMs <= record.steps[0].durationMs)
        #expect(record.resources.map(\.createdBy).sorted() == ["make_gadget", "make_widget"])
    }

    @Test func serialSendsEachRequestAfterTheOneBefore() async throws {
        let graph = SlowGraph(delays: ["widgets": .milliseconds(200), "gadgets": .milliseconds(10)])
        let summary = try await Overlap.runner(
            Self.twoChains(), transport: graph, state: Fixture.temporaryDirectory(), serial: true
        ).run()
        #expect(summary.status == .succeeded)
        let widget = try #require(graph.exchange("POST", "/widgets"))
        let gadget = try #require(graph.exchange("POST", "/gadgets"))
        #expect(gadget.started >= widget.ended)
        #expect(graph.mostInFlight == 1)
    }

    @Test func atMostFourRequestsAreUnderWayAtOnce() async throws {
        // Six reads of six collections: nothing links them (reads leave without a mark on disk,
        // so nothing but the bound holds them back).
        let collections = ["alphas", "betas", "gammas", "deltas", "epsilons", "zetas"]
        let tutorial = Overlap.tutorial(
            collections.enumerated().map { index, collection in
                Overlap.step(
                    "List \(collection)",
                    [
                        RequestBlock(
                            name: "list_\(collection)", location: Fixture.location(10 * index + 11), method: "GET",
                            url: "https://graph.microsoft.com/v1.0/\(collection)")
                    ],
                    line: 10 * index + 10)
            }, inputs: [])
        // Each answer takes a second, long enough for the runner to start every request it may
        // even on a machine busy with the other suites; "exactly 4" would depend on that timing,
        // the bound does not.
        let graph = SlowGraph(delays: Dictionary(uniqueKeysWithValues: collections.map { ($0, .seconds(1)) }))
        let summary = try await Overlap.runner(tutorial, transport: graph, state: Fixture.temporaryDirectory()).run()
        #expect(summary.status == .succeeded)
        #expect(graph.mostInFlight <= 4)
        #expect(graph.mostInFlight >= 2)
        #expect(graph.exchanges.count == 6)
    }

    /// Step 1 fails after a while; step 2 (independent, slow) is already on its way and must
    /// finish and be recorded; step 3 needs what step 1 would have captured and must never be sent.
    @Test func aFailureStopsTheRunButStartedRequestsFinishAndAreRecorded() async throws {
        var failing = Overlap.create("doomed", "fail", input: "doomedName", captures: "doomedId", line: 10)
        failing.cleanup = nil
        let makeGadget = Self.makeGadget
        let tutorial = Overlap.tutorial(
            [
                Overlap.step("Try the impossible", [failing], line: 9),
                makeGadget,
                Overlap.step(
                    "Use the impossible",
                    [Overlap.update("use", "gadgets", id: "gadgetId", other: "doomedId", line: 30)],
                    line: 29),
            ], inputs: ["doomedName", "gadgetName"])
        let graph = SlowGraph(delays: ["fail": .milliseconds(50), "gadgets": .milliseconds(400)])
        let state = Fixture.temporaryDirectory()
        let collector = Collector()
        do {
            _ = try await Overlap.runner(tutorial, transport: graph, state: state, observer: collector).run()
            Issue.record("the run should have failed")
        } catch let error as RunnerError {
            guard case .stepFailed(let failure) = error else {
                Issue.record("expected a step failure, got \(error)")
                return
            }
            #expect(failure.request == "doomed")
        }
        // The gadget, already under way, was made, answered after the failure, and recorded.
        let gadget = try #require(graph.exchange("POST", "/gadgets"))
        let doomed = try #require(graph.exchange("POST", "/fail"))
        #expect(gadget.ended > doomed.ended)
        #expect(graph.objects("gadgets").count == 1)
        // What depends on the failure was never sent.
        #expect(graph.exchange("PATCH", "/gadgets/") == nil)

        let (record, _) = try #require(try RunStateStore(directory: state).load())
        #expect(record.status == .failed)
        #expect(record.steps.map(\.status) == [.failed, .succeeded, .pending])
        #expect(record.steps[1].requests.first?.outcome == .sent)
        #expect(record.resources.map(\.createdBy) == ["make_gadget"])
        #expect(
            Self.events(collector.output) == [
                "runStarted ", "stepStarted Try the impossible", "request doomed", "stepFinished Try the impossible",
                "stepStarted Make a gadget", "request make_gadget", "stepFinished Make a gadget", "runFinished ",
            ])

        // Resuming sends only what is left: the gadget is not made twice.
        let resumed = Overlap.tutorial(
            [
                Overlap.step(
                    "Try the impossible",
                    [Overlap.create("doomed", "doomeds", input: "doomedName", captures: "doomedId", line: 10)], line: 9)
            ] + tutorial.steps.dropFirst(), inputs: ["doomedName", "gadgetName"])
        let summary = try await Overlap.runner(resumed, transport: graph, state: state).run()
        #expect(summary.status == .succeeded)
        #expect(graph.objects("gadgets").count == 1)
        #expect(graph.exchange("PATCH", "/gadgets/") != nil)
    }

    /// `tutor verify`'s write budget sits in the transport, below the runner: overlapping
    /// requests still leave at the budget's rate (here 5 writes a second, one at a time).
    @Test func theWriteBudgetHoldsWhenRequestsOverlap() async throws {
        let collections = ["alphas", "betas", "gammas", "deltas"]
        let tutorial = Overlap.tutorial(
            [
                Overlap.step(
                    "Make them all",
                    collections.enumerated().map { index, collection in
                        Overlap.create(
                            "make_\(collection)", collection, input: "name\(index)", captures: "id\(index)",
                            line: index + 10)
                    }, line: 9)
            ], inputs: collections.indices.map { "name\($0)" })
        let graph = SlowGraph()
        let budget = WriteBudget(writesPerSecond: 5, burst: 1)
        let transport = BudgetedTransport(inner: graph, budget: budget, graphURL: "https://graph.test")
        let began = ContinuousClock.now
        let summary = try await Overlap.runner(tutorial, transport: transport, state: Fixture.temporaryDirectory())
            .run()
        #expect(summary.status == .succeeded)
        let starts = graph.exchanges.filter { $0.method == "POST" }.map(\.started).sorted()
        #expect(starts.count == 4)
        // The k-th write leaves no sooner than k × 200 ms after the run began (a load can only
        // delay it); 2 ms for the budget's rounding to whole milliseconds.
        for (index, start) in starts.enumerated() {
            #expect(start - began >= .milliseconds(200 * index - 2), "write \(index) after \(start - began)")
        }
        #expect(transport.counts.writes == 4)
    }
}

/// Overlapping requests get transports of their own, made only when all are busy.
@Suite struct TransportPoolTests {
    /// Answers after 100 ms; counts how many of its sends overlap.
    final class Lane: HTTPTransport, Sendable {
        private let state = Mutex((now: 0, most: 0))
        var most: Int { state.withLock { $0.most } }
        func send(_ request: HTTPRequest) async throws -> HTTPResponse {
            state.withLock {
                $0.now += 1; $0.most = max($0.most, $0.now)
            }
            try await Task.sleep(for: .milliseconds(100))
            state.withLock { $0.now -= 1 }
            return HTTPResponse(status: 200, headers: [], body: Data())
        }
    }

    @Test func growsOnlyWhenEveryTransportIsBusy() async throws {
        let made = Mutex<[Lane]>([])
        let first = Lane()
        let pool = TransportPool(first: first, limit: 4) {
            let lane = Lane()
            made.withLock { $0.append(lane) }
            return lane
        }
        let request = HTTPRequest(method: "GET", url: "https://graph.test/v1.0/x")
        // One at a time: the first transport does it all.
        for _ in 0..<3 { _ = try await pool.send(request) }
        #expect(pool.count == 1)
        // Six at once: four transports, each sending one request at a time; the two left over
        // wait their turn on the first.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<6 { group.addTask { _ = try await pool.send(request) } }
            try await group.waitForAll()
        }
        #expect(pool.count == 4)
        #expect(made.withLock { $0.allSatisfy { $0.most == 1 } })
        #expect(first.most >= 1)
    }
}

/// Overlapping requests that all need a token at once share one sign-in.
@Suite struct SharedRenewalTests {
    @Test func concurrentRequestsShareOneTokenRequest() async throws {
        let graph = FakeGraph()
        let tokens = TokenProvider(connection: Fixture.connection(), transport: graph, prompt: { _ in })
        let values = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<6 { group.addTask { try await tokens.token() } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(values.count == 1)
        #expect(graph.tokenRequests == 1)
        // A 401's renewal still happens, once.
        _ = try await tokens.token(forceRefresh: true)
        #expect(graph.tokenRequests == 2)
    }
}
