import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TutorSupport

@testable import TutorSandbox

@Suite("Identity endpoints")
struct IdentityEndpointTests {
    // MARK: Discovery

    @Test("OpenID configuration answers for the tenant id and the onmicrosoft.com domain")
    func discovery() async throws {
        let harness = try await IdentityHarness.make()
        try await harness.test { client in
            for tenant in [harness.identity.tenantId, "\(harness.identity.subdomain).onmicrosoft.com".uppercased()] {
                let response = try await client.get("/\(tenant)/v2.0/.well-known/openid-configuration")
                #expect(response.status == .ok)
                let config = response.json
                #expect(config["issuer"]?.stringValue == "https://127.0.0.1:8443/\(harness.identity.tenantId)/v2.0")
                #expect(
                    config["token_endpoint"]?.stringValue
                        == "\(IdentityHarness.origin)/\(harness.identity.tenantId)/oauth2/v2.0/token")
                #expect(
                    config["device_authorization_endpoint"]?.stringValue?.hasSuffix("/oauth2/v2.0/devicecode") == true)
                #expect(config["end_session_endpoint"]?.stringValue?.hasSuffix("/oauth2/v2.0/logout") == true)
            }
            let v1 = try await client.get("\(harness.base)/.well-known/openid-configuration")
            #expect(v1.json["end_session_endpoint"] != nil)
            let unknown = try await client.get("/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration")
            #expect(unknown.status == .badRequest)
            #expect(unknown.json["error"]?.stringValue == "invalid_tenant")
            #expect(unknown.text.contains("AADSTS90002"))
        }
    }

    @Test("The JWKS holds the key that signs tokens")
    func jwks() async throws {
        let harness = try await IdentityHarness.make()
        try await harness.test { client in
            let keys = try await client.get("\(harness.base)/discovery/v2.0/keys").json["keys"]?.arrayElements ?? []
            #expect(keys.count == 1)
            #expect(keys.first?["kid"]?.stringValue == harness.tokens.keyId)
            #expect(keys.first?["kty"]?.stringValue == "RSA")
            #expect(keys.first?["e"]?.stringValue == "AQAB")
        }
    }

    // MARK: Client credentials

    @Test("Client credentials give the admin app its Graph roles")
    func clientCredentials() async throws {
        let harness = try await IdentityHarness.make()
        try await harness.test { client in
            let response = try await client.postForm(
                "\(harness.base)/oauth2/v2.0/token",
                [
                    ("grant_type", "client_credentials"), ("client_id", harness.identity.adminClientId),
                    ("client_secret", harness.adminSecret), ("scope", "https://graph.microsoft.com/.default"),
                ])
            #expect(response.status == .ok)
            #expect(response.headers[.cacheControl]?.contains("no-store") == true)
            let token = try #require(response.json["access_token"]?.stringValue)
            let principal = try await harness.tokens.validateGraphAccessToken(token)
            #expect(principal.appId == harness.identity.adminClientId)
            #expect(principal.roles.isSuperset(of: ["Application.ReadWrite.All", "Organization.Read.All"]))
            #expect(principal.userObjectId == nil)
            let servicePrincipal = await harness.directory.findServicePrincipal(.appId(harness.identity.adminClientId))
            #expect(jwtClaims(token)["oid"]?.stringValue == servicePrincipal?.id)
            // The token works on Graph.
            let organization = try await client.execute(
                uri: "/v1.0/organization", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(organization.status == .ok)
        }
    }

    @Test("Client secret in an Authorization: Basic header works too")
    func basicAuthentication() async throws {
        let harness = try await IdentityHarness.make()
        try await harness.test { client in
            let credentials = Data("\(harness.identity.adminClientId):\(harness.adminSecret)".utf8)
                .base64EncodedString()
            let response = try await client.postForm(
                "\(harness.base)/oauth2/v2.0/token",
                [("grant_type", "client_credentials"), ("scope", "00000003-0000-0000-c000-000000000000/.default")],
                headers: [.authorization: "Basic \(credentials)"])
            #expect(response.status == .ok)
        }
    }

    @Test(
        "Client credential errors are Entra's",
        arguments: [
            ("wrong secret", "admin", "nope", "https://graph.microsoft.com/.default", 401, "invalid_client", 7_000_215),
            (
                "unknown app", "unknown", "nope", "https://graph.microsoft.com/.default", 400, "unauthorized_client",
                700016
            ),
            ("no secret", "admin", "", "https://graph.microsoft.com/.default", 401, "invalid_client", 7_000_218),
            ("not .default", "admin", "secret", "User.Read", 400, "invalid_scope", 1_002_012),
            ("other resource", "admin", "secret", "https://vault.azure.net/.default", 400, "invalid_resource", 500011),
        ])
    func clientCredentialErrors(
        _ name: String, _ who: String, _ secret: String, _ scope: String, _ status: Int, _ error: String, _ code: Int
    ) async throws {
        let harness = try await IdentityHarness.make()
        let clientId = who == "admin" ? harness.identity.adminClientId : UUID().uuidString.lowercased()
        let secretValue = secret == "secret" ? harness.adminSecret : secret
        try await harness.test { client in
            var fields = [("grant_type", "client_credentials"), ("client_id", clientId), ("scope", scope)]
            if !secretValue.isEmpty { fields.append(("client_secret", secretValue)) }
            let response = try await client.postForm("\(harness.base)/oauth2/v2.0/token", fields)
            #expect(Int(response.status.code) == status, "\(name)")
            #expect(response.json["error"]?.stringValue == error, "\(name)")
            #expect(response.json["error_codes"]?.arrayElements?.first?.numberValue == Double(code), "\(name)")
            #expect(response.json["error_description"]?.stringValue?.hasPrefix("AADSTS\(code):") == true, "\(name)")
            #expect(response.json["trace_id"] != nil && response.json["correlation_id"] != nil)
        }
    }

    @Test("A grant type the tenant does not know is unsupported_grant_type; a missing one is invalid_request")
    func grantTypes() async throws {
        let harness = try await IdentityHarness.make()
        try await harness.test { client in
            let unknown = try await client.postForm(
                "\(harness.base)/oauth2/v2.0/token",
                [("grant_type", "password"), ("client_id", harness.identity.adminClientId)])
            #expect(unknown.json["error"]?.stringValue == "unsupported_grant_type")
            let missing = try await client.postForm(
                "\(harness.base)/oauth2/v2.0/token", [("client_id", harness.identity.adminClientId)])
            #expect(missing.json["error"]?.stringValue == "invalid_request")
            let json = try await client.execute(
                uri: "\(harness.base)/oauth2/v2.0/token", method: .post,
                headers: [.contentType: "application/json"], body: ByteBuffer(string: "{}"))
            #expect(json.status == .badRequest)
        }
    }

    // MARK: Authorize page

    func authorizeURI(
        _ harness: IdentityHarness, clientId: String, redirectUri: String = "http://localhost:5000/getAToken",
        challenge: String? = nil, extra: [(String, String)] = []
    ) -> String {
        var parameters = [
            ("client_id", clientId), ("response_type", "code"), ("redirect_uri", redirectUri),
            ("scope", "openid profile offline_access"), ("state", "state-123"), ("nonce", "nonce-456"),
        ]
        if let challenge { parameters += [("code_challenge", challenge), ("code_challenge_method", "S256")] }
        return "\(harness.base)/oauth2/v2.0/authorize?" + FormEncoding.serialize(parameters + extra)
    }

    @Test("The authorize page refuses unknown apps and unregistered redirect URIs without redirecting")
    func authorizeRefusals() async throws {
        let harness = try await IdentityHarness.make()
        let app = try await harness.registerApp()
        try await harness.test { client in
            let unknown = try await client.get(authorizeURI(harness, clientId: UUID().uuidString.lowercased()))
            #expect(unknown.status == .badRequest)
            #expect(unknown.text.contains("AADSTS700016"))
            #expect(unknown.headers[.location] == nil)
            let mismatch = try await client.get(
                authorizeURI(harness, clientId: app.appId, redirectUri: "https://evil.example/callback"))
            #expect(mismatch.status == .badRequest)
            #expect(mismatch.text.contains("AADSTS50011"))
            #expect(mismatch.headers[.location] == nil)
        }
    }

    @Test("An app in no user flow cannot sign users in")
    func noUserFlow() async throws {
        let harness = try await IdentityHarness.make()
        let app = try await harness.registerApp(userFlow: false)
        try await harness.test { client in
            let response = try await client.get(authorizeURI(harness, clientId: app.appId))
            #expect(response.status == .badRequest)
            #expect(response.text.contains("not part of any user flow"))
            #expect(!response.text.contains("signin-form"))
        }
    }

    @Test("Scopes without admin consent send consent_required back to the app")
    func consentRequired() async throws {
        let harness = try await IdentityHarness.make()
        let app = try await harness.registerApp(scopes: "User.Read")
        try await harness.test { client in
            let response = try await client.get(authorizeURI(harness, clientId: app.appId))
            #expect(response.status == .found)
            #expect(response.locationParameters["error"] == "consent_required")
            #expect(response.locationParameters["error_description"]?.contains("AADSTS65001") == true)
            #expect(response.locationParameters["state"] == "state-123")
        }
    }

    @Test("A silent request (prompt=none) answers login_required to the app")
    func silentRequest() async throws {
        let harness = try await IdentityHarness.make()
        let app = try await harness.registerApp()
        try await harness.test { client in
            let response = try await client.get(authorizeURI(harness, clientId: app.appId, extra: [("prompt", "none")]))
            #expect(response.status == .found)
            #expect(response.locationParameters["error"] == "login_required")
            #expect(response.locationParameters["state"] == "state-123")
        }
    }

    @Test("Only S256 PKCE challenges are accepted")
    func plainPKCE() async throws {
        let harness = try await IdentityHarness.make()
        let app = try await harness.registerApp()
        try await harness.test { client in
            let response = try await client.get(
                authorizeURI(
                    harness, clientId: app.appId,
                    extra: [("code_challenge", "abc"), ("code_challenge_method", "plain")]))
            #expect(response.locationParameters["error"] == "invalid_request")
        }
    }

    /// Signs a new user up through the pages (email, mailed code, password, attributes); returns
    /// the redirect's parameters.
    func signUp(
        _ client: any TestClientProtocol, _ harness: IdentityHarness, appId: String, challenge: String?,
        email: String = "ada@example.com", password: String = "Passw0rd!"
    ) async throws -> [String: String] {
        var browser = try await SignUpBrowser.open(
            client, harness,
            authorizeURI: authorizeURI(harness, clientId: appId, challenge: challenge, extra: [("prompt", "create")]))
        #expect(browser.page.status == .ok)
        #expect(browser.page.text.contains("id=\"signup-form\""))
        let answer = try await browser.signUp(
            email: email, password: password, attributes: [("displayName", "Ada Lovelace")])
        #expect(answer.status == .found, "\(answer.text)")
        #expect(answer.headers[values: .setCookie].contains { $0.hasPrefix("sandbox_session=") })
        return answer.locationParameters
    }

    @Test("Sign-up, then the code is redeemed once with PKCE for tokens MSAL can use")
    func authorizationCode() async throws {
        let harness = try await IdentityHarness.make()
        let app = try await harness.registerApp()
        let pkce = pkcePair()
        try await harness.test { client in
            let redirect = try await signUp(client, harness, appId: app.appId, challenge: pkce.challenge)
            #expect(redirect["state"] == "state-123")
            let code = try #require(redirect["code"])
            let redeem: [(String, String)] = [
                ("grant_type", "authorization_code"), ("client_id", app.appId), ("client_secret", app.secret),
                ("code", code), ("redirect_uri", "http://localhost:5000/getAToken"),
                ("code_verifier", pkce.verifier), ("client_info", "1"),
                ("scope", "openid profile offline_access"),
            ]
            let tokens = try await client.postForm("\(harness.base)/oauth2/v2.0/token", redeem)
            #expect(tokens.status == .ok, "\(tokens.text)")
            let idToken = try #require(tokens.json["id_token"]?.stringValue)
            let claims = jwtClaims(idToken)
            #expect(claims["aud"]?.stringValue == app.appId)
            #expect(claims["nonce"]?.stringValue == "nonce-456")
            #expect(claims["name"]?.stringValue == "Ada Lovelace")
            #expect(claims["preferred_username"]?.stringValue == "ada@example.com")
            #expect(claims["tid"]?.stringValue == harness.identity.tenantId)
            #expect(claims["iss"]?.stringValue == harness.tokens.issuer)
            #expect(claims["ver"]?.stringValue == "2.0")
            #expect(claims["oid"]?.stringValue?.isEmpty == false)
            #expect(claims["sub"]?.stringValue?.isEmpty == false)
            #expect(tokens.json["refresh_token"]?.stringValue != nil)
            #expect(tokens.json["client_info"]?.stringValue != nil)
            let scope = tokens.json["scope"]?.stringValue?.split(separator: " ").map(String.init) ?? []
            #expect(Set(scope).isSuperset(of: ["openid", "profile", "offline_access"]))
            let access = try await harness.tokens.validateGraphAccessToken(
                try #require(tokens.json["access_token"]?.stringValue))
            #expect(access.userObjectId == claims["oid"]?.stringValue)
            #expect(access.scopes.contains("openid"))
            // A user now exists in the directory.
            #expect(await harness.directory.userExists(email: "ada@example.com"))

            // The code is single use.
            let again = try await client.postForm("\(harness.base)/oauth2/v2.0/token", redeem)
            #expect(again.status == .badRequest)
            #expect(again.json["error"]?.stringValue == "invalid_grant")
            #expect(again.json["error_codes"]?.arrayElements?.first?.numberValue == 54005)

            // The refresh token gives new tokens.
            let refreshed = try await client.postForm(
                "\(harness.base)/oauth2/v2.0/token",
                [
                    ("grant_type", "refresh_token"), ("client_id", app.appId), ("client_secret", app.secret),
                    ("refresh_token", try #require(tokens.json["refresh_token"]?.stringValue)),
                    ("scope", "openid profile offline_access"),
                ])
            #expect(refreshed.status == .ok, "\(refreshed.text)")
            #expect(jwtClaims(try #require(refreshed.json["id_token"]?.stringValue))["oid"] == claims["oid"])
            let stolen = try await client.postForm(
                "\(harness.base)/oauth2/v2.0/token",
                [
                    ("grant_type", "refresh_token"), ("client_id", harness.identity.adminClientId),
                    ("client_secret", harness.adminSecret),
                    ("refresh_token", try #require(tokens.json["refresh_token"]?.stringValue)),
                ])
            #expect(stolen.json["error"]?.stringValue == "invalid_grant")
        }
    }

    @Test(
        "A code is bound to its verifier, redirect URI and client",
        arguments: ["verifier", "redirect", "client", "no verifier"])
    func codeBinding(_ mismatch: String) async throws {
        let harness = try await IdentityHarness.make()
        let app = try await harness.registerApp()
        let other = try await harness.registerApp()
        let pkce = pkcePair()
        try await harness.test { client in
            let code = try #require(
                try await signUp(client, harness, appId: app.appId, challenge: pkce.challenge)["code"])
            var fields: [(String, String)] = [
                ("grant_type", "authorization_code"), ("code", code),
                (
                    "redirect_uri",
                    mismatch == "redirect" ? "http://localhost:5000/other" : "http://localhost:5000/getAToken"
                ),
            ]
            fields +=
                mismatch == "client"
                ? [("client_id", other.appId), ("client_secret", other.secret)]
                : [("client_id", app.appId), ("client_secret", app.secret)]
            if mismatch != "no verifier" {
                fields.append(("code_verifier", mismatch == "verifier" ? pkcePair().verifier : pkce.verifier))
            }
            let response = try await client.postForm("\(harness.base)/oauth2/v2.0/token", fields)
            #expect(response.status == .badRequest)
            #expect(response.json["error"]?.stringValue == "invalid_grant")
            #expect(response.json["access_token"] == nil)
        }
    }

    @Test("The sign-up form needs the CSRF token bound to the browser's cookie")
    func csrf() async throws {
        let harness = try await IdentityHarness.make()
        let app = try await harness.registerApp()
        try await harness.test { client in
            let page = try await client.get(authorizeURI(harness, clientId: app.appId))
            let csrf = try #require(page.hiddenField("csrf_token"))
            let fields: [(String, String)] = [
                ("client_id", app.appId), ("response_type", "code"),
                ("redirect_uri", "http://localhost:5000/getAToken"),
                ("scope", "openid"), ("sandbox_action", "signin"), ("email", harness.adminEmail),
                ("password", harness.adminSecret), ("csrf_token", csrf),
            ]
            let noCookie = try await client.postForm("\(harness.base)/oauth2/v2.0/authorize", fields)
            #expect(noCookie.status == .badRequest)
            #expect(noCookie.headers[.location] == nil)
            let otherCookie = try await client.postForm(
                "\(harness.base)/oauth2/v2.0/authorize", fields, cookies: "sandbox_csrf=someone-else")
            #expect(otherCookie.status == .badRequest)
            let good = try await client.postForm(
                "\(harness.base)/oauth2/v2.0/authorize", fields, cookies: page.cookies)
            #expect(good.status == .found)
            #expect(good.locationParameters["code"] != nil)
        }
    }

    @Test("Sign-in with a wrong password shows the form again; sign-up is refused when the flow forbids it")
    func signInErrors() async throws {
        let harness = try await IdentityHarness.make()
        let app = try await harness.registerApp(signUpAllowed: false)
        try await harness.test { client in
            let page = try await client.get(authorizeURI(harness, clientId: app.appId, extra: [("prompt", "create")]))
            #expect(page.text.contains("signin-form"))
            #expect(!page.text.contains("signup-link"))
            let csrf = try #require(page.hiddenField("csrf_token"))
            let base: [(String, String)] = [
                ("client_id", app.appId), ("response_type", "code"),
                ("redirect_uri", "http://localhost:5000/getAToken"),
                ("scope", "openid"), ("csrf_token", csrf), ("email", "new@example.com"), ("password", "Passw0rd!"),
                ("confirm_password", "Passw0rd!"), ("attr_displayName", "New"),
            ]
            let wrong = try await client.postForm(
                "\(harness.base)/oauth2/v2.0/authorize", base + [("sandbox_action", "signin")], cookies: page.cookies)
            #expect(wrong.status == .ok)
            #expect(wrong.text.contains("incorrect"))
            let signUp = try await client.postForm(
                "\(harness.base)/oauth2/v2.0/authorize", base + [("sandbox_action", "signup")], cookies: page.cookies)
            #expect(signUp.status == .badRequest)
            #expect(await harness.directory.userExists(email: "new@example.com") == false)
        }
    }

    // MARK: Device code

    @Test("Device code: pending until the administrator enters the code, then tokens once")
    func deviceCode() async throws {
        let harness = try await IdentityHarness.make()
        try await harness.test { client in
            let start = try await client.postForm(
                "\(harness.base)/oauth2/v2.0/devicecode",
                [
                    ("client_id", harness.identity.adminClientId),
                    ("scope", "Application.ReadWrite.All openid offline_access"),
                ])
            #expect(start.status == .ok)
            let deviceCode = try #require(start.json["device_code"]?.stringValue)
            let userCode = try #require(start.json["user_code"]?.stringValue)
            #expect(start.json["interval"]?.numberValue == 5)
            let poll: [(String, String)] = [
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("client_id", harness.identity.adminClientId), ("device_code", deviceCode),
            ]
            let pending = try await client.postForm("\(harness.base)/oauth2/v2.0/token", poll)
            #expect(pending.json["error"]?.stringValue == "authorization_pending")

            let page = try await client.get("\(harness.base)/oauth2/deviceauth")
            let csrf = try #require(page.hiddenField("csrf_token"))
            let wrongCode = try await client.postForm(
                "\(harness.base)/oauth2/deviceauth",
                [
                    ("otc", "AAAAAAAAA"), ("email", harness.adminEmail), ("password", harness.adminSecret),
                    ("csrf_token", csrf),
                ],
                cookies: page.cookies)
            #expect(wrongCode.text.contains("Check the code and try again"))
            let badPassword = try await client.postForm(
                "\(harness.base)/oauth2/deviceauth",
                [("otc", userCode), ("email", harness.adminEmail), ("password", "nope"), ("csrf_token", csrf)],
                cookies: page.cookies)
            #expect(badPassword.text.contains("incorrect"))
            let approved = try await client.postForm(
                "\(harness.base)/oauth2/deviceauth",
                [
                    ("otc", userCode.lowercased()), ("email", harness.adminEmail), ("password", harness.adminSecret),
                    ("csrf_token", csrf),
                ], cookies: page.cookies)
            #expect(approved.text.contains("device-done"))

            let tokens = try await client.postForm("\(harness.base)/oauth2/v2.0/token", poll)
            #expect(tokens.status == .ok, "\(tokens.text)")
            let principal = try await harness.tokens.validateGraphAccessToken(
                try #require(tokens.json["access_token"]?.stringValue))
            #expect(principal.scopes.contains("Application.ReadWrite.All"))
            #expect(principal.userObjectId != nil)
            #expect(
                jwtClaims(try #require(tokens.json["id_token"]?.stringValue))["preferred_username"]?.stringValue
                    == harness.adminEmail)
            let again = try await client.postForm("\(harness.base)/oauth2/v2.0/token", poll)
            #expect(again.json["error"]?.stringValue == "invalid_grant")
        }
    }

    @Test("Device code needs a known app")
    func deviceCodeUnknownApp() async throws {
        let harness = try await IdentityHarness.make()
        try await harness.test { client in
            let response = try await client.postForm(
                "\(harness.base)/oauth2/v2.0/devicecode", [("client_id", UUID().uuidString), ("scope", "openid")])
            #expect(response.status == .badRequest)
            #expect(response.text.contains("AADSTS700016"))
        }
    }

    // MARK: Logout

    @Test("Logout redirects only to URIs of the app the browser signed in to")
    func logout() async throws {
        let harness = try await IdentityHarness.make()
        let app = try await harness.registerApp()
        try await harness.test { client in
            let page = try await client.get(authorizeURI(harness, clientId: app.appId))
            let csrf = try #require(page.hiddenField("csrf_token"))
            let signedIn = try await client.postForm(
                "\(harness.base)/oauth2/v2.0/authorize",
                [
                    ("client_id", app.appId), ("response_type", "code"),
                    ("redirect_uri", "http://localhost:5000/getAToken"), ("scope", "openid"), ("csrf_token", csrf),
                    ("sandbox_action", "signin"), ("email", harness.adminEmail), ("password", harness.adminSecret),
                ], cookies: page.cookies)
            let session = signedIn.cookies
            #expect(session.contains("sandbox_session="))

            let evil = try await client.get(
                "\(harness.base)/oauth2/v2.0/logout?post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F",
                cookies: session)
            #expect(evil.status == .ok)
            #expect(evil.headers[.location] == nil)

            // The first logout ended the session: sign in again for the good case.
            let again = try await client.postForm(
                "\(harness.base)/oauth2/v2.0/authorize",
                [
                    ("client_id", app.appId), ("response_type", "code"),
                    ("redirect_uri", "http://localhost:5000/getAToken"), ("scope", "openid"), ("csrf_token", csrf),
                    ("sandbox_action", "signin"), ("email", harness.adminEmail), ("password", harness.adminSecret),
                ], cookies: page.cookies)
            let good = try await client.get(
                "\(harness.base)/oauth2/v2.0/logout?post_logout_redirect_uri=http%3A%2F%2FLOCALHOST%3A5000%2FgetAToken&state=s1",
                cookies: again.cookies)
            #expect(good.status == .found)
            #expect(good.headers[.location] == "http://localhost:5000/getAToken?state=s1")
            #expect(good.headers[values: .setCookie].contains { $0.contains("Max-Age=0") })

            let anonymous = try await client.get(
                "\(harness.base)/oauth2/v2.0/logout?post_logout_redirect_uri=http%3A%2F%2Flocalhost%3A5000%2F")
            #expect(anonymous.headers[.location] == nil)
            let named = try await client.get(
                "\(harness.base)/oauth2/v2.0/logout?client_id=\(app.appId)&post_logout_redirect_uri=http%3A%2F%2Flocalhost%3A5000%2FgetAToken"
            )
            #expect(named.status == .found)
            // A page on the registered URI's site: Entra sends the browser there too
            // (MicrosoftDocs/azure-docs#37242), which the `identity` package's sign-out relies on.
            let sameSite = try await client.get(
                "\(harness.base)/oauth2/v2.0/logout?client_id=\(app.appId)&post_logout_redirect_uri=http%3A%2F%2Flocalhost%3A5000%2F"
            )
            #expect(sameSite.status == .found)
            #expect(sameSite.headers[.location] == "http://localhost:5000/")
            // Another port is another site.
            let otherPort = try await client.get(
                "\(harness.base)/oauth2/v2.0/logout?client_id=\(app.appId)&post_logout_redirect_uri=http%3A%2F%2Flocalhost%3A5001%2F"
            )
            #expect(otherPort.status == .ok)
            #expect(otherPort.headers[.location] == nil)
        }
    }
}
