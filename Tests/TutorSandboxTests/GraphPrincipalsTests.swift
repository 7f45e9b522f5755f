import Foundation
import Testing
import TutorSupport

@testable import TutorSandbox

@Suite("Graph service principals and permission grants")
struct GraphPrincipalsTests {
    @Test func servicePrincipalLifecycle() async throws {
        try await GraphHarness().run { graph in
            let app = try await graph.createApplication("With principal")
            let appId = try #require(app["appId"]?.stringValue)
            let principal = try await graph.createServicePrincipal(appId)
            let id = try #require(principal["id"]?.stringValue)
            #expect(principal["displayName"]?.stringValue == "With principal")
            #expect(principal["servicePrincipalNames"] == .strings([appId]))
            #expect(principal["appOwnerOrganizationId"]?.stringValue == GraphHarness.tenantId)

            let duplicate = try await graph.send(.post, "/v1.0/servicePrincipals", json: #"{"appId": "\#(appId)"}"#)
            #expect(duplicate.status == 409)

            let filtered = try await graph.send(.get, "/v1.0/servicePrincipals?$filter=appId eq '\(appId)'")
            #expect(filtered.values.map { $0["id"]?.stringValue } == [id])
            #expect(try await graph.send(.get, "/v1.0/servicePrincipals(appId='\(appId)')").string("id") == id)
            #expect(try await graph.send(.get, "/v1.0/servicePrincipals/\(id)").status == 200)
            let patched = try await graph.send(
                .patch, "/v1.0/servicePrincipals/\(id)", json: #"{"notes": "for the tutorial", "tags": ["tutor"]}"#)
            #expect(patched.status == 204)
            let fetched = try await graph.send(.get, "/v1.0/servicePrincipals/\(id)")
            #expect(fetched.string("notes") == "for the tutorial")
            #expect(fetched.json?["tags"] == .strings(["tutor"]))
            #expect(
                try await graph.send(.patch, "/v1.0/servicePrincipals/\(id)", json: #"{"appId": "x"}"#).status == 400)
            #expect(
                try await graph.send(.patch, "/v1.0/servicePrincipals/\(id)", json: #"{"colour": "x"}"#).status == 400)
            #expect(try await graph.send(.delete, "/v1.0/servicePrincipals(appId='\(appId)')").status == 204)
            #expect(try await graph.send(.get, "/v1.0/servicePrincipals/\(id)").status == 404)
            #expect(await graph.directory.hasServicePrincipal(appId: appId) == false)
        }
    }

    @Test func servicePrincipalNeedsItsApplication() async throws {
        try await GraphHarness().run { graph in
            let reply = try await graph.send(
                .post, "/v1.0/servicePrincipals", json: #"{"appId": "12345678-1234-1234-1234-123456789012"}"#)
            #expect(reply.status == 400)
            #expect(
                reply.json?["error"]?["details"]?.arrayElements?.first?["code"]?.stringValue
                    == "NoBackingApplicationObject")
            #expect(try await graph.send(.post, "/v1.0/servicePrincipals", json: "{}").status == 400)
            #expect(
                try await graph.send(.post, "/v1.0/servicePrincipals", json: #"{"appId": "x", "foo": 1}"#).status == 400
            )
        }
    }

    @Test func microsoftGraphPrincipalHasRealPermissionIds() async throws {
        try await GraphHarness().run { graph in
            let reply = try await graph.send(
                .get, "/v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')")
            #expect(reply.status == 200)
            let scopes = reply.json?["oauth2PermissionScopes"]?.arrayElements ?? []
            let scopeIds = Dictionary(
                uniqueKeysWithValues: scopes.compactMap { scope -> (String, String)? in
                    guard let value = scope["value"]?.stringValue, let id = scope["id"]?.stringValue else { return nil }
                    return (value, id)
                })
            #expect(scopeIds["openid"] == "37f7f235-527c-4136-accd-4a02d197296e")
            #expect(scopeIds["offline_access"] == "7427e0e9-2fba-42fe-b0c0-848c9e6a8182")
            #expect(scopeIds["profile"] == "14dad69e-099b-42c9-810b-d002981feec1")
            #expect(scopeIds["User.Read"] == "e1fe6dd8-ba31-4d61-89e7-88639da4683d")
            #expect(scopeIds["email"] == "64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0")
            let roles = reply.json?["appRoles"]?.arrayElements ?? []
            let roleIds = Dictionary(
                uniqueKeysWithValues: roles.compactMap { role -> (String, String)? in
                    guard let value = role["value"]?.stringValue, let id = role["id"]?.stringValue else { return nil }
                    return (value, id)
                })
            #expect(roleIds["Application.ReadWrite.All"] == "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9")
            #expect(roleIds["EventListener.ReadWrite.All"] == "0edf5e9e-4ce8-468a-8432-d08631d18c43")
        }
    }

    @Test func permissionGrants() async throws {
        try await GraphHarness().run { graph in
            let app = try await graph.createApplication("Consented")
            let appId = try #require(app["appId"]?.stringValue)
            let client = try #require(try await graph.createServicePrincipal(appId)["id"]?.stringValue)
            let resource = try #require(
                try await graph.send(.get, "/v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')")
                    .string("id"))
            let body =
                #"{"clientId": "\#(client)", "consentType": "AllPrincipals", "resourceId": "\#(resource)", "scope": "openid offline_access User.Read"}"#
            let created = try await graph.send(.post, "/v1.0/oauth2PermissionGrants", json: body)
            #expect(created.status == 201)
            let grantId = try #require(created.string("id"))
            #expect(created.json?["principalId"] == .null)
            #expect(
                await graph.directory.delegatedScopes(clientAppId: appId, resourceAppId: WellKnownGraph.appId)
                    == ["openid", "offline_access", "User.Read"])

            let duplicate = try await graph.send(.post, "/v1.0/oauth2PermissionGrants", json: body)
            #expect(duplicate.status == 409)

            let badScope = try await graph.send(
                .post, "/v1.0/oauth2PermissionGrants",
                json:
                    #"{"clientId": "\#(client)", "consentType": "Principal", "principalId": "\#(try await adminId(graph))", "resourceId": "\#(resource)", "scope": "Not.A.Graph.Scope"}"#
            )
            #expect(badScope.status == 400)
            let notPrincipal = try await graph.send(
                .post, "/v1.0/oauth2PermissionGrants",
                json:
                    #"{"clientId": "00000000-0000-0000-0000-000000000009", "consentType": "AllPrincipals", "resourceId": "\#(resource)", "scope": "openid"}"#
            )
            #expect(notPrincipal.status == 404)
            #expect(notPrincipal.errorCode == "Request_ResourceNotFound")
            let badType = try await graph.send(
                .post, "/v1.0/oauth2PermissionGrants",
                json:
                    #"{"clientId": "\#(client)", "consentType": "Everyone", "resourceId": "\#(resource)", "scope": "openid"}"#
            )
            #expect(badType.status == 400)

            let listed = try await graph.send(.get, "/v1.0/oauth2PermissionGrants?$filter=clientId eq '\(client)'")
            #expect(listed.values.count == 1)
            let patched = try await graph.send(
                .patch, "/v1.0/oauth2PermissionGrants/\(grantId)", json: #"{"scope": "openid"}"#)
            #expect(patched.status == 204)
            #expect(try await graph.send(.get, "/v1.0/oauth2PermissionGrants/\(grantId)").string("scope") == "openid")
            #expect(try await graph.send(.delete, "/v1.0/oauth2PermissionGrants/\(grantId)").status == 204)
            #expect(try await graph.send(.get, "/v1.0/oauth2PermissionGrants/\(grantId)").status == 404)
        }
    }

    private func adminId(_ graph: GraphClient) async throws -> String {
        try #require(await graph.directory.snapshot.users.first { $0.isAdministrator }?.id)
    }

    @Test func organizationAndUsers() async throws {
        try await GraphHarness().run { graph in
            let organization = try await graph.send(.get, "/v1.0/organization")
            #expect(organization.status == 200)
            let tenant = try #require(organization.values.first)
            #expect(tenant["id"]?.stringValue == GraphHarness.tenantId)
            #expect(tenant["tenantType"]?.stringValue == "CIAM")
            let domain = tenant["verifiedDomains"]?.arrayElements?.first
            #expect(domain?["name"]?.stringValue == "contoso.onmicrosoft.com")
            #expect(domain?["isInitial"] == .bool(true))
            #expect(try await graph.send(.get, "/v1.0/organization/\(GraphHarness.tenantId)").status == 200)

            let signedUp = try await graph.directory.createLocalUser(
                email: "ada@example.com", password: "Secret-123", displayName: "Ada", attributes: ["city": "London"])
            let users = try await graph.send(.get, "/v1.0/users")
            #expect(users.values.count == 2)
            let ada = try await graph.send(.get, "/v1.0/users/\(signedUp.id)")
            #expect(ada.string("mail") == "ada@example.com")
            #expect(ada.json?["city"] == nil)
            #expect(ada.json?["identities"] == nil)
            let selected = try await graph.send(.get, "/v1.0/users/\(signedUp.id)?$select=city,identities,mail")
            #expect(selected.string("city") == "London")
            #expect(selected.json?["identities"]?.arrayElements?.first?["signInType"]?.stringValue == "emailAddress")
            let filtered = try await graph.send(.get, "/v1.0/users?$filter=mail eq 'ADA@example.com'")
            #expect(filtered.values.count == 1)

            let me = try await graph.send(.get, "/v1.0/me", token: "user")
            #expect(me.string("mail") == TenantDirectory.adminUserEmail(subdomain: "contoso"))
            let appOnlyMe = try await graph.send(.get, "/v1.0/me")
            #expect(appOnlyMe.status == 400)
        }
    }
}
