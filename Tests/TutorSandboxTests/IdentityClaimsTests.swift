import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TutorSupport

@testable import TutorSandbox

@Suite("Identity: token claims, userinfo and the Graph resource")
struct IdentityClaimsTests {
    func clientCredentials(_ client: any TestClientProtocol, _ harness: IdentityHarness, scope: String) async throws
        -> TestResponse
    {
        try await client.postForm(
            "\(harness.base)/oauth2/v2.0/token",
            [
                ("grant_type", "client_credentials"), ("client_id", harness.identity.adminClientId),
                ("client_secret", harness.adminSecret), ("scope", scope),
            ])
    }

    /// Graph access tokens are v1.0: `appid` and `appidacr` ("only present in v1.0 tokens"), not
    /// `azp` ("only present in v2.0 tokens"). `sub` "is a pairwise identifier that's unique to a
    /// particular application ID", `oid` is the same across apps. Source: Learn, access token
    /// claims reference (MicrosoftDocs/entra-docs docs/identity-platform/access-token-claims-reference.md).
    @Test("A user's Graph token: ver 1.0, appid/appidacr without azp, pairwise sub that is not the oid")
    func userTokenClaims() async throws {
        let tokens = try await IdentityHarness.make().tokens
        let subject = IDTokenSubject(objectId: "oid-1", displayName: "Ada", username: "ada@example.com")
        let token = try await tokens.issueGraphAccessToken(
            for: GraphPrincipal(appId: "app-1", scopes: ["openid"], userObjectId: "oid-1"), subject: subject)
        let claims = jwtClaims(token)
        #expect(claims["ver"]?.stringValue == "1.0")
        #expect(claims["appid"]?.stringValue == "app-1")
        #expect(claims["appidacr"]?.stringValue == "1")
        #expect(claims["azp"] == nil)
        #expect(claims["preferred_username"] == nil)
        #expect(claims["unique_name"]?.stringValue == "ada@example.com")
        #expect(claims["oid"]?.stringValue == "oid-1")
        #expect(claims["sub"]?.stringValue == TokenIssuer.pairwiseSubject(objectId: "oid-1", clientId: "app-1"))
        #expect(claims["sub"]?.stringValue != "oid-1")
        #expect(claims["idtyp"]?.stringValue == "user")
        // A public client (no secret) is appidacr 0.
        let publicToken = try await tokens.issueGraphAccessToken(
            for: GraphPrincipal(appId: "app-1", userObjectId: "oid-1"), clientAuthentication: .publicClient)
        #expect(jwtClaims(publicToken)["appidacr"]?.stringValue == "0")
    }

    /// For an app-only token the principal is the service principal: `oid` is "the verified
    /// identity of the user or service principal", and `sub` names the same principal. Source:
    /// Learn, access token claims reference (`oid`, `sub`, `idtyp`).
    @Test("An app-only token from the token endpoint: sub = oid = the service principal's object id")
    func appOnlyClaims() async throws {
        let harness = try await IdentityHarness.make()
        let principal = try #require(
            await harness.directory.findServicePrincipal(.appId(harness.identity.adminClientId)))
        try await harness.test { client in
            let answer = try await clientCredentials(client, harness, scope: "https://graph.microsoft.com/.default")
            #expect(answer.status == .ok, "\(answer.text)")
            let claims = jwtClaims(try #require(answer.json["access_token"]?.stringValue))
            #expect(claims["sub"]?.stringValue == principal.id)
            #expect(claims["oid"]?.stringValue == principal.id)
            #expect(claims["appid"]?.stringValue == harness.identity.adminClientId)
            #expect(claims["appidacr"]?.stringValue == "1")
            #expect(claims["azp"] == nil)
            #expect(claims["idtyp"]?.stringValue == "app")
            #expect(claims["aud"]?.stringValue == "https://graph.microsoft.com")
        }
    }

    /// A national cloud's Graph tokens are for that cloud's Graph URL (Learn, national clouds:
    /// "https://graph.microsoft.us/.default" etc.; the `aud` of a v1.0 token is "the resource URI
    /// used in the request", access token claims reference). The sandbox's Graph answers at its
    /// own URL, so `{sandbox Graph URL}/.default` names Graph too, and Graph accepts either audience.
    @Test("The sandbox's own Graph URL names Microsoft Graph: a token for it, accepted by Graph")
    func sandboxGraphResource() async throws {
        let harness = try await IdentityHarness.make()
        try await harness.test { client in
            for scope in ["\(IdentityHarness.origin)/.default", "\(IdentityHarness.origin.uppercased())/.default"] {
                let answer = try await clientCredentials(client, harness, scope: scope)
                #expect(answer.status == .ok, "\(answer.text)")
                let token = try #require(answer.json["access_token"]?.stringValue)
                #expect(jwtClaims(token)["aud"]?.stringValue == IdentityHarness.origin)
                #expect(
                    try await harness.tokens.validateGraphAccessToken(token).appId == harness.identity.adminClientId)
                let graph = try await client.execute(
                    uri: "/v1.0/organization", method: .get, headers: [.authorization: "Bearer \(token)"])
                #expect(graph.status == .ok)
            }
            let withSlash = try await clientCredentials(client, harness, scope: "\(IdentityHarness.origin)//.default")
            #expect(withSlash.status == .ok)
            let other = try await clientCredentials(client, harness, scope: "https://localhost:9999/.default")
            #expect(other.status == .badRequest)
            #expect(other.json["error_codes"]?.arrayElements?.first?.numberValue == 500011)
        }
        // Delegated permissions named with the sandbox's Graph URL are Graph permissions too.
        let service = harness.service()
        let parsed = try service.parseScopes("openid \(IdentityHarness.origin)/User.Read").get()
        #expect(parsed.graph == ["User.Read"])
        #expect(parsed.graphAudience == IdentityHarness.origin)
        #expect(throws: EntraError.self) { try service.parseScopes("https://vault.azure.net/user_impersonation").get() }
    }

    /// UserInfo is "a standard OAuth bearer token API hosted by Microsoft Graph", GET or POST,
    /// needing `openid`; it returns `sub` (the id token's value), the names with `profile`,
    /// `email` with `email`, and `picture`. Source: Learn, UserInfo endpoint
    /// (MicrosoftDocs/entra-docs docs/identity-platform/userinfo.md). Without a token Graph
    /// answers 401 InvalidAuthenticationToken "Access token is empty.".
    @Test("userinfo: a user's token gives sub (as the id token), name, email; no token is Graph's 401")
    func userInfo() async throws {
        let harness = try await IdentityHarness.make()
        let app = try await harness.registerApp()
        let user = try await harness.directory.createLocalUser(
            email: "grace@example.com", password: "Passw0rd!", displayName: "Grace Hopper",
            attributes: ["givenName": "Grace", "surname": "Hopper"])
        let subject = IDTokenSubject(objectId: user.id, displayName: user.displayName, username: user.mail)
        let token = try await harness.tokens.issueGraphAccessToken(
            for: GraphPrincipal(appId: app.appId, scopes: ["openid", "profile", "email"], userObjectId: user.id),
            subject: subject)
        let idToken = try await harness.tokens.issueIDToken(clientId: app.appId, subject: subject, nonce: nil)
        try await harness.test { client in
            let config = try await client.get("\(harness.base)/v2.0/.well-known/openid-configuration").json
            let endpoint = try #require(config["userinfo_endpoint"]?.stringValue)
            let path = String(endpoint.dropFirst(IdentityHarness.origin.count))
            for method in [HTTPRequest.Method.get, .post] {
                let answer = try await client.execute(
                    uri: path, method: method, headers: [.authorization: "Bearer \(token)"])
                #expect(answer.status == .ok, "\(answer.text)")
                #expect(answer.json["sub"] == jwtClaims(idToken)["sub"])
                #expect(answer.json["name"]?.stringValue == "Grace Hopper")
                #expect(answer.json["given_name"]?.stringValue == "Grace")
                #expect(answer.json["family_name"]?.stringValue == "Hopper")
                #expect(answer.json["email"]?.stringValue == "grace@example.com")
                #expect(answer.json["picture"]?.stringValue?.hasSuffix("/v1.0/me/photo/$value") == true)
            }
            let anonymous = try await client.execute(uri: path, method: .get)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.json["error"]?["code"]?.stringValue == "InvalidAuthenticationToken")
            #expect(anonymous.json["error"]?["message"]?.stringValue == "Access token is empty.")
            #expect(anonymous.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            let garbage = try await client.execute(uri: path, method: .get, headers: [.authorization: "Bearer a.b.c"])
            #expect(garbage.status == .unauthorized)
            // An app's own token has no user to describe.
            let appOnly = try await harness.tokens.issueGraphAccessToken(for: GraphPrincipal(appId: app.appId))
            let refused = try await client.execute(
                uri: path, method: .get, headers: [.authorization: "Bearer \(appOnly)"])
            #expect(refused.status == .forbidden)
        }
    }
}
