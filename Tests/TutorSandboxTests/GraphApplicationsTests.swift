import Foundation
import Testing
import TutorSupport

@testable import TutorSandbox

@Suite("Graph applications")
struct GraphApplicationsTests {
    @Test func createGetListUpdateDelete() async throws {
        try await GraphHarness().run { graph in
            let created = try await graph.createApplication(
                "Flask app", extra: #", "web": {"redirectUris": ["http://localhost:5000/getAToken"]}"#)
            let id = try #require(created["id"]?.stringValue)
            let appId = try #require(created["appId"]?.stringValue)
            #expect(created["@odata.context"]?.stringValue?.hasSuffix("/v1.0/$metadata#applications/$entity") == true)
            #expect(created["signInAudience"]?.stringValue == "AzureADMyOrg")
            #expect(created["publisherDomain"]?.stringValue == "contoso.onmicrosoft.com")
            #expect(created["web"]?["redirectUris"] == .strings(["http://localhost:5000/getAToken"]))
            #expect(created["web"]?["implicitGrantSettings"]?["enableIdTokenIssuance"] == .bool(false))

            let fetched = try await graph.send(.get, "/v1.0/applications/\(id)")
            #expect(fetched.status == 200)
            #expect(fetched.string("appId") == appId)

            let byAppId = try await graph.send(.get, "/v1.0/applications(appId='\(appId)')")
            #expect(byAppId.string("id") == id)

            let patch = try await graph.send(.patch, "/v1.0/applications/\(id)", json: #"{"displayName": "Renamed"}"#)
            #expect(patch.status == 204)
            #expect(patch.json == nil)
            #expect(try await graph.send(.get, "/v1.0/applications/\(id)").string("displayName") == "Renamed")

            let list = try await graph.send(.get, "/v1.0/applications")
            #expect(list.status == 200)
            #expect(list.values.count == 2)
            #expect(list.string("@odata.context")?.hasSuffix("$metadata#applications") == true)

            #expect(try await graph.send(.delete, "/v1.0/applications/\(id)").status == 204)
            let gone = try await graph.send(.get, "/v1.0/applications/\(id)")
            #expect(gone.status == 404)
            #expect(gone.errorCode == "Request_ResourceNotFound")
        }
    }

    @Test func pathSegmentsAreCaseInsensitive() async throws {
        try await GraphHarness().run { graph in
            let created = try await graph.createApplication("Case")
            let appId = try #require(created["appId"]?.stringValue)
            #expect(try await graph.send(.get, "/v1.0/APPLICATIONS").status == 200)
            #expect(try await graph.send(.get, "/V1.0/Applications(APPID='\(appId)')").status == 200)
        }
    }

    @Test(arguments: [
        (#"{"displayName": "x", "colour": "blue"}"#, "colour"),
        (#"{"displayName": 42}"#, "displayName"),
        (#"{"displayName": "x", "web": {"redirectUris": "https://a.example"}}"#, "redirectUris"),
        (#"{"displayName": "x", "web": {"homepage": "https://a.example"}}"#, "homepage"),
        (#"{"displayName": "x", "appId": "00000000-0000-0000-0000-000000000001"}"#, "appId"),
        (
            #"{"displayName": "x", "requiredResourceAccess": [{"resourceAppId": "00000003-0000-0000-c000-000000000000", "resourceAccess": [{"id": "not-a-guid", "type": "Scope"}]}]}"#,
            "id"
        ),
    ])
    func refusesUnknownOrIllTypedProperties(body: String, property: String) async throws {
        try await GraphHarness().run { graph in
            let reply = try await graph.send(.post, "/v1.0/applications", json: body)
            #expect(reply.status == 400)
            #expect(reply.errorCode == "Request_BadRequest")
            #expect(reply.json?["error"]?["message"]?.stringValue?.contains("'\(property)'") == true)
        }
    }

    @Test func enforcesDocumentedLimits() async throws {
        try await GraphHarness().run { graph in
            let long = String(repeating: "a", count: 257)
            #expect(
                try await graph.send(.post, "/v1.0/applications", json: #"{"displayName": "\#(long)"}"#).status == 400)
            #expect(
                try await graph.send(.post, "/v1.0/applications", json: #"{"signInAudience": "AzureADMyOrg"}"#).status
                    == 400)
            for uri in [
                "http://example.com/callback", "relative/path", "https://a.example/#fragment",
                "https://*.example.com/cb",
                "https://a.example/" + String(repeating: "p", count: 250),
            ] {
                let reply = try await graph.send(
                    .post, "/v1.0/applications", json: #"{"displayName": "x", "web": {"redirectUris": ["\#(uri)"]}}"#)
                #expect(reply.status == 400, "\(uri) should be refused")
            }
            for uri in ["https://app.example/cb", "http://localhost:5000/getAToken", "http://127.0.0.1/cb"] {
                let reply = try await graph.send(
                    .post, "/v1.0/applications", json: #"{"displayName": "x", "web": {"redirectUris": ["\#(uri)"]}}"#)
                #expect(reply.status == 201, "\(uri) should be accepted")
            }
            let malformed = try await graph.send(.post, "/v1.0/applications", json: "{not json")
            #expect(malformed.status == 400)
            #expect(malformed.errorCode == "BadRequest")
            #expect(try await graph.send(.post, "/v1.0/applications", json: "").status == 400)
        }
    }

    @Test func errorEnvelopeAndRequestIds() async throws {
        try await GraphHarness().run { graph in
            let reply = try await graph.send(
                .get, "/v1.0/applications/00000000-0000-0000-0000-000000000000",
                headers: ["client-request-id": "my-correlation"])
            #expect(reply.status == 404)
            let inner = try #require(reply.json?["error"]?["innerError"])
            #expect(inner["client-request-id"]?.stringValue == "my-correlation")
            #expect(inner["request-id"]?.stringValue == reply.header("request-id"))
            #expect(inner["date"]?.stringValue.flatMap(GraphDate.parse) != nil)
            #expect(reply.header("client-request-id") == "my-correlation")
            #expect(reply.json?["error"]?["message"]?.stringValue != nil)

            let ok = try await graph.send(.get, "/v1.0/applications")
            #expect(ok.header("request-id") != nil)
            #expect(ok.header("client-request-id") == ok.header("request-id"))

            let badId = try await graph.send(.get, "/v1.0/applications/not-a-guid")
            #expect(badId.status == 400)
            let unknown = try await graph.send(.get, "/v1.0/widgets")
            #expect(unknown.status == 400)
            #expect(unknown.errorCode == "BadRequest")
            let wrongMethod = try await graph.send(.put, "/v1.0/applications")
            #expect(wrongMethod.status == 405)
        }
    }

    @Test func uniqueNameUpsert() async throws {
        try await GraphHarness().run { graph in
            let path = "/v1.0/applications(uniqueName='tutor-flask')"
            let prefer = ["Prefer": "create-if-missing"]
            let created = try await graph.send(.patch, path, json: #"{"displayName": "Flask"}"#, headers: prefer)
            #expect(created.status == 201)
            #expect(created.string("uniqueName") == "tutor-flask")
            let updated = try await graph.send(.patch, path, json: #"{"displayName": "Flask 2"}"#, headers: prefer)
            #expect(updated.status == 204)
            let fetched = try await graph.send(.get, path)
            #expect(fetched.string("displayName") == "Flask 2")
            #expect(fetched.string("id") == created.string("id"))
            let withoutPrefer = try await graph.send(
                .patch, "/v1.0/applications(uniqueName='other')", json: #"{"displayName": "x"}"#)
            #expect(withoutPrefer.status == 404)
            let duplicate = try await graph.send(
                .post, "/v1.0/applications", json: #"{"displayName": "y", "uniqueName": "TUTOR-FLASK"}"#)
            #expect(duplicate.status == 400)
        }
    }

    @Test func addAndRemovePassword() async throws {
        try await GraphHarness().run { graph in
            let app = try await graph.createApplication("Secretive")
            let id = try #require(app["id"]?.stringValue)
            let appId = try #require(app["appId"]?.stringValue)
            let added = try await graph.send(
                .post, "/v1.0/applications/\(id)/addPassword",
                json: #"{"passwordCredential": {"displayName": "tutor"}}"#)
            #expect(added.status == 200)
            let secret = try #require(added.string("secretText"))
            let keyId = try #require(added.string("keyId"))
            #expect(added.string("hint") == String(secret.prefix(3)))
            let start = try #require(added.string("startDateTime").flatMap(GraphDate.parse))
            let end = try #require(added.string("endDateTime").flatMap(GraphDate.parse))
            #expect(abs(end.timeIntervalSince(start) - 2 * 365 * 86_400) < 2)
            #expect(await graph.verify(appId: appId, secret: secret))

            let fetched = try await graph.send(.get, "/v1.0/applications/\(id)")
            let credential = try #require(fetched.json?["passwordCredentials"]?.arrayElements?.first)
            #expect(credential["secretText"] == .null)
            #expect(credential["hint"]?.stringValue == String(secret.prefix(3)))

            let readOnly = try await graph.send(
                .post, "/v1.0/applications/\(id)/addPassword", json: #"{"passwordCredential": {"secretText": "mine"}}"#)
            #expect(readOnly.status == 400)

            let wrongKey = try await graph.send(
                .post, "/v1.0/applications/\(id)/removePassword",
                json: #"{"keyId": "00000000-0000-0000-0000-000000000000"}"#)
            #expect(wrongKey.status == 400)
            let removed = try await graph.send(
                .post, "/v1.0/applications/\(id)/removePassword", json: #"{"keyId": "\#(keyId)"}"#)
            #expect(removed.status == 204)
            #expect(await graph.verify(appId: appId, secret: secret) == false)
        }
    }

    @Test func filterSelectAndPaging() async throws {
        try await GraphHarness().run { graph in
            for index in 1...5 { _ = try await graph.createApplication("paged-\(index)") }
            let filtered = try await graph.send(.get, "/v1.0/applications?$filter=startswith(displayName,'PAGED-')")
            #expect(filtered.values.count == 5)
            let exact = try await graph.send(.get, "/v1.0/applications?$filter=displayName%20eq%20'paged-3'")
            #expect(exact.values.count == 1)
            let appId = try #require(exact.values.first?["appId"]?.stringValue)
            let byAppId = try await graph.send(.get, "/v1.0/applications?$filter=appId eq '\(appId)'")
            #expect(byAppId.values.first?["displayName"]?.stringValue == "paged-3")

            let selected = try await graph.send(.get, "/v1.0/applications?$select=displayName,appId&$top=2")
            #expect(selected.values.count == 2)
            #expect(selected.values.first?.objectMembers?.map(\.key) == ["displayName", "appId"])
            #expect(selected.string("@odata.context")?.hasSuffix("#applications(displayName,appId)") == true)

            var seen: [String] = []
            var next: String? = "/v1.0/applications?$top=2&$filter=startswith(displayName,'paged')"
            while let link = next {
                let path = link.replacingOccurrences(of: "https://localhost", with: "")
                    .replacingOccurrences(of: "https://", with: "").drop { $0 != "/" }
                let page = try await graph.send(.get, String(path))
                #expect(page.status == 200)
                seen += page.values.compactMap { $0["displayName"]?.stringValue }
                next = page.string("@odata.nextLink")
            }
            #expect(seen == (1...5).map { "paged-\($0)" })

            #expect(try await graph.send(.get, "/v1.0/applications?$top=1000").status == 400)
            #expect(try await graph.send(.get, "/v1.0/applications?$select=nope").status == 400)
            #expect(try await graph.send(.get, "/v1.0/applications?$filter=notes eq 'x'").status == 400)
            #expect(try await graph.send(.get, "/v1.0/applications?$filter=displayName eq").status == 400)
        }
    }

    @Test func deletingAnApplicationCascades() async throws {
        try await GraphHarness().run { graph in
            let app = try await graph.createApplication("Cascade")
            let id = try #require(app["id"]?.stringValue)
            let appId = try #require(app["appId"]?.stringValue)
            let principal = try await graph.createServicePrincipal(appId)
            let principalId = try #require(principal["id"]?.stringValue)
            let graphPrincipal = try await graph.send(
                .get, "/v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')")
            let resourceId = try #require(graphPrincipal.string("id"))
            let grant = try await graph.send(
                .post, "/v1.0/oauth2PermissionGrants",
                json:
                    #"{"clientId": "\#(principalId)", "consentType": "AllPrincipals", "resourceId": "\#(resourceId)", "scope": "openid profile"}"#
            )
            #expect(grant.status == 201)
            let flow = try await graph.send(
                .post, "/v1.0/identity/authenticationEventsFlows", json: GraphUserFlowsTests.flowBody(name: "cascade"))
            let flowId = try #require(flow.string("id"))
            let link = try await graph.send(
                .post, "/v1.0/identity/authenticationEventsFlows/\(flowId)/conditions/applications/includeApplications",
                json:
                    ##"{"@odata.type": "#microsoft.graph.authenticationConditionApplication", "appId": "\##(appId)"}"##)
            #expect(link.status == 201)

            #expect(try await graph.send(.delete, "/v1.0/applications/\(id)").status == 204)
            #expect(try await graph.send(.get, "/v1.0/servicePrincipals/\(principalId)").status == 404)
            let grants = try await graph.send(.get, "/v1.0/oauth2PermissionGrants?$filter=clientId eq '\(principalId)'")
            #expect(grants.values.isEmpty)
            let links = try await graph.send(
                .get, "/v1.0/identity/authenticationEventsFlows/\(flowId)/conditions/applications/includeApplications")
            #expect(links.status == 200)
            #expect(links.values.isEmpty)
        }
    }
}

extension GraphClient {
    /// Whether the directory accepts `secret` for `appId` (what the token endpoint asks).
    func verify(appId: String, secret: String) async -> Bool {
        await directory.verifyClientSecret(appId: appId, secret: secret)
    }
}
