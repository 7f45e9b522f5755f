import Foundation
import Testing
import TutorDocument
import TutorRecord
import TutorTestSupport

@testable import TutorRunner

/// `"skipIfCaptured": true` lets an include find what it needs (here the app) when no earlier
/// include of the page made it, and send nothing when one did.
@Suite struct SkipIfCapturedRunTests {
    static func findApp(skipIfCaptured: Bool = true) -> RequestBlock {
        var find = RequestBlock(
            name: "find_app", location: Fixture.location(50), method: "GET",
            url: "https://graph.microsoft.com/v1.0/applications?$filter=displayName eq '{{appName}}'",
            captures: [Capture(variable: "appObjectId", source: .body(jsonPath: .path("$.value[0].id")))],
            scopes: ["Application.Read.All"])
        find.skipIfCaptured = skipIfCaptured
        return find
    }

    static func lookups(_ graph: FakeGraph) -> Int {
        graph.log.filter { $0.hasPrefix("GET") && $0.hasSuffix("/applications") }.count
    }

    @Test func aRequestWhoseCapturesAreSetIsNotSent() async throws {
        let graph = FakeGraph()
        let state = Fixture.temporaryDirectory()
        let tutorial = Fixture.tutorial(
            extraStep: Step(title: "Find the app", location: Fixture.location(49), requests: [Self.findApp()]))
        let collector = Collector()
        let summary = try await Fixture.runner(graph, state: state, tutorial: tutorial, observer: collector).run()
        #expect(summary.status == .succeeded)
        // Only create_application's own lookup read the applications; find_app sent nothing.
        #expect(Self.lookups(graph) == 1)
        let (record, _) = try #require(try RunStateStore(directory: state).load())
        let entry = try #require(record.request(named: "find_app"))
        #expect(entry.outcome == .skipped)
        #expect(entry.attempts == 0)
        #expect(record.steps[2].status == .succeeded)
        #expect(collector.output.contains("find_app: skipped, appObjectId already set"))
    }

    @Test func withoutTheFlagTheSameRequestIsSent() async throws {
        let graph = FakeGraph()
        let tutorial = Fixture.tutorial(
            extraStep: Step(
                title: "Find the app", location: Fixture.location(49),
                requests: [Self.findApp(skipIfCaptured: false)]))
        _ = try await Fixture.runner(graph, state: Fixture.temporaryDirectory(), tutorial: tutorial).run()
        #expect(Self.lookups(graph) == 2)
    }

    @Test func aRequestWhoseCapturesAreMissingRunsAndCaptures() async throws {
        let graph = FakeGraph()
        _ = try await Fixture.runner(graph, state: Fixture.temporaryDirectory()).run()
        let app = try #require(graph.applicationsSnapshot.first)
        // A page with only the include that needs the app: it looks the app up by its name.
        var tutorial = Fixture.tutorial()
        tutorial.steps = [Step(title: "Find the app", location: Fixture.location(49), requests: [Self.findApp()])]
        tutorial.outputs = []
        let state = Fixture.temporaryDirectory()
        let summary = try await Fixture.runner(graph, state: state, tutorial: tutorial).run()
        #expect(summary.status == .succeeded)
        let (record, _) = try #require(try RunStateStore(directory: state).load())
        #expect(record.request(named: "find_app")?.outcome == .sent)
        #expect(record.captures["appObjectId"] == app.id)
    }
}
