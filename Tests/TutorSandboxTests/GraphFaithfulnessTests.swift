import Foundation
import Testing
import TutorSupport

@testable import TutorSandbox

/// What real clients (msgraph-sdk) send and what a real tenant answers, each with its source.
@Suite("Graph faithfulness")
struct GraphFaithfulnessTests {
    static let eventual = ["ConsistencyLevel": "eventual"]

    // Source: microsoftgraph/microsoft-graph-docs-contrib issue #2716 (400 Request_BadRequest
    // "$count is not currently supported." without the header) and api-reference/v1.0/api/
    // application-list.md (`GET /applications/$count` with `ConsistencyLevel: eventual` → text/plain).
    @Test func countSegmentNeedsEventualConsistency() async throws {
        try await GraphHarness().run { graph in
            _ = try await graph.createApplication("counted-a")
            _ = try await graph.createApplication("counted-b")
            let refused = try await graph.send(.get, "/v1.0/applications/$count")
            #expect(refused.status == 400)
            #expect(refused.errorCode == "Request_BadRequest")
            #expect(refused.json?["error"]?["message"]?.stringValue == "$count is not currently supported.")

            let counted = try await graph.send(.get, "/v1.0/applications/$count", headers: Self.eventual)
            #expect(counted.status == 200)
            #expect(counted.header("Content-Type")?.hasPrefix("text/plain") == true)
            let filtered = try await graph.send(
                .get, "/v1.0/applications/$count?$filter=startswith(displayName,'counted-a')", headers: Self.eventual)
            #expect(filtered.status == 200)
            let principals = try await graph.send(.get, "/v1.0/servicePrincipals/$count", headers: Self.eventual)
            #expect(principals.status == 200)
        }
    }

    /// The text body of a `$count` answer (GraphClient parses JSON, and a bare number is JSON).
    @Test func countSegmentCountsWhatTheFilterSelects() async throws {
        try await GraphHarness().run { graph in
            for name in ["alpha one", "alpha two", "beta"] { _ = try await graph.createApplication(name) }
            let filtered = try await graph.send(
                .get, "/v1.0/applications/$count?$filter=startswith(displayName,'alpha')", headers: Self.eventual)
            #expect(filtered.json == .number(2))
            // Grants are not directory objects: Graph refuses $count on them (msgraph-sdk-powershell#2548).
            let grants = try await graph.send(.get, "/v1.0/oauth2PermissionGrants/$count", headers: Self.eventual)
            #expect(grants.status == 400)
        }
    }

    // Source: microsoftgraph/msgraph-sdk-python msgraph/generated/identity/authentication_events_flows/
    // graph_external_users_self_service_sign_up_events_flow/ (the SDK builds `…/graph.{type}` casts).
    @Test func castsWithTheGraphAlias() async throws {
        try await GraphHarness().run { graph in
            let app = try await graph.createApplication("cast-me")
            let id = try #require(app["id"]?.stringValue)
            let byAlias = try await graph.send(.get, "/v1.0/applications/\(id)/graph.application")
            #expect(byAlias.status == 200)
            #expect(byAlias.string("id") == id)
            let flows = try await graph.send(
                .get, "/v1.0/identity/authenticationEventsFlows/graph.externalUsersSelfServiceSignUpEventsFlow")
            #expect(flows.status == 200)
            let full = try await graph.send(
                .get,
                "/v1.0/identity/authenticationEventsFlows/microsoft.graph.externalUsersSelfServiceSignUpEventsFlow")
            #expect(full.status == 200)
            let unknown = try await graph.send(.get, "/v1.0/applications/graph.user")
            #expect(unknown.status == 400)
        }
    }

    // Source: microsoft-graph-docs-contrib api-reference/v1.0/api/application-list.md and concepts/
    // aad-advanced-queries.md: `$search="displayName:…"` needs `ConsistencyLevel: eventual`; it
    // matches words that start with the term.
    @Test func searchOnApplicationsAndServicePrincipals() async throws {
        try await GraphHarness().run { graph in
            let web = try await graph.createApplication("Contoso Web")
            _ = try await graph.createApplication("Fabrikam")
            _ = try await graph.createServicePrincipal(try #require(web["appId"]?.stringValue))
            let query = "$search=%22displayName:web%22"
            let refused = try await graph.send(.get, "/v1.0/applications?\(query)")
            #expect(refused.status == 400)
            #expect(refused.errorCode == "Request_BadRequest")
            let found = try await graph.send(.get, "/v1.0/applications?\(query)", headers: Self.eventual)
            #expect(found.status == 200)
            #expect(found.values.compactMap { $0["displayName"]?.stringValue } == ["Contoso Web"])
            let either = try await graph.send(
                .get, "/v1.0/applications?$search=%22displayName:web%22%20OR%20%22displayName:fab%22",
                headers: Self.eventual)
            #expect(either.values.count == 2)
            let middle = try await graph.send(
                .get, "/v1.0/applications?$search=%22displayName:ntoso%22", headers: Self.eventual)
            #expect(middle.values.isEmpty)
            let principals = try await graph.send(.get, "/v1.0/servicePrincipals?\(query)", headers: Self.eventual)
            #expect(principals.values.compactMap { $0["displayName"]?.stringValue } == ["Contoso Web"])
            let unquoted = try await graph.send(
                .get, "/v1.0/applications?$search=displayName:web", headers: Self.eventual)
            #expect(unquoted.status == 400)
        }
    }

    // Source: microsoft-graph-docs-contrib issues #3145 and #4187: `$filter` with `$orderby` without
    // an advanced query is 400 Request_UnsupportedQuery "Sorting not supported for current query.".
    @Test func filterWithOrderByNeedsAdvancedQuery() async throws {
        try await GraphHarness().run { graph in
            for name in ["b-app", "a-app"] { _ = try await graph.createApplication(name) }
            let path = "/v1.0/applications?$filter=startswith(displayName,'a')&$orderby=displayName"
            let refused = try await graph.send(.get, path)
            #expect(refused.status == 400)
            #expect(refused.errorCode == "Request_UnsupportedQuery")
            #expect(refused.json?["error"]?["message"]?.stringValue == "Sorting not supported for current query.")
            let advanced = try await graph.send(.get, path + "&$count=true", headers: Self.eventual)
            #expect(advanced.status == 200)
            let unfiltered = try await graph.send(.get, "/v1.0/applications?$orderby=displayName")
            #expect(unfiltered.status == 200)
        }
    }

    // Source: microsoft-graph-docs-contrib issue #7589 (a create's `location` is
    // https://graph.microsoft.com/v2/{tenantId}/directoryObjects/{id}/Microsoft.DirectoryServices.User),
    // and the headers Graph sends on every answer.
    @Test func headersGraphSends() async throws {
        try await GraphHarness().run { graph in
            let created = try await graph.send(.post, "/v1.0/applications", json: #"{"displayName": "located"}"#)
            #expect(created.status == 201)
            let id = try #require(created.string("id"))
            #expect(
                created.header("Location")?.hasSuffix(
                    "/v2/\(GraphHarness.tenantId)/directoryObjects/\(id)/Microsoft.DirectoryServices.Application")
                    == true)
            for reply in [created, try await graph.send(.get, "/v1.0/applications/\(id)")] {
                #expect(reply.header("request-id") != nil)
                #expect(reply.header("client-request-id") != nil)
                #expect(reply.header("x-ms-ags-diagnostic") != nil)
                #expect(reply.header("Strict-Transport-Security") != nil)
                #expect(reply.header("Cache-Control") == "no-cache")
            }
            let echoed = try await graph.send(
                .get, "/v1.0/applications/\(id)", headers: ["client-request-id": "my-correlation-id"])
            #expect(echoed.header("client-request-id") == "my-correlation-id")
        }
    }

    // Source: microsoft-graph-docs-contrib api-reference/v1.0/api/serviceprincipal-post-
    // serviceprincipals.md and observed answers: the replication race is 400 Request_BadRequest
    // with `details[0].code` NoBackingApplicationObject, `target` appId.
    @Test func noBackingApplicationObjectIsInDetails() async throws {
        try await GraphHarness().run { graph in
            let reply = try await graph.send(
                .post, "/v1.0/servicePrincipals", json: #"{"appId": "\#(UUID().uuidString.lowercased())"}"#)
            #expect(reply.status == 400)
            #expect(reply.errorCode == "Request_BadRequest")
            let detail = reply.json?["error"]?["details"]?.arrayElements?.first
            #expect(detail?["code"]?.stringValue == "NoBackingApplicationObject")
            #expect(detail?["target"]?.stringValue == "appId")
        }
    }

    // Source: microsoft-graph-docs-contrib api-reference/v1.0/resources/oauth2permissiongrant.md
    // (v1.0 has no startTime/expiryTime) and resources/serviceprincipallockconfiguration.md;
    // msgraph-bicep-types#155 and msgraph-sdk-powershell#1502 (a write of oauth2RequirePostResponse
    // is a 404 naming resource '').
    @Test func onlyVersionOneProperties() async throws {
        try await GraphHarness().run { graph in
            let locked = try await graph.send(
                .post, "/v1.0/applications",
                json:
                    #"{"displayName": "locked", "servicePrincipalLockConfiguration": {"isEnabled": true, "allProperties": true}}"#
            )
            #expect(locked.status == 201)
            #expect(locked.json?["servicePrincipalLockConfiguration"]?["isEnabled"] == .bool(true))
            let post = try await graph.send(
                .post, "/v1.0/applications", json: #"{"displayName": "post", "oauth2RequirePostResponse": false}"#)
            #expect(post.status == 404)
            #expect(post.errorCode == "Request_ResourceNotFound")

            let client = try await graph.createServicePrincipal(try #require(locked.string("appId")))
            let graphPrincipal = try await graph.send(
                .get, "/v1.0/servicePrincipals(appId='\(WellKnownGraph.appId)')")
            let timed = try await graph.send(
                .post, "/v1.0/oauth2PermissionGrants",
                json: """
                    {"clientId": "\(client["id"]?.stringValue ?? "")", "consentType": "AllPrincipals",
                     "resourceId": "\(graphPrincipal.string("id") ?? "")", "scope": "User.Read",
                     "expiryTime": "2030-01-01T00:00:00Z"}
                    """)
            #expect(timed.status == 400)
        }
    }

    // Source: microsoft-graph-docs-contrib api-reference/v1.0/resources/
    // oninteractiveauthflowstartexternalusersselfservicesignup.md: isSignUpAllowed is optional,
    // default false (sign-in only).
    @Test func userFlowWithoutSignUpSettingOnlySignsIn() async throws {
        try await GraphHarness().run { graph in
            let reply = try await graph.send(
                .post, "/v1.0/identity/authenticationEventsFlows",
                json:
                    ##"{"@odata.type": "#microsoft.graph.externalUsersSelfServiceSignUpEventsFlow", "displayName": "sign-in only"}"##
            )
            #expect(reply.status == 201)
            #expect(reply.json?["onInteractiveAuthFlowStart"]?["isSignUpAllowed"] == .bool(false))
        }
    }

    // Source: microsoft-graph-docs-contrib concepts/includes/permissions-ids.md (ids) and
    // api-reference/v1.0/api/serviceprincipal-list.md (`servicePrincipalNames/any(...)` lookup).
    @Test func microsoftGraphServicePrincipal() async throws {
        try await GraphHarness().run { graph in
            let found = try await graph.send(
                .get,
                "/v1.0/servicePrincipals?$filter=servicePrincipalNames/any(c:c%20eq%20'https://graph.microsoft.com')")
            #expect(found.values.count == 1)
            let principal = try #require(found.values.first)
            #expect(principal["appId"]?.stringValue == WellKnownGraph.appId)
            let scopes = principal["oauth2PermissionScopes"]?.arrayElements ?? []
            let roles = principal["appRoles"]?.arrayElements ?? []
            #expect(scopes.count == WellKnownGraph.scopes.count)
            #expect(roles.count == WellKnownGraph.appRoles.count)
            let ids = Dictionary(
                uniqueKeysWithValues: scopes.compactMap { scope in
                    scope["value"]?.stringValue.map { ($0, scope["id"]?.stringValue ?? "") }
                })
            #expect(ids["User.Read"] == "e1fe6dd8-ba31-4d61-89e7-88639da4683d")
            #expect(ids["openid"] == "37f7f235-527c-4136-accd-4a02d197296e")
            #expect(ids["offline_access"] == "7427e0e9-2fba-42fe-b0c0-848c9e6a8182")
            #expect(ids["profile"] == "14dad69e-099b-42c9-810b-d002981feec1")
            let app = try await graph.createApplication("mail reader")
            let client = try await graph.createServicePrincipal(try #require(app["appId"]?.stringValue))
            let grant = try await graph.send(
                .post, "/v1.0/oauth2PermissionGrants",
                json: """
                    {"clientId": "\(client["id"]?.stringValue ?? "")", "consentType": "AllPrincipals",
                     "resourceId": "\(principal["id"]?.stringValue ?? "")", "scope": "Mail.Read Files.Read User.ReadBasic.All"}
                    """)
            #expect(grant.status == 201)
        }
    }
}
