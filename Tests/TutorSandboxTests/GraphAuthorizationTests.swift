import Foundation
import Testing
import TutorSupport

@testable import TutorSandbox

@Suite("Graph authorization")
struct GraphAuthorizationTests {
    @Test func missingOrInvalidTokenIs401() async throws {
        try await GraphHarness().run { graph in
            for token in [nil, "forged", ""] as [String?] {
                let reply = try await graph.send(.get, "/v1.0/applications", token: token)
                #expect(reply.status == 401)
                #expect(reply.errorCode == "InvalidAuthenticationToken")
                #expect(reply.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
            }
            let basic = try await graph.send(
                .get, "/v1.0/applications", token: nil, headers: ["Authorization": "Basic YWRtaW46YWRtaW4="])
            #expect(basic.status == 401)
        }
    }

    @Test(arguments: [
        ("reader", "GET", "/v1.0/applications", 200),
        ("reader", "POST", "/v1.0/applications", 403),
        ("reader", "GET", "/v1.0/servicePrincipals", 200),
        ("reader", "GET", "/v1.0/oauth2PermissionGrants", 403),
        ("reader", "GET", "/v1.0/identity/authenticationEventsFlows", 403),
        ("reader", "GET", "/v1.0/organization", 403),
        ("reader", "GET", "/v1.0/users", 403),
        ("nobody", "GET", "/v1.0/applications", 403),
        ("nobody", "DELETE", "/v1.0/applications/00000000-0000-0000-0000-000000000000", 403),
        ("user", "GET", "/v1.0/organization", 200),
        ("user", "GET", "/v1.0/applications", 403),
        ("admin", "GET", "/v1.0/organization", 200),
        ("admin", "GET", "/v1.0/users", 200),
        ("admin", "GET", "/v1.0/oauth2PermissionGrants", 200),
        ("admin", "GET", "/v1.0/identity/authenticationEventsFlows", 200),
    ])
    func operationsNeedTheirPermissions(token: String, method: String, path: String, status: Int) async throws {
        try await GraphHarness().run { graph in
            let reply = try await graph.send(
                .init(method)!, path, token: token, json: method == "POST" ? #"{"displayName": "x"}"# : nil)
            #expect(reply.status == status)
            if status == 403 { #expect(reply.errorCode == "Authorization_RequestDenied") }
        }
    }

    @Test func bearerHeaderParsing() {
        #expect(GraphAPI.bearerToken("Bearer abc.def") == "abc.def")
        #expect(GraphAPI.bearerToken("bearer   abc  ") == "abc")
        #expect(GraphAPI.bearerToken("BEARER\tabc") == nil)
        #expect(GraphAPI.bearerToken("Bearer ") == nil)
        #expect(GraphAPI.bearerToken("Bearerabc") == nil)
        #expect(GraphAPI.bearerToken("Basic abc") == nil)
        #expect(GraphAPI.bearerToken("") == nil)
    }

    @Test func identitySideViewOfTheAdminApp() async throws {
        let harness = GraphHarness()
        let directory = harness.directory
        #expect(await directory.verifyClientSecret(appId: GraphHarness.adminAppId, secret: GraphHarness.adminSecret))
        #expect(await directory.verifyClientSecret(appId: GraphHarness.adminAppId, secret: "wrong") == false)
        #expect(
            await directory.appRoles(clientAppId: GraphHarness.adminAppId, resourceAppId: WellKnownGraph.appId)
                == Set(WellKnownGraph.adminAppRoles))
        #expect(await directory.hasServicePrincipal(appId: GraphHarness.adminAppId))
        #expect(
            await directory.delegatedScopes(clientAppId: GraphHarness.adminAppId, resourceAppId: WellKnownGraph.appId)
                .contains("User.Read"))
        let email = TenantDirectory.adminUserEmail(subdomain: "contoso")
        #expect(await directory.verifyUserPassword(email: email, password: "Admin-Password-1")?.isAdministrator == true)
        #expect(await directory.verifyUserPassword(email: email, password: "nope") == nil)
        #expect(await directory.tenantId == GraphHarness.tenantId)
        #expect(await directory.subdomain == "contoso")
    }

    @Test func localAccounts() async throws {
        let directory = GraphHarness().directory
        let user = try await directory.createLocalUser(
            email: "grace@example.com", password: "Pa55word!", displayName: "", attributes: [:])
        #expect(user.displayName == "grace")
        #expect(user.userPrincipalName.hasSuffix("@contoso.onmicrosoft.com"))
        #expect(user.passwordHash.contains("Pa55word!") == false)
        #expect(await directory.userExists(email: "GRACE@example.com"))
        #expect(await directory.verifyUserPassword(email: "grace@example.com", password: "Pa55word!")?.id == user.id)
        await #expect(throws: SandboxError.userExists(email: "grace@example.com")) {
            try await directory.createLocalUser(
                email: "grace@example.com", password: "x", displayName: "", attributes: [:])
        }
        await #expect(throws: SandboxError.self) {
            try await directory.createLocalUser(email: "not-an-email", password: "x", displayName: "", attributes: [:])
        }
        await #expect(throws: SandboxError.self) {
            try await directory.createLocalUser(email: "a@example.com", password: "", displayName: "", attributes: [:])
        }
    }
}
