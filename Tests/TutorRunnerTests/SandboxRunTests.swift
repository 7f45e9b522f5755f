import Foundation
import Testing
import TutorDocument
import TutorHTTP
import TutorRecord
import TutorSandbox
import TutorSupport
import TutorTestSupport
import TutorVerify

@testable import TutorRunner

/// A sandbox on an ephemeral port, and the runner pointed at it.
struct SandboxHarness {
    let sandbox: RunningSandbox
    let secret: String
    let client: CurlHTTPClient

    static let tutorialPath: String = {
        // The repository's own tutorial: Tests/TutorRunnerTests/ → repository root.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(
                "tutorials/tutorial-web-app-python-flask-prepare-tenant.md"
            )
            .path
    }()

    static func start(
        faults: FaultOptions = .none, home: SandboxHome? = nil, requestLog: (@Sendable (String) -> Void)? = nil
    ) async throws -> SandboxHarness {
        let sandbox = try await SandboxServer(requestLog: requestLog).start(home: home, port: 0, faults: faults)
        let secret = try String(contentsOfFile: sandbox.info.adminClientSecretFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let client = try CurlHTTPClient(
            configuration: .init(userAgent: "tutor/test", extraCAFile: sandbox.info.caFile))
        return SandboxHarness(sandbox: sandbox, secret: secret, client: client)
    }

    func connection(credential: Credential? = nil) -> TenantConnection {
        let info = sandbox.info
        var connection = TenantConnection.sandbox(
            tenantId: info.tenantId, subdomain: info.subdomain, graphURL: info.graphURL, authority: info.authority,
            caFile: info.caFile, adminClientId: info.adminClientId, adminClientSecret: secret)
        if let credential { connection.credential = credential }
        return connection
    }

    func runner(
        _ tutorial: Tutorial, state: URL, variables: [String: String] = [:], fresh: Bool = false,
        credential: Credential? = nil, observer: any RunObserver = SilentObserver()
    ) -> TutorialRunner {
        TutorialRunner(
            tutorial: tutorial, connection: connection(credential: credential), transport: client,
            options: RunOptions(
                variables: variables, stateDirectory: state, fresh: fresh,
                retryPolicy: RetryPolicy(budget: .seconds(60)),
                toolVersion: "test", overlap: true),
            observer: observer)
    }

    /// GET on the sandbox's Graph as the admin app.
    func get(_ path: String) async throws -> JSONValue {
        let tokens = TokenProvider(connection: connection(), transport: client, prompt: { _ in })
        let token = try await tokens.token()
        // The sandbox may be injecting faults: try a few times.
        var last = ""
        for _ in 0..<20 {
            do {
                let response = try await client.send(
                    HTTPRequest(
                        method: "GET", url: sandbox.info.graphURL + path,
                        headers: [HTTPHeader("Authorization", "Bearer \(token)")]))
                if response.status == 200 { return try JSONValue.parse(response.body) }
                last = "\(response.status) \(String(decoding: response.body, as: UTF8.self))"
            } catch {
                last = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("GET \(path): \(last)")
        return .null
    }

    /// The ids of every object in the tenant, by collection (user-flow links by flow).
    func objects() async throws -> [String: Set<String>] {
        var result: [String: Set<String>] = [:]
        for collection in [
            "applications", "servicePrincipals", "oauth2PermissionGrants", "identity/authenticationEventsFlows",
        ] {
            let listing = try await get("/v1.0/\(collection)")
            result[collection] = Set(listing["value"]?.arrayElements?.compactMap { $0["id"]?.stringValue } ?? [])
        }
        for flow in result["identity/authenticationEventsFlows"] ?? [] {
            let linked = try await get(
                "/v1.0/identity/authenticationEventsFlows/\(flow)/conditions/applications/includeApplications")
            result["links of \(flow)"] = Set(
                linked["value"]?.arrayElements?.compactMap { $0["appId"]?.stringValue } ?? [])
        }
        return result
    }

    /// Checks the tenant holds exactly one of everything the tutorial makes for `appName`.
    func expectExactlyOnce(appName: String, secretsFile: URL) async throws {
        let apps =
            try await get("/v1.0/applications")["value"]?.arrayElements?.filter {
                $0["displayName"]?.stringValue == appName
            } ?? []
        #expect(apps.count == 1, "applications named \(appName): \(apps.count)")
        guard let app = apps.first, let appId = app["appId"]?.stringValue else { return }
        #expect(
            app["web"]?["redirectUris"]?.arrayElements?.compactMap(\.stringValue) == ["http://localhost:3000/getAToken"]
        )
        #expect(app["passwordCredentials"]?.arrayElements?.count == 1)
        let access = app["requiredResourceAccess"]?.arrayElements?.first?["resourceAccess"]?.arrayElements
        #expect(access?.count == 4)

        let principals =
            try await get("/v1.0/servicePrincipals")["value"]?.arrayElements?.filter {
                $0["appId"]?.stringValue == appId
            } ?? []
        #expect(principals.count == 1)
        let spId = principals.first?["id"]?.stringValue ?? ""
        let grants =
            try await get("/v1.0/oauth2PermissionGrants")["value"]?.arrayElements?.filter {
                $0["clientId"]?.stringValue == spId
            } ?? []
        #expect(grants.count == 1)
        #expect(
            Set((grants.first?["scope"]?.stringValue ?? "").split(separator: " ").map(String.init))
                == ["openid", "offline_access", "profile", "User.Read"])

        let flows = try await get("/v1.0/identity/authenticationEventsFlows")["value"]?.arrayElements ?? []
        var attached = 0
        for flow in flows {
            let id = flow["id"]?.stringValue ?? ""
            let included = try await get(
                "/v1.0/identity/authenticationEventsFlows/\(id)/conditions/applications/includeApplications")
            attached += included["value"]?.arrayElements?.filter { $0["appId"]?.stringValue == appId }.count ?? 0
        }
        #expect(attached == 1)

        // The one secret the app holds is the one saved, and it signs in.
        let secrets = try JSONDecoder().decode(SecretsFile.self, from: Data(contentsOf: secretsFile))
        let saved = try #require(secrets.outputs["CLIENT_SECRET"])
        let tokens = TokenProvider(
            connection: connection(credential: .clientSecret(clientId: appId, secret: saved)), transport: client,
            prompt: { _ in })
        _ = try await tokens.token()
    }
}

@Suite(.serialized) struct SandboxRunTests {
    func tutorial() throws -> Tutorial {
        try TutorialParser().parse(path: SandboxHarness.tutorialPath)
    }

    @Test func fullTutorialRunsOnceAndRerunCreatesNothing() async throws {
        let harness = try await SandboxHarness.start()
        defer { Task { await harness.sandbox.stop() } }
        let state = Fixture.temporaryDirectory()
        let collector = Collector()
        let first = try await harness.runner(try tutorial(), state: state, observer: collector).run()
        #expect(first.status == .succeeded)
        #expect(first.resourcesCreated == 5)
        try await harness.expectExactlyOnce(
            appName: "tutor-flask-webapp", secretsFile: RunStateStore(directory: state).secretsURL)

        let (record, secrets) = try #require(try RunStateStore(directory: state).load())
        let info = harness.sandbox.info
        #expect(record.outputs["AUTHORITY"] == "\(info.graphURL)/\(info.subdomain).onmicrosoft.com")
        #expect(record.outputs["REDIRECT_URI"] == "http://localhost:3000/getAToken")
        #expect(record.outputs["CLIENT_SECRET"] == RunRecord.redacted)
        // The CA is the tenant's, not an output: the runner knows nothing of the Flask app.
        #expect(record.outputs["REQUESTS_CA_BUNDLE"] == nil)
        #expect(record.tenant.caFile == URL(fileURLWithPath: info.caFile).standardizedFileURL.path)
        #expect(record.tenant.sandbox)
        let secret = try #require(secrets.outputs["CLIENT_SECRET"])
        let recordText = try String(contentsOf: RunStateStore(directory: state).recordURL, encoding: .utf8)
        #expect(!recordText.contains(secret))
        #expect(!recordText.contains(harness.secret))
        #expect(!collector.output.contains(secret))
        // One TLS connection shared by the reads, updates and token requests, and one of its own
        // for each of the 6 creates (so that libcurl never resends one by itself).
        #expect(harness.client.connectionsOpened == 1 + 6)

        let second = try await harness.runner(try tutorial(), state: state).run()
        #expect(second.requestsSent == 0)
        #expect(second.resourcesCreated == 0)
        // Even without the record, lookups find everything: nothing new is created.
        let fresh = try await harness.runner(try tutorial(), state: state, fresh: true).run()
        #expect(fresh.resourcesCreated == 0)
        try await harness.expectOneApplication(named: "tutor-flask-webapp")

        let renamed = try await harness.runner(
            try tutorial(), state: Fixture.temporaryDirectory(),
            variables: ["appName": "second-app", "userFlowName": "second-flow"]
        ).run()
        #expect(renamed.resourcesCreated == 5)
    }

    @Test func permissionPreflightStopsBeforeAnyWrite() async throws {
        let harness = try await SandboxHarness.start()
        defer { Task { await harness.sandbox.stop() } }
        // An app with no Graph permissions, made with the runner itself.
        let setup = Tutorial(
            path: "setup.md", sha256: "x", title: "setup", frontMatter: [],
            steps: [
                Step(
                    title: "Make a powerless app", location: Fixture.location(1),
                    requests: [
                        RequestBlock(
                            name: "app", location: Fixture.location(2), method: "POST",
                            url: "https://graph.microsoft.com/v1.0/applications",
                            body: #"{"displayName": "powerless"}"#,
                            captures: [
                                Capture(variable: "id", source: .body(jsonPath: .path("$.id"))),
                                Capture(variable: "appId", source: .body(jsonPath: .path("$.appId"))),
                            ]),
                        RequestBlock(
                            name: "sp", location: Fixture.location(3), method: "POST",
                            url: "https://graph.microsoft.com/v1.0/servicePrincipals", body: #"{"appId": "{{appId}}"}"#,
                            retry: RetryRule(statuses: [400, 404])),
                        RequestBlock(
                            name: "secret", location: Fixture.location(4), method: "POST",
                            url: "https://graph.microsoft.com/v1.0/applications/{{id}}/addPassword",
                            body: #"{"passwordCredential": {"displayName": "p"}}"#,
                            captures: [Capture(variable: "secret", source: .body(jsonPath: .path("$.secretText")))],
                            secrets: ["secret"]),
                    ])
            ], inputs: [], outputs: [])
        let setupState = Fixture.temporaryDirectory()
        _ = try await harness.runner(setup, state: setupState).run()
        let (_, setupSecrets) = try #require(try RunStateStore(directory: setupState).load())
        let (setupRecord, _) = try #require(try RunStateStore(directory: setupState).load())
        let appId = try #require(setupRecord.captures["appId"])
        let secret = try #require(setupSecrets.variables["secret"])

        let state = Fixture.temporaryDirectory()
        do {
            _ = try await harness.runner(
                try tutorial(), state: state, credential: .clientSecret(clientId: appId, secret: secret)
            ).run()
            Issue.record("expected missing permissions")
        } catch let error as RunnerError {
            #expect(error.exitStatus == .noPermission)
            for needed in [
                "Application.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All", "EventListener.ReadWrite.All",
            ] {
                #expect(error.description.contains(needed))
            }
        }
        let apps = try await harness.get("/v1.0/applications")["value"]?.arrayElements ?? []
        #expect(!apps.contains { $0["displayName"]?.stringValue == "tutor-flask-webapp" })
    }

    @Test func badSecretIsDeniedAndUnreachableTenantIs69() async throws {
        let harness = try await SandboxHarness.start()
        defer { Task { await harness.sandbox.stop() } }
        let info = harness.sandbox.info
        do {
            _ = try await harness.runner(
                try tutorial(), state: Fixture.temporaryDirectory(),
                credential: .clientSecret(clientId: info.adminClientId, secret: "not-the-secret")
            ).run()
            Issue.record("expected a sign-in failure")
        } catch let error as RunnerError {
            #expect(error.exitStatus == .noPermission)
            #expect(!error.description.contains("not-the-secret"))
        }

        let closed = TenantConnection.sandbox(
            tenantId: info.tenantId, subdomain: info.subdomain, graphURL: "https://127.0.0.1:1",
            authority: "https://127.0.0.1:1/\(info.tenantId)", caFile: info.caFile, adminClientId: info.adminClientId,
            adminClientSecret: harness.secret)
        do {
            _ = try await TutorialRunner(
                tutorial: try tutorial(), connection: closed, transport: harness.client,
                options: RunOptions(stateDirectory: Fixture.temporaryDirectory(), toolVersion: "test")
            ).run()
            Issue.record("expected unreachable")
        } catch let error as RunnerError {
            #expect(error.exitStatus == .unavailable)
        }
    }

    @Test func untrustedCertificateIsRefused() async throws {
        let harness = try await SandboxHarness.start()
        defer { Task { await harness.sandbox.stop() } }
        // Without the sandbox CA, TLS verification fails: nothing is sent, exit 69 with a hint.
        let untrusting = try CurlHTTPClient(configuration: .init(userAgent: "tutor/test"))
        do {
            _ = try await TutorialRunner(
                tutorial: try tutorial(), connection: harness.connection(), transport: untrusting,
                options: RunOptions(stateDirectory: Fixture.temporaryDirectory(), toolVersion: "test")
            ).run()
            Issue.record("expected a TLS failure")
        } catch let error as RunnerError {
            #expect(error.exitStatus == .unavailable)
            #expect(error.description.contains("--ca-file"))
        }
    }

    @Test func graphBadRequestExitsOneWithTheGraphMessage() async throws {
        let harness = try await SandboxHarness.start()
        defer { Task { await harness.sandbox.stop() } }
        let bad = Tutorial(
            path: "bad.md", sha256: "x", title: "bad", frontMatter: [],
            steps: [
                Step(
                    title: "Send nonsense", location: Fixture.location(1),
                    requests: [
                        RequestBlock(
                            name: "bad_app", location: Fixture.location(7), method: "POST",
                            url: "https://graph.microsoft.com/v1.0/applications",
                            body: #"{"displayName": "x", "notAProperty": 1}"#)
                    ])
            ], inputs: [], outputs: [])
        do {
            _ = try await harness.runner(bad, state: Fixture.temporaryDirectory()).run()
            Issue.record("expected a step failure")
        } catch let error as RunnerError {
            #expect(error.exitStatus == .stepFailed)
            #expect(error.description.contains("400"))
            #expect(error.description.contains("request-id: "))
            #expect(error.description.contains("tutorial.md:7"))
            #expect(error.description.contains("bad_app"))
        }
    }
}

@Suite struct SandboxChaosTests {
    @Test(arguments: 1...20)
    func chaoticRunsEndWithExactlyOnceResources(seed: Int) async throws {
        // Lost answers too: a create committed whose answer the connection dropped.
        let harness = try await SandboxHarness.start(
            faults: FaultOptions(
                throttleRate: 0.2, faultRate: 0.1, replicationLagMs: 2000, seed: UInt64(seed), lostAnswerRate: 0.2))
        defer { Task { await harness.sandbox.stop() } }
        let before = try await harness.objects()
        let state = Fixture.temporaryDirectory()
        let tutorial = try TutorialParser().parse(path: SandboxHarness.tutorialPath)
        let summary = try await harness.runner(tutorial, state: state).run()
        #expect(summary.status == .succeeded)
        // Independent requests overlap, so the last create may have been answered moments ago:
        // let it replicate (2 s) before the listings are expected to show it.
        try await Task.sleep(for: .milliseconds(2100))
        try await harness.expectExactlyOnce(
            appName: "tutor-flask-webapp", secretsFile: RunStateStore(directory: state).secretsURL)
        // The ledger holds all of it: cleanup leaves the tenant as it was.
        let cleaned = try await RunStateCleanup.clean(
            stateDirectory: state, connection: harness.connection(), transport: harness.client)
        #expect(cleaned.isComplete)
        #expect(try await harness.objects() == before)
    }
}

extension SandboxHarness {
    func expectOneApplication(named name: String) async throws {
        let apps =
            try await get("/v1.0/applications")["value"]?.arrayElements?.filter {
                $0["displayName"]?.stringValue == name
            } ?? []
        #expect(apps.count == 1)
    }
}
