import Foundation
import Testing
import TutorDocument
import TutorHTTP
import TutorRecord
import TutorRunner
import TutorSandbox
import TutorSupport

@testable import TutorVerify

@Suite("tutor verify against the sandbox", .serialized)
struct VerifySandboxTests {
    @Test("A wrong documented response fails as doc at the response block inside the include")
    func wrongResponseIsDocFailure() async throws {
        let harness = try await VerifyHarness.start()
        defer { Task { await harness.sandbox.stop() } }
        let before = try await harness.objects()
        let tutorialFile = VerifyHarness.fixtures.appendingPathComponent("wrong-response/tutorial.md")
        let include = VerifyHarness.fixtures.appendingPathComponent("wrong-response/includes/service-principal.md")
        let responseLine = try line(in: include, after: #""blockType": "response""#, startingWith: "```http")
        let includeLine = try line(
            in: tutorialFile, after: "## Create its service principal", startingWith: "[!INCLUDE")

        let report = try await harness.verify([tutorialFile.path])

        #expect(report.exitStatus == .stepFailed)
        #expect(report.status == "failed")
        let result = try #require(report.tutorials.first)
        #expect(result.status == .failed)
        let failure = try #require(result.failure)
        #expect(failure.failureClass == .doc)
        #expect(failure.file == include.path)
        #expect(failure.line == responseLine)
        #expect(failure.includedFrom == ["\(tutorialFile.path):\(includeLine)"])
        #expect(failure.request == "create_service_principal")
        #expect(failure.message.contains("accountEnabled"))
        #expect(result.steps.map(\.status) == [.passed, .failed, .skipped])
        #expect(result.steps[2].skippedReason == "an earlier step failed")
        #expect(result.uniqueInputs["appName"]?.hasPrefix("verify-fixture-app-\(report.runId)-1") == true)

        // The app (ledger) and the service principal (created, then its response did not match) are gone.
        #expect(result.cleanup.map(\.type) == ["servicePrincipal", "application"])
        #expect(result.cleanup.allSatisfy { $0.outcome == .deleted || $0.outcome == .alreadyGone })
        #expect(try await harness.objects() == before)

        // JUnit: testsuite per tutorial, testcase per step, failure typed doc with file:line.
        let junit = report.junitXML()
        #expect(junit.contains(#"<failure type="doc" message="\#(include.path):\#(responseLine): "#))
        #expect(junit.contains("included from \(tutorialFile.path):\(includeLine)"))
        #expect(junit.contains(#"<skipped message="an earlier step failed"/>"#))
        try JUnitShape.check(junit, suites: 1, cases: [4], failures: 1, skipped: 1)

        // JSON report: the same failure, read back.
        let json = try JSONValue.parse(try report.jsonData())
        let jsonFailure = json["tutorials"]?.arrayElements?.first?["failure"]
        #expect(jsonFailure?["class"]?.stringValue == "doc")
        #expect(jsonFailure?["file"]?.stringValue == include.path)
        #expect(jsonFailure?["line"]?.numberValue == Double(responseLine))
        #expect(json["summary"]?["failuresByClass"]?["doc"]?.numberValue == 1)

        // GitHub annotation on the Markdown line; no secret anywhere.
        let annotations = report.githubAnnotations()
        #expect(annotations.hasPrefix("::error file=\(include.path),line=\(responseLine),title=tutor verify%3A doc"))
        for text in [
            junit, annotations, report.markdownSummary(), String(decoding: try report.jsonData(), as: UTF8.self),
        ] {
            #expect(!text.contains(harness.secret))
        }
        #expect(report.markdownSummary().contains("❌ doc"))
    }

    @Test("A revoked application permission fails as environment, before anything is written")
    func revokedPermissionIsEnvironmentFailure() async throws {
        let home = SandboxHome(url: try temporaryDirectory().appendingPathComponent("home"))
        // First start makes the tenant; then the admin app loses Application.ReadWrite.All.
        let first = try await SandboxServer().start(home: home, port: 0)
        await first.stop()
        var state = try TenantDirectory.loadState(from: home.stateFile)
        let graph = try #require(state.servicePrincipals.first { $0.appId == "00000003-0000-0000-c000-000000000000" })
        let role = try #require(graph.appRoles.first { $0.value == "Application.ReadWrite.All" })
        let admin = try #require(state.servicePrincipals.firstIndex { $0.appId == first.info.adminClientId })
        let held = state.servicePrincipals[admin].appRoleAssignments.count
        state.servicePrincipals[admin].appRoleAssignments.removeAll { $0.appRoleId == role.id }
        #expect(state.servicePrincipals[admin].appRoleAssignments.count == held - 1)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        try AtomicFile.write(try encoder.encode(state), to: home.stateFile, permissions: 0o600)

        let harness = try await VerifyHarness.start(home: home)
        defer { Task { await harness.sandbox.stop() } }
        // The admin app may no longer list applications: compare the saved tenant instead.
        func objects() throws -> [String] {
            let state = try TenantDirectory.loadState(from: home.stateFile)
            return state.applications.map(\.id) + state.servicePrincipals.map(\.id)
                + state.oauth2PermissionGrants.map(\.id) + state.userFlows.map(\.id) + state.users.map(\.id)
        }
        let before = try objects()
        let tutorialFile = VerifyHarness.fixtures.appendingPathComponent("wrong-response/tutorial.md")
        let report = try await harness.verify([tutorialFile.path])

        let failure = try #require(report.tutorials.first?.failure)
        #expect(failure.failureClass == .environment)
        #expect(failure.errorCode == "MissingPermission")
        #expect(failure.message.contains("Application.ReadWrite.All"))
        #expect(failure.file?.hasSuffix("includes/register.md") == true)
        #expect(report.tutorials.first?.steps.map(\.status) == [.failed, .skipped, .skipped])
        #expect(report.exitStatus == .noPermission)
        #expect(try objects() == before)
        try JUnitShape.check(report.junitXML(), suites: 1, cases: [3], failures: 1, skipped: 2)
        #expect(report.junitXML().contains(#"<failure type="environment""#))
    }

    @Test("A sandbox that throttles every request gives a transient failure")
    func throttlingEverythingIsTransient() async throws {
        let harness = try await VerifyHarness.start(faults: FaultOptions(throttleRate: 1.0, seed: 3))
        defer { Task { await harness.sandbox.stop() } }
        let tutorialFile = VerifyHarness.fixtures.appendingPathComponent("wrong-response/tutorial.md")
        let report = try await harness.verify([tutorialFile.path], retryBudget: .seconds(2))

        let result = try #require(report.tutorials.first)
        let failure = try #require(result.failure)
        #expect(failure.failureClass == .transient)
        #expect(failure.status == 429)
        #expect(failure.file?.hasSuffix("includes/register.md") == true)
        #expect(result.steps.first?.status == .failed)
        #expect(report.throttling.traffic.throttled >= 2)
        #expect(report.exitStatus == .stepFailed)
        #expect(report.junitXML().contains(#"<failure type="transient""#))
    }

    @Test("Eight tutorials with four jobs all pass against one throttling sandbox, and leave nothing behind")
    func eightTutorialsInParallel() async throws {
        let harness = try await VerifyHarness.start(faults: FaultOptions(throttleRate: 0.15, seed: 11))
        defer { Task { await harness.sandbox.stop() } }
        let before = try await harness.objects()
        let paths = try tutorialCopies(8)

        let report = try await harness.verify(paths, jobs: 4, writesPerSecond: 20)

        for tutorial in report.tutorials where tutorial.status != .passed {
            Issue.record("\(tutorial.path): \(tutorial.failure.map { "\($0.failureClass): \($0.message)" } ?? "?")")
        }
        #expect(report.summary.passed == 8)
        #expect(report.exitStatus == .success)
        // Every run had its own names.
        let names = report.tutorials.compactMap { $0.uniqueInputs["appName"] }
        #expect(Set(names).count == 8)
        #expect(report.tutorials.allSatisfy { $0.uniqueInputs["redirectPort"] == nil })
        #expect(report.throttling.traffic.throttled > 0)
        #expect(report.summary.resourcesLeft == 0)
        #expect(report.summary.resourcesDeleted == report.tutorials.map(\.cleanup.count).reduce(0, +))
        #expect(try await harness.objects() == before)
        try JUnitShape.check(
            report.junitXML(), suites: 8, cases: Array(repeating: report.tutorials[0].steps.count + 1, count: 8),
            failures: 0, skipped: report.tutorials.flatMap(\.steps).filter { $0.status == .skipped }.count)
        let secretsText = report.markdownSummary() + report.junitXML()
        #expect(!secretsText.contains(harness.secret))
    }

    @Test("A cleanup URL Graph refuses is a doc failure at its block; what its container took along counts as gone")
    func brokenCleanupURLIsDocFailure() async throws {
        let harness = try await VerifyHarness.start()
        defer { Task { await harness.sandbox.stop() } }
        let before = try await harness.objects()
        let paths = try tutorialCopies(1, brokenLinkCleanup: true)
        let include = URL(fileURLWithPath: paths[0]).deletingLastPathComponent()
            .appendingPathComponent("includes/configure-user-flow/add-app-user-flow.md")
        let requestLine = try line(
            in: include, after: #""name": "attach_app_to_user_flow""#, startingWith: "```http")

        let report = try await harness.verify(paths)

        let result = try #require(report.tutorials.first)
        #expect(result.status == .failed)
        #expect(result.steps.allSatisfy { $0.status != .failed })
        let failure = try #require(result.failure)
        #expect(failure.failureClass == .doc)
        #expect(failure.status == 400)
        #expect(failure.file == include.path)
        #expect(failure.line == requestLine)
        let link = try #require(result.cleanup.first)
        #expect(link.type == "authenticationConditionApplication")
        #expect(link.outcome == .alreadyGone)
        #expect(report.summary.resourcesLeft == 0)
        #expect(try await harness.objects() == before)
        #expect(report.junitXML().contains(#"<testcase name="Clean up""#))
    }

    @Test("--keep-resources keeps them; tutor cleanup deletes them newest first, tolerating 404s")
    func keepThenCleanup() async throws {
        let harness = try await VerifyHarness.start()
        defer { Task { await harness.sandbox.stop() } }
        let before = try await harness.objects()
        let paths = try tutorialCopies(1)
        let report = try await harness.verify(paths, keepResources: true)
        let result = try #require(report.tutorials.first)
        #expect(result.status == .passed)
        #expect(result.cleanup.count == 5)
        #expect(result.cleanup.allSatisfy { $0.outcome == .kept })
        #expect(try await harness.objects() != before)

        // Delete the app behind the ledger's back: its service principal and grant go with it.
        let state = URL(fileURLWithPath: try #require(result.stateDirectory))
        let record = try #require(try RunStateStore(directory: state).load()?.0)
        let app = try #require(record.resources.first { $0.type == "application" })
        let tokens = TokenProvider(connection: harness.connection, transport: harness.client, prompt: { _ in })
        let deleted = try await harness.client.send(
            HTTPRequest(
                method: "DELETE", url: harness.connection.rebase(app.cleanup.url),
                headers: [HTTPHeader("Authorization", "Bearer \(try await tokens.token())")]))
        #expect(deleted.status == 204)

        let summary = try await RunStateCleanup.clean(
            stateDirectory: state, connection: harness.connection, transport: harness.client)
        #expect(summary.isComplete)
        #expect(summary.items.map(\.createdBy) == record.resources.reversed().map(\.createdBy))
        #expect(summary.items.last?.outcome == .alreadyGone)
        #expect(summary.items.contains { $0.outcome == .deleted })
        #expect(try await harness.objects() == before)

        let after = try #require(try RunStateStore(directory: state).load())
        #expect(after.0.resources.isEmpty)
        #expect(after.0.status == .cleanedUp)
        #expect(after.1 == SecretsFile())
        // Again: nothing left to do.
        let again = try await RunStateCleanup.clean(
            stateDirectory: state, connection: harness.connection, transport: harness.client)
        #expect(again.items.isEmpty)
    }
}

@Suite("tutor verify without a tenant")
struct VerifyUnreachableTests {
    @Test("An unreachable tenant is an environment failure, exit 69, and the next tutorial still runs")
    func unreachableTenant() async throws {
        // Port 9 (discard) is closed on loopback: nothing answers.
        let connection = TenantConnection.sandbox(
            tenantId: UUID().uuidString.lowercased(), subdomain: "nowhere", graphURL: "https://127.0.0.1:9",
            authority: "https://127.0.0.1:9/tenant", caFile: "/nonexistent", adminClientId: "id",
            adminClientSecret: "not-a-real-secret-value")
        let client = try CurlHTTPClient(configuration: .init(userAgent: "tutor/test"))
        let fixture = VerifyHarness.fixtures.appendingPathComponent("wrong-response/tutorial.md").path
        let verifier = Verifier(
            connection: connection, transports: [client],
            options: VerifyOptions(
                stateRoot: try temporaryDirectory(), retryPolicy: RetryPolicy(budget: .seconds(2)),
                toolVersion: "test"))
        let report = await verifier.verify([fixture, fixture])
        #expect(report.tutorials.count == 2)
        for result in report.tutorials {
            #expect(result.status == .failed)
            #expect(result.failure?.failureClass == .environment)
            #expect(result.failure?.errorCode == "Unreachable")
            #expect(result.steps.first?.status == .failed)
        }
        #expect(report.exitStatus == .unavailable)
        #expect(!report.markdownSummary().contains("not-a-real-secret-value"))
        #expect(!String(decoding: try report.jsonData(), as: UTF8.self).contains("not-a-real-secret-value"))
    }

    @Test("After an interrupt no tutorial starts: they are reported not run, and the exit status is 130")
    func interruptedBeforeStart() async throws {
        let interrupt = InterruptFlag()
        interrupt.raise()
        let connection = TenantConnection.sandbox(
            tenantId: "t", subdomain: "s", graphURL: "https://127.0.0.1:9", authority: "https://127.0.0.1:9/t",
            caFile: "/nonexistent", adminClientId: "id", adminClientSecret: "secret")
        let verifier = Verifier(
            connection: connection, transports: [try CurlHTTPClient(configuration: .init(userAgent: "tutor/test"))],
            options: VerifyOptions(stateRoot: try temporaryDirectory(), jobs: 2, toolVersion: "test"),
            interrupt: interrupt)
        let report = await verifier.verify(["a.md", "b.md", "c.md"])
        #expect(report.status == "interrupted")
        #expect(report.exitStatus == .interrupted)
        #expect(report.tutorials.map(\.status) == [.skipped, .skipped, .skipped])
        #expect(report.summary.skipped == 3)
        try JUnitShape.check(report.junitXML(), suites: 3, cases: [1, 1, 1], failures: 0, skipped: 3)
    }
}
