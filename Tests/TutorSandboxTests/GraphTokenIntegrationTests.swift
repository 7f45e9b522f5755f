import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TutorSupport

@testable import TutorSandbox

@Suite("Graph with the sandbox's own access tokens")
struct GraphTokenIntegrationTests {
    static func issuer(tenantId: String = GraphHarness.tenantId) async throws -> TokenIssuer {
        try await TokenIssuer(privateKeyPEM: try MemoryKey.shared.pem(), tenantId: tenantId)
    }

    /// Sends a GET or POST with `token` through a router whose Graph trusts `issuer`.
    static func call(
        _ issuer: TokenIssuer, token: String, method: HTTPRequest.Method = .get, path: String, json: String? = nil,
        state: TenantState = GraphHarness.freshState()
    ) async throws -> (status: Int, code: String?, message: String?) {
        let directory = TenantDirectory(state: state, stateFile: nil)
        let router = Router()
        GraphAPI(directory: directory, tokens: issuer).addRoutes(to: router)
        return try await Application(router: router).test(.router) { client in
            var headers: HTTPFields = [.authorization: "Bearer \(token)"]
            if json != nil { headers[.contentType] = "application/json" }
            let response = try await client.execute(
                uri: path, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
            let body = String(buffer: response.body)
            let parsed = body.isEmpty ? nil : try JSONValue.parse(body)
            return (
                Int(response.status.code), parsed?["error"]?["code"]?.stringValue,
                parsed?["error"]?["message"]?.stringValue
            )
        }
    }

    @Test func adminAppTokenIsAccepted() async throws {
        let issuer = try await Self.issuer()
        let token = try await issuer.issueGraphAccessToken(
            for: GraphPrincipal(appId: GraphHarness.adminAppId, roles: Set(WellKnownGraph.adminAppRoles)))
        #expect(try await Self.call(issuer, token: token, path: "/v1.0/applications").status == 200)
        let created = try await Self.call(
            issuer, token: token, method: .post, path: "/v1.0/applications", json: #"{"displayName": "x"}"#)
        #expect(created.status == 201)
    }

    @Test func expiredTokenIs401() async throws {
        let issuer = try await Self.issuer()
        let token = try await issuer.issueGraphAccessToken(
            for: GraphPrincipal(appId: GraphHarness.adminAppId, roles: Set(WellKnownGraph.adminAppRoles)),
            issuedAt: Date().addingTimeInterval(-7200), lifetime: 3600)
        let reply = try await Self.call(issuer, token: token, path: "/v1.0/applications")
        #expect(reply.status == 401)
        #expect(reply.code == "InvalidAuthenticationToken")
    }

    @Test func foreignTokenIs401() async throws {
        let trusted = try await Self.issuer()
        let stranger = try await Self.issuer(tenantId: "99999999-9999-9999-9999-999999999999")
        let token = try await stranger.issueGraphAccessToken(
            for: GraphPrincipal(appId: GraphHarness.adminAppId, roles: Set(WellKnownGraph.adminAppRoles)))
        #expect(try await Self.call(trusted, token: token, path: "/v1.0/applications").status == 401)
        let idToken = try await trusted.issueIDToken(
            clientId: GraphHarness.adminAppId,
            subject: IDTokenSubject(objectId: "u", displayName: "U", username: "u@example.com"), nonce: nil)
        #expect(try await Self.call(trusted, token: idToken, path: "/v1.0/applications").status == 401)
        #expect(try await Self.call(trusted, token: "not.a.jwt", path: "/v1.0/applications").status == 401)
    }

    @Test func tokenWithoutTheRoleIs403() async throws {
        let issuer = try await Self.issuer()
        let token = try await issuer.issueGraphAccessToken(
            for: GraphPrincipal(appId: GraphHarness.adminAppId, roles: ["Application.Read.All"]))
        #expect(try await Self.call(issuer, token: token, path: "/v1.0/applications").status == 200)
        let reply = try await Self.call(
            issuer, token: token, method: .post, path: "/v1.0/applications", json: #"{"displayName": "x"}"#)
        #expect(reply.status == 403)
        #expect(reply.code == "Authorization_RequestDenied")
    }

    @Test func delegatedTokenReadsMe() async throws {
        let issuer = try await Self.issuer()
        let state = GraphHarness.freshState()
        let adminId = try #require(state.users.first { $0.isAdministrator }?.id)
        let token = try await issuer.issueGraphAccessToken(
            for: GraphPrincipal(appId: GraphHarness.adminAppId, scopes: ["User.Read"], userObjectId: adminId))
        #expect(try await Self.call(issuer, token: token, path: "/v1.0/me", state: state).status == 200)
        let stranger = try await issuer.issueGraphAccessToken(
            for: GraphPrincipal(appId: GraphHarness.adminAppId, scopes: ["User.Read"], userObjectId: "someone-else"))
        #expect(try await Self.call(issuer, token: stranger, path: "/v1.0/me", state: state).status == 404)
        #expect(try await Self.call(issuer, token: token, path: "/v1.0/applications", state: state).status == 403)
    }
}
