import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TutorSupport

@testable import TutorSandbox

@Suite("Graph fault injection")
struct GraphFaultsTests {
    @Test func offByDefault() {
        let injector = FaultInjector()
        #expect(injector.options.isActive == false)
        #expect((0..<100).allSatisfy { _ in injector.nextAction() == .proceed })
    }

    @Test func seededAndReplayable() {
        let options = FaultOptions(throttleRate: 0.3, faultRate: 0.3, seed: 42)
        let first = FaultInjector(options: options)
        let second = FaultInjector(options: options)
        let other = FaultInjector(options: FaultOptions(throttleRate: 0.3, faultRate: 0.3, seed: 43))
        let a = (0..<50).map { _ in first.nextAction() }
        let b = (0..<50).map { _ in second.nextAction() }
        let c = (0..<50).map { _ in other.nextAction() }
        #expect(a == b)
        #expect(a != c)
        #expect(a.contains(.proceed))
    }

    @Test func retryAfterText() {
        #expect(FaultInjector.retryAfterText(0.25) == "0.25")
        #expect(FaultInjector.retryAfterText(1) == "1")
        #expect(FaultInjector.retryAfterText(0.1) == "0.10")
    }

    @Test func rejectsOutOfRangeKnobs() {
        #expect(FaultOptions(throttleRate: 1.5).problem != nil)
        #expect(FaultOptions(faultRate: -0.1).problem != nil)
        #expect(FaultOptions(latencyMs: -1).problem != nil)
        #expect(FaultOptions(latencyMs: 5, throttleRate: 0.5).problem == nil)
    }

    @Test func throttlingAnswers429WithRetryAfter() async throws {
        try await GraphHarness(faults: FaultOptions(throttleRate: 1, seed: 7)).run { graph in
            for _ in 0..<10 {
                let reply = try await graph.send(.get, "/v1.0/applications")
                #expect(reply.status == 429)
                #expect(reply.errorCode == "TooManyRequests")
                let retryAfter = try #require(reply.header("Retry-After").flatMap(Double.init))
                #expect((0.1...0.5).contains(retryAfter))
                #expect(reply.header("request-id") != nil)
            }
        }
    }

    @Test func faultsAnswerServerErrorsAndDropConnections() async throws {
        let recorder = OutcomeRecorder()
        try await GraphHarness(faults: FaultOptions(faultRate: 1, seed: 3)).run { graph in
            for _ in 0..<40 {
                do {
                    let reply = try await graph.send(.get, "/v1.0/applications")
                    await recorder.record(String(reply.status))
                    #expect(reply.json?["error"]?["innerError"]?["request-id"] != nil)
                } catch {
                    await recorder.record("dropped")
                }
            }
        }
        #expect(await recorder.outcomes == ["500", "503", "504", "dropped"])
    }

    @Test func droppedConnectionSendsNothingWithAClosingContext() async throws {
        let harness = GraphHarness(faults: FaultOptions(faultRate: 1, seed: 3))
        let router = Router(context: DroppingContext.self)
        harness.api.addRoutes(to: router)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        let recorder = OutcomeRecorder()
        try await app.test(.live) { client in
            for _ in 0..<12 {
                do {
                    let response = try await client.execute(
                        uri: "/v1.0/applications", method: .get, headers: [.authorization: "Bearer admin"])
                    await recorder.record(String(response.status.code))
                } catch {
                    await recorder.record("dropped")
                }
            }
        }
        #expect(await recorder.outcomes.contains("dropped"))
        #expect(await recorder.outcomes.isSubset(of: ["500", "503", "504", "dropped"]))
    }

    /// The ledger's hard case: the create is committed, then the connection drops unanswered.
    @Test func lostAnswerCommitsTheCreateThenHangsUp() async throws {
        let harness = GraphHarness(faults: FaultOptions(lostAnswerRate: 1))
        let router = Router(context: DroppingContext.self)
        harness.api.addRoutes(to: router)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let headers: HTTPFields = [.authorization: "Bearer admin", .contentType: "application/json"]
            // A refused create is answered: nothing was committed, so nothing is lost.
            let refused = try await client.execute(
                uri: "/v1.0/applications", method: .post, headers: headers, body: ByteBuffer(string: #"{"colour": 1}"#))
            #expect(refused.status == .badRequest)
            await #expect(throws: (any Error).self) {
                _ = try await client.execute(
                    uri: "/v1.0/applications", method: .post, headers: headers,
                    body: ByteBuffer(string: #"{"displayName": "lost answer"}"#))
            }
        }
        // The connection is gone, the application is there.
        let found = await harness.directory.visibleApplications().filter { $0.displayName == "lost answer" }
        #expect(found.count == 1)
        #expect(FaultOptions(lostAnswerRate: 1.5).problem == "--lost-answer-rate must be between 0 and 1")
        #expect(FaultOptions(lostAnswerRate: 0.5).isActive)
    }

    @Test func lostAnswersAreSeededAndLeaveOtherFaultsAsTheyWere() {
        let draws = { (seed: UInt64) in
            let injector = FaultInjector(options: FaultOptions(seed: seed, lostAnswerRate: 0.5))
            return (0..<32).map { _ in injector.losesAnswer() }
        }
        #expect(draws(9) == draws(9))
        #expect(draws(9) != draws(10))
        #expect(!FaultInjector(options: FaultOptions(seed: 9)).losesAnswer())
    }

    @Test func middlewareFaultsOtherRoutes() async throws {
        for (options, expected) in [
            (FaultOptions(throttleRate: 1, seed: 1), Set(["429"])),
            (FaultOptions(faultRate: 1, seed: 3), Set(["500", "503", "504", "dropped"])),
            (FaultOptions(), Set(["200"])),
        ] {
            let router = Router()
            router.add(middleware: FaultInjector(options: options).middleware(context: BasicRequestContext.self))
            router.get("/hello") { _, _ in "hello" }
            let recorder = OutcomeRecorder()
            try await Application(router: router).test(.router) { client in
                for _ in 0..<40 {
                    do {
                        let response = try await client.execute(uri: "/hello", method: .get)
                        await recorder.record(String(response.status.code))
                        if response.status.code == 429 {
                            #expect(response.headers[.retryAfter].flatMap(Double.init) != nil)
                        }
                    } catch {
                        await recorder.record("dropped")
                    }
                }
            }
            #expect(await recorder.outcomes == expected)
        }
    }

    @Test func latencyStillAnswers() async throws {
        let harness = GraphHarness(faults: FaultOptions(latencyMs: 20))
        #expect(harness.api.faults.latency == .milliseconds(20))
        try await harness.run { graph in
            let reply = try await graph.send(.get, "/v1.0/organization")
            #expect(reply.status == 200)
        }
    }

    @Test func replicationLagHidesNewObjects() async throws {
        try await GraphHarness(faults: FaultOptions(replicationLagMs: 600_000)).run { graph in
            let created = try await graph.send(.post, "/v1.0/applications", json: #"{"displayName": "Lagging"}"#)
            #expect(created.status == 201)
            let id = try #require(created.string("id"))
            let appId = try #require(created.string("appId"))
            #expect(try await graph.send(.get, "/v1.0/applications/\(id)").status == 404)
            #expect(try await graph.send(.get, "/v1.0/applications(appId='\(appId)')").status == 404)
            #expect(try await graph.send(.get, "/v1.0/applications").values.count == 1)
            let principal = try await graph.send(.post, "/v1.0/servicePrincipals", json: #"{"appId": "\#(appId)"}"#)
            #expect(principal.status == 400)
            #expect(
                principal.json?["error"]?["details"]?.arrayElements?.first?["code"]?.stringValue
                    == "NoBackingApplicationObject")
            #expect(await graph.directory.application(appId: appId) != nil)
        }
    }

    @Test func lagEnds() async throws {
        let directory = GraphHarness().directory
        await directory.hide(["some-id"], for: .milliseconds(1))
        try await Task.sleep(for: .milliseconds(50))
        #expect(await directory.isHidden("some-id") == false)
        await directory.hide(["other-id"], for: .seconds(600))
        #expect(await directory.isHidden("OTHER-ID"))
    }

    @Test func lagHidesPrincipalsFromGrants() async throws {
        let lagging = GraphHarness(faults: FaultOptions(replicationLagMs: 600_000))
        let appId = GraphHarness.adminAppId
        // Hide an existing principal the way a create under replication lag does.
        let principalId = try #require(
            await lagging.directory.snapshot.servicePrincipals.first { $0.appId == appId }?.id)
        await lagging.directory.hide([principalId], for: .seconds(600))
        try await lagging.run { graph in
            let resource = try #require(
                try await graph.send(.get, "/v1.0/servicePrincipals(appId='\(WellKnownGraph.appId)')").string("id"))
            let grant = try await graph.send(
                .post, "/v1.0/oauth2PermissionGrants",
                json:
                    #"{"clientId": "\#(principalId)", "consentType": "AllPrincipals", "resourceId": "\#(resource)", "scope": "openid"}"#
            )
            #expect(grant.status == 404)
            #expect(try await graph.send(.get, "/v1.0/servicePrincipals/\(principalId)").status == 404)
        }
    }

    @Test func withoutLagNewObjectsAreVisibleAtOnce() async throws {
        try await GraphHarness().run { graph in
            let created = try await graph.createApplication("Prompt")
            let appId = try #require(created["appId"]?.stringValue)
            #expect(try await graph.send(.get, "/v1.0/applications(appId='\(appId)')").status == 200)
            #expect(
                try await graph.send(.post, "/v1.0/servicePrincipals", json: #"{"appId": "\#(appId)"}"#).status == 201)
        }
    }
}

/// Collects outcomes from concurrent test code.
actor OutcomeRecorder {
    private(set) var outcomes: Set<String> = []

    func record(_ outcome: String) { outcomes.insert(outcome) }
}

/// A request context that closes its connection for the dropped-connection fault.
struct DroppingContext: RequestContext, ConnectionDroppingContext {
    var coreContext: CoreRequestContextStorage
    let close: @Sendable () -> Void

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        let channel = source.channel
        close = { channel.close(promise: nil) }
    }

    func dropConnection() { close() }
}
