import Foundation
import Testing
import TutorCLI
import TutorDocument
import TutorHTTP
import TutorRecord
import TutorRunner
import TutorSandbox
import TutorSupport
import TutorTestSupport

@testable import TutorVerify

/// The ledger invariant (docs/ledger.md): after cleanup, the tenant holds nothing that any run
/// of that state folder created. Each test counts the tenant's objects through Graph list calls
/// before and after.
@Suite("The ledger: nothing tutor creates is lost track of", .serialized)
struct LedgerTests {
    /// A one-tutorial copy of `tutorials/` with `original` replaced by `replacement` in the include at `include`.
    static func brokenCopy(include: String, replacing original: String, with replacement: String) throws -> String {
        let path = try tutorialCopies(1)[0]
        let file = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(include)
        let text = try String(contentsOf: file, encoding: .utf8)
        let range = try #require(text.range(of: original), "\(original) is not in \(include)")
        try text.replacingCharacters(in: range, with: replacement).write(to: file, atomically: true, encoding: .utf8)
        return path
    }

    static let registerInclude = "includes/register-app/register-client-app-common.md"

    @Test(
        "A create whose answer fails the document still enters the ledger and is deleted",
        arguments: [
            // A capture path the answer does not have (the cleanup URL's variable is captured).
            (#""clientId": "$.appId""#, #""clientId": "$.appID""#, "CaptureFailed"),
            // The capture the cleanup URL needs is the broken one: the answer's own id stands in.
            (#""appObjectId": "$.id""#, #""appObjectId": "$.objectId""#, "CaptureFailed"),
            // The response block expects another status than Graph's 201.
            ("HTTP/1.1 201 Created", "HTTP/1.1 200 OK", "UnexpectedStatus"),
            // The documented body does not match.
            (#""appId": "*","#, #""appId": "*", "notes": "not what Graph answers","#, "ExpectationFailed"),
        ])
    func failedExpectationAfterCreate(original: String, replacement: String, code: String) async throws {
        let harness = try await VerifyHarness.start()
        defer { Task { await harness.sandbox.stop() } }
        let before = try await harness.objects()
        let path = try Self.brokenCopy(include: Self.registerInclude, replacing: original, with: replacement)

        let report = try await harness.verify([path])

        let result = try #require(report.tutorials.first)
        #expect(result.status == .failed)
        #expect(result.failure?.failureClass == .doc)
        #expect(result.failure?.errorCode == code)
        #expect(result.cleanup.map(\.type) == ["application"])
        #expect(result.cleanup.allSatisfy { $0.outcome == .deleted })
        #expect(report.summary.resourcesLeft == 0)
        #expect(report.markdownSummary().contains("1 resource deleted, 0 left in the tenant"))
        #expect(try await harness.objects() == before)
    }

    @Test("A cleanup that Graph refuses is counted and named as left, in JSON, Markdown and JUnit")
    func refusedCleanupIsReportedAsLeft() async throws {
        let harness = try await VerifyHarness.start()
        defer { Task { await harness.sandbox.stop() } }
        // A PATCH deletes nothing, and Graph refuses one without a body.
        let path = try Self.brokenCopy(
            include: Self.registerInclude, replacing: #""method": "DELETE","#, with: #""method": "PATCH","#)

        let report = try await harness.verify([path])

        #expect(report.summary.resourcesLeft == 1)
        let left = report.resourcesLeft
        #expect(left.map(\.item.type) == ["application"])
        let id = try #require(left.first?.item.id)
        #expect(report.markdownSummary().contains("### Left in the tenant"))
        #expect(report.markdownSummary().contains("application `\(id)`"))
        let json = try JSONValue.parse(try report.jsonData())
        #expect(json["summary"]?["resourcesLeft"]?.numberValue == 1)
        #expect(report.junitXML().contains("Clean up"))
        #expect(report.junitXML().contains("<failure"))
        // Still there, as the report says.
        let apps = try await harness.get("/v1.0/applications")["value"]?.arrayElements ?? []
        #expect(apps.contains { $0["id"]?.stringValue == id })
    }

    @Test("run, then run --fresh with another redirect port, then cleanup: the tenant ends as it began")
    func freshCarriesTheLedgerForward() async throws {
        let harness = try await VerifyHarness.start()
        defer { Task { await harness.sandbox.stop() } }
        let before = try await harness.objects()
        let tutorial = try TutorialParser().parse(path: try tutorialCopies(1)[0])
        let state = try temporaryDirectory().appendingPathComponent("state")
        func run(fresh: Bool, port: String) async throws -> RunSummary {
            try await TutorialRunner(
                tutorial: tutorial, connection: harness.connection, transport: harness.client,
                options: RunOptions(
                    variables: ["appName": "ledger-fresh-app", "redirectPort": port], stateDirectory: state,
                    fresh: fresh, retryPolicy: RetryPolicy(initialDelay: .milliseconds(20)), toolVersion: "test")
            ).run()
        }
        let first = try await run(fresh: false, port: "5000")
        #expect(first.status == .succeeded)
        let created = try #require(try RunStateStore(directory: state).load()).0.resources
        #expect(created.count == 5)

        let second = try await run(fresh: true, port: "5099")
        #expect(second.status == .succeeded)
        let carried = try #require(try RunStateStore(directory: state).load()).0.resources
        #expect(Set(carried.map(\.cleanup.url)).isSuperset(of: created.map(\.cleanup.url)))

        let summary = try await RunStateCleanup.clean(
            stateDirectory: state, connection: harness.connection, transport: harness.client)
        #expect(summary.isComplete)
        #expect(try await harness.objects() == before)
    }

    @Test("A --var that names no input is refused before anything is sent, with a suggestion")
    func misspelledVariableIsRefused() async throws {
        let harness = try await VerifyHarness.start()
        defer { Task { await harness.sandbox.stop() } }
        let before = try await harness.objects()
        let tutorial = try TutorialParser().parse(path: try tutorialCopies(1)[0])
        let runner = TutorialRunner(
            tutorial: tutorial, connection: harness.connection, transport: harness.client,
            options: RunOptions(
                variables: ["redirectport": "5001"], stateDirectory: try temporaryDirectory(), toolVersion: "test"))
        do {
            _ = try await runner.run()
            Issue.record("the run went ahead")
        } catch let error as RunnerError {
            #expect(error.exitStatus == .usage)
            #expect(error.description.contains("did you mean redirectPort?"))
            #expect(error.description.contains("appName, redirectPort, userFlowName"))
        }
        #expect(try await harness.objects() == before)
        let paths = try tutorialCopies(2)
        #expect(
            Verifier.unknownVariables(["appName", "userflowname"], in: TutorialDocument.read(paths)) == [
                "--var userflowname: unknown input userflowname; did you mean userFlowName? (known: appName, redirectPort, userFlowName)"
            ])
    }

    @Test("A run that ends on an error that is not the runner's leaves a finished record and a runFinished event")
    func foreignErrorsFinishTheRecord() async throws {
        let harness = try await VerifyHarness.start()
        defer { Task { await harness.sandbox.stop() } }
        let tutorial = try TutorialParser().parse(path: try tutorialCopies(1)[0])
        struct Foreign: Error {}
        let failures: [(any Error & Sendable, RunStatus)] = [(CancellationError(), .interrupted), (Foreign(), .failed)]
        for (failure, status) in failures {
            let state = try temporaryDirectory()
            let events = EventLog()
            // Every request after the fourth fails with an error that is not a `RunnerError`.
            let transport = CountingTransport(inner: harness.client) { count in
                if count > 4 { throw failure }
            }
            let runner = TutorialRunner(
                tutorial: tutorial, connection: harness.connection, transport: transport,
                options: RunOptions(
                    variables: ["appName": "foreign-\(status.rawValue)"], stateDirectory: state, toolVersion: "test"),
                observer: events)
            do {
                _ = try await runner.run()
                Issue.record("the run succeeded")
            } catch let error as RunnerError {
                #expect(error.exitStatus == (status == .interrupted ? .interrupted : .software))
            }
            let record = try #require(try RunStateStore(directory: state).load()).0
            #expect(record.status == status)
            #expect(record.finishedAt != nil)
            #expect(events.finished == 1)
            let cleaned = try await RunStateCleanup.clean(
                stateDirectory: state, connection: harness.connection, transport: harness.client)
            #expect(cleaned.isComplete)
        }
    }
}

/// Passes requests through, calling `beforeSending` with each request's number (from 1) first:
/// a test fails or interrupts a run after a given number of requests this way.
final class CountingTransport: HTTPTransport, @unchecked Sendable {
    // @unchecked Sendable: `sent` is guarded by `lock`.
    let inner: any HTTPTransport
    let beforeSending: @Sendable (Int) throws -> Void
    private let lock = NSLock()
    private var sent = 0

    init(inner: any HTTPTransport, beforeSending: @escaping @Sendable (Int) throws -> Void) {
        self.inner = inner
        self.beforeSending = beforeSending
    }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let count = lock.withLock {
            sent += 1
            return sent
        }
        try beforeSending(count)
        return try await inner.send(request)
    }
}

/// Counts `runFinished` events.
final class EventLog: RunObserver, @unchecked Sendable {
    // @unchecked Sendable: `count` is guarded by `lock`.
    private let lock = NSLock()
    private var count = 0

    var finished: Int { lock.withLock { count } }

    func handle(_ event: RunEvent) {
        if case .runFinished = event { lock.withLock { count += 1 } }
    }
}

/// `tutor verify` on a sandbox it starts itself applies a realistic replication lag by default,
/// so that a tutorial that reads back a new object without waiting fails in CI, not for a learner.
/// (Microsoft Entra is eventually consistent: "a newly created object [may] return a Not Found"
/// during the replication window; "Designing for Eventual Consistency for Microsoft Entra",
/// devblogs.microsoft.com/identity/designing-for-eventual-consistency-for-microsoft-entra/.)
@Suite("tutor verify's sandbox replicates like a tenant", .serialized)
struct VerifyReplicationLagTests {
    static func verify(_ extra: [String]) async throws -> (status: Int32, report: JSONValue?) {
        let root = try temporaryDirectory()
        let report = root.appendingPathComponent("report.json")
        var environment = ProcessInfo.processInfo.environment
        // A home of its own: no `tutor sandbox serve` runs there, so verify starts a sandbox itself.
        environment["XDG_STATE_HOME"] = root.appendingPathComponent("xdg").path
        let outcome = await Tutor.capture(
            [
                "verify", VerifyHarness.fixtures.appendingPathComponent("no-wait/tutorial.md").path,
                "--state-root", root.appendingPathComponent("state").path, "--report", report.path,
                "--writes-per-second", "0",
            ] + extra, environment: environment)
        let data = FileManager.default.contents(atPath: report.path)
        return (outcome.status, try data.map { try JSONValue.parse($0) })
    }

    @Test func readingBackWithoutWaitingFailsUnderTheDefaultLag() async throws {
        let (status, report) = try await Self.verify(["--seed", "7"])
        #expect(status == 1)
        let failure = report?["tutorials"]?.arrayElements?.first?["failure"]
        #expect(failure?["errorCode"]?.stringValue == "CaptureFailed")
        #expect(failure?["request"]?.stringValue == "find_app")
        // What it created is deleted all the same.
        #expect(report?["summary"]?["resourcesLeft"]?.numberValue == 0)
    }

    @Test func withoutLagTheSameTutorialPasses() async throws {
        let (status, report) = try await Self.verify(["--replication-lag-ms", "0"])
        #expect(status == 0)
        #expect(report?["summary"]?["passed"]?.numberValue == 1)
    }
}
