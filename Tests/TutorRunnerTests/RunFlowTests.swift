import Foundation
import Testing
import TutorDocument
import TutorRecord
import TutorSupport

@testable import TutorRunner

@Suite struct RunFlowTests {
    func fileText(_ url: URL) -> String {
        String(decoding: FileManager.default.contents(atPath: url.path) ?? Data(), as: UTF8.self)
    }

    @Test func runsRecordsAndKeepsTheSecretOutOfTheRecordAndOutput() async throws {
        let graph = FakeGraph()
        let state = Fixture.temporaryDirectory()
        let collector = Collector()
        let summary = try await Fixture.runner(graph, state: state, observer: collector).run()
        #expect(summary.status == .succeeded)
        let applications = graph.applicationsSnapshot
        #expect(applications.count == 1)
        #expect(applications.first?.passwords.count == 1)
        let secret = try #require(applications.first?.passwords.first?.secret)

        let store = RunStateStore(directory: state)
        let (record, secrets) = try #require(try store.load())
        #expect(record.status == .succeeded)
        #expect(record.outputs["CLIENT_ID"] == applications.first?.appId)
        #expect(record.outputs["CLIENT_SECRET"] == RunRecord.redacted)
        #expect(record.outputs["AUTHORITY"] == "https://login.test/")
        #expect(record.captures["clientSecret"] == RunRecord.redacted)
        #expect(record.resources.count == 1)
        #expect(
            record.resources.first?.cleanup.url == "https://graph.microsoft.com/v1.0/applications/\(applications[0].id)"
        )
        #expect(record.steps.map(\.status) == [.succeeded, .succeeded, .manual])
        #expect(record.tenant.id == FakeGraph.tenantId)
        #expect(secrets.outputs["CLIENT_SECRET"] == secret)
        #expect(secrets.variables["clientSecret"] == secret)

        // The secret (and the admin secret) appear in no byte of the record or the output.
        let recordText = fileText(store.recordURL)
        #expect(!recordText.contains(secret))
        #expect(!recordText.contains("right-secret"))
        #expect(!collector.output.contains(secret))
        #expect(!collector.output.contains("right-secret"))
        #expect(collector.output.contains("\"event\":\"runFinished\""))
        let attributes = try FileManager.default.attributesOfItem(atPath: store.secretsURL.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test func rerunCreatesNothing() async throws {
        let graph = FakeGraph()
        let state = Fixture.temporaryDirectory()
        _ = try await Fixture.runner(graph, state: state).run()
        let writesAfterFirst = graph.writes.count
        let second = try await Fixture.runner(graph, state: state).run()
        #expect(second.status == .succeeded)
        #expect(graph.writes.count == writesAfterFirst)
        #expect(graph.applicationsSnapshot.count == 1)
        #expect(graph.applicationsSnapshot[0].passwords.count == 1)
        // The secret survives the resume.
        let (_, secrets) = try #require(try RunStateStore(directory: state).load())
        #expect(secrets.outputs["CLIENT_SECRET"] == graph.applicationsSnapshot[0].passwords[0].secret)
    }

    @Test func freshRunFindsTheExistingAppAndRenamedAppGetsASecondSet() async throws {
        let graph = FakeGraph()
        let state = Fixture.temporaryDirectory()
        _ = try await Fixture.runner(graph, state: state).run()
        _ = try await Fixture.runner(graph, state: state, fresh: true).run()
        #expect(graph.applicationsSnapshot.count == 1)
        _ = try await Fixture.runner(graph, state: state, variables: ["appName": "renamed"], fresh: true).run()
        #expect(graph.applicationsSnapshot.count == 2)
    }

    @Test func changedInputsWithoutFreshAreRefused() async throws {
        let graph = FakeGraph()
        let state = Fixture.temporaryDirectory()
        _ = try await Fixture.runner(graph, state: state).run()
        await #expect(throws: RunnerError.self) {
            _ = try await Fixture.runner(graph, state: state, variables: ["appName": "renamed"]).run()
        }
    }

    @Test func throttlingIsRetriedHonouringRetryAfter() async throws {
        let graph = FakeGraph()
        graph.inject("POST /applications", [.status(429, retryAfter: "0.01"), .status(503, retryAfter: nil)])
        let state = Fixture.temporaryDirectory()
        _ = try await Fixture.runner(graph, state: state).run()
        let (record, _) = try #require(try RunStateStore(directory: state).load())
        #expect(record.request(named: "create_application")?.attempts == 3)
        #expect(graph.applicationsSnapshot.count == 1)
    }

    @Test func objectCreatedWithAnUndocumentedAnswerStaysInTheLedger() async throws {
        let graph = FakeGraph()
        var tutorial = Fixture.tutorial()
        tutorial.steps[0].requests[0].expectation?.body = #"{"displayName": "not what Graph answers"}"#
        let state = Fixture.temporaryDirectory()
        await #expect(throws: RunnerError.self) {
            _ = try await Fixture.runner(graph, state: state, tutorial: tutorial).run()
        }
        let (record, _) = try #require(try RunStateStore(directory: state).load())
        let created = try #require(graph.applicationsSnapshot.first)
        #expect(record.resources.map(\.id) == [created.id])
        #expect(record.resources.first?.cleanup.url == "https://graph.microsoft.com/v1.0/applications/\(created.id)")
    }

    @Test func lostCreateAnswerIsFoundByItsLookup() async throws {
        let graph = FakeGraph()
        graph.inject("POST /applications", [.loseAnswer])
        let state = Fixture.temporaryDirectory()
        _ = try await Fixture.runner(graph, state: state).run()
        #expect(graph.applicationsSnapshot.count == 1)
        #expect(graph.writes.filter { $0 == "POST /v1.0/applications" }.count == 1)
    }

    @Test func lostSecretAnswerLeavesExactlyOneSecret() async throws {
        let graph = FakeGraph()
        graph.inject("POST /addPassword", [.loseAnswer])
        let state = Fixture.temporaryDirectory()
        _ = try await Fixture.runner(graph, state: state).run()
        let passwords = graph.applicationsSnapshot[0].passwords
        #expect(passwords.count == 1)
        let (_, secrets) = try #require(try RunStateStore(directory: state).load())
        #expect(secrets.outputs["CLIENT_SECRET"] == passwords.first?.secret)
    }

    @Test func crashAfterSendingASecretIsRepairedOnResume() async throws {
        let graph = FakeGraph()
        graph.inject("POST /addPassword", [.crashAfter])
        let state = Fixture.temporaryDirectory()
        await #expect(throws: RunnerError.self) { _ = try await Fixture.runner(graph, state: state).run() }
        #expect(graph.applicationsSnapshot[0].passwords.count == 1)
        let (crashed, _) = try #require(try RunStateStore(directory: state).load())
        #expect(crashed.request(named: "add_client_secret")?.outcome == .inFlight)

        _ = try await Fixture.runner(graph, state: state).run()
        let passwords = graph.applicationsSnapshot[0].passwords
        #expect(passwords.count == 1)
        let (_, secrets) = try #require(try RunStateStore(directory: state).load())
        #expect(secrets.outputs["CLIENT_SECRET"] == passwords.first?.secret)
    }

    @Test func missingPermissionStopsBeforeAnyWrite() async throws {
        let graph = FakeGraph()
        graph.roles = ["User.Read.All"]
        let state = Fixture.temporaryDirectory()
        do {
            _ = try await Fixture.runner(graph, state: state).run()
            Issue.record("expected a permission error")
        } catch let error as RunnerError {
            #expect(error.exitStatus == .noPermission)
            #expect(error.description.contains("Application.ReadWrite.All"))
            #expect(error.description.contains("create_application"))
            #expect(error.description.contains("Register the web app"))
        }
        #expect(graph.writes.isEmpty)
    }

    @Test func badSecretExits77() async throws {
        let graph = FakeGraph()
        do {
            _ = try await Fixture.runner(graph, state: Fixture.temporaryDirectory(), secret: "wrong").run()
            Issue.record("expected a sign-in error")
        } catch let error as RunnerError {
            #expect(error.exitStatus == .noPermission)
            #expect(error.description.contains("AADSTS7000215"))
            #expect(!error.description.contains("wrong"))
        }
    }

    @Test func graphErrorNamesStepRequestCodeRequestIdAndSource() async throws {
        let failing = Step(
            title: "Break things", location: Fixture.location(50),
            requests: [
                RequestBlock(
                    name: "bad_request", location: Fixture.location(52), method: "POST",
                    url: "https://graph.microsoft.com/v1.0/fail", body: #"{"bogus": 1}"#)
            ])
        let graph = FakeGraph()
        let state = Fixture.temporaryDirectory()
        do {
            _ = try await Fixture.runner(graph, state: state, tutorial: Fixture.tutorial(extraStep: failing)).run()
            Issue.record("expected a step failure")
        } catch let error as RunnerError {
            #expect(error.exitStatus == .stepFailed)
            let text = error.description
            for part in [
                "Break things", "bad_request", "POST https://graph.test/v1.0/fail", "400", "Request_BadRequest",
                "Property 'bogus' does not exist", "request-id: req-", "tutorial.md:52",
            ] {
                #expect(text.contains(part), "missing \(part) in \(text)")
            }
        }
        let (record, _) = try #require(try RunStateStore(directory: state).load())
        #expect(record.status == .failed)
        #expect(record.request(named: "bad_request")?.error?.code == "Request_BadRequest")
    }

    @Test func interruptStopsBetweenRequestsAndResumes() async throws {
        let graph = FakeGraph()
        let state = Fixture.temporaryDirectory()
        let flag = InterruptFlag()
        flag.raise()
        let collector = Collector()
        do {
            _ = try await Fixture.runner(graph, state: state, observer: collector, interrupt: flag).run()
            Issue.record("expected an interruption")
        } catch let error as RunnerError {
            #expect(error.exitStatus == .interrupted)
        }
        let (record, _) = try #require(try RunStateStore(directory: state).load())
        #expect(record.status == .interrupted)
        #expect(graph.writes.isEmpty)
        // A step that never started is neither shown as started nor as failed.
        #expect(!collector.output.contains("FAILED"))
        #expect(!collector.output.contains("stepStarted"))
        #expect(!collector.output.contains(#""status":"failed""#))
        _ = try await Fixture.runner(graph, state: state).run()
        #expect(graph.applicationsSnapshot.count == 1)
    }

    @Test func fromReRunsLaterRequestsOnly() async throws {
        let graph = FakeGraph()
        let state = Fixture.temporaryDirectory()
        _ = try await Fixture.runner(graph, state: state).run()
        let before = graph.writes.count
        _ = try await Fixture.runner(graph, state: state, from: "add_client_secret").run()
        #expect(graph.writes.count == before + 1)
        #expect(graph.writes.last?.hasSuffix("/addPassword") == true)
        await #expect(throws: RunnerError.self) {
            _ = try await Fixture.runner(graph, state: state, from: "no_such_request").run()
        }
    }

    @Test func inputValidation() async throws {
        let graph = FakeGraph()
        do {
            _ = try await Fixture.runner(graph, state: Fixture.temporaryDirectory(), variables: ["appName": "bad/name"])
                .run()
            Issue.record("expected a usage error")
        } catch let error as RunnerError {
            #expect(error.exitStatus == .usage)
            #expect(error.description.contains("appName"))
        }
    }

    @Test func stateDirectoryIsLockedAndLeftoversAreRemoved() throws {
        let state = Fixture.temporaryDirectory()
        let leftover = state.appendingPathComponent(".secrets.json.123.456.tmp")
        FileManager.default.createFile(atPath: leftover.path, contents: Data("half".utf8))
        let store = RunStateStore(directory: state)
        let held = try store.acquire()
        #expect(!FileManager.default.fileExists(atPath: leftover.path))
        let busy = try #require(throws: RunStateError.self) { _ = try store.acquire() }
        #expect(busy.exitStatus == .usage)
        #expect(store.isInUse)
        close(held)
        #expect(!store.isInUse)
        close(try store.acquire())
    }

    @Test func tokensNearExpiryAreRenewed() async throws {
        let graph = FakeGraph()
        graph.tokenLifetime = 60  // inside the five-minute margin: renewed before every request
        _ = try await Fixture.runner(graph, state: Fixture.temporaryDirectory()).run()
        #expect(graph.tokenRequests > 3)
        let steady = FakeGraph()
        _ = try await Fixture.runner(steady, state: Fixture.temporaryDirectory()).run()
        #expect(steady.tokenRequests == 1)
    }

    @Test func deviceCodeSignInPollsUntilApproved() async throws {
        let graph = FakeGraph()
        let prompts = TextSink()
        var connection = Fixture.connection()
        connection.credential = .deviceCode(clientId: "public-client")
        let tokens = TokenProvider(
            connection: connection, transport: graph, scopes: ["Application.ReadWrite.All"],
            prompt: { prompts.append($0) })
        let token = try await tokens.token()
        #expect(AccessTokenClaims(token: token)?.roles == ["Application.ReadWrite.All"])
        #expect(prompts.text.contains("ABCD-1234"))
        #expect(graph.tokenRequests == 2)  // one "authorization_pending", then the token
    }
}
