import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TutorSupport

@testable import TutorSandbox

/// Redirect URIs at registration (Graph) and at sign-in and sign-out (the browser's target).
@Suite("Redirect URIs")
struct RedirectURITests {
    /// URIs a browser and a URL library can read as different places, or that Entra refuses:
    /// userinfo, backslashes, control characters and spaces, `! $ ' ( ) , ;`
    /// (https://learn.microsoft.com/entra/identity-platform/reply-url), http off the loopback.
    static let refused = [
        "http://evil.example\\@localhost:5000/", "http://evil.example@localhost:5000/",
        "https://user:pw@app.example/cb", "http://@localhost/cb", "https://app.example/a\\b",
        "https://app.example/a\u{01}b", "https://app.example/a b", "http://localhost:5000/\tcb",
        "https://app.example/cb;x", "http://127.0.0.1.evil.example/cb", "https://app.example/\u{85}",
    ]

    static func body(platform: String, uri: String) -> String {
        JSONValue.object([
            .init("displayName", .string("redirect test")),
            .init(platform, .object([.init("redirectUris", .array([.string(uri)]))])),
        ]).serialized()
    }

    @Test("Graph refuses unsafe redirect URIs on create, for every platform", arguments: refused)
    func refusedOnCreate(uri: String) async throws {
        try await GraphHarness().run { graph in
            for platform in ["web", "spa", "publicClient"] {
                let reply = try await graph.send(
                    .post, "/v1.0/applications", json: Self.body(platform: platform, uri: uri))
                #expect(reply.status == 400, "\(platform): \(uri)")
                #expect(reply.errorCode == "Request_BadRequest")
                // Graph's wording names the platform object (microsoftgraph/msgraph-sdk-powershell#3149).
                #expect(
                    reply.json?["error"]?["message"]?.stringValue
                        == "Invalid value specified for property '\(platform)' of resource 'Application'.")
            }
        }
    }

    @Test("Graph refuses unsafe redirect URIs on PATCH and leaves the app as it was", arguments: refused)
    func refusedOnPatch(uri: String) async throws {
        try await GraphHarness().run { graph in
            let app = try await graph.createApplication(
                "patched", extra: #", "web": {"redirectUris": ["https://app.example/cb"]}"#)
            let id = try #require(app["id"]?.stringValue)
            let reply = try await graph.send(
                .patch, "/v1.0/applications/\(id)", json: Self.body(platform: "web", uri: uri))
            #expect(reply.status == 400, "\(uri)")
            let after = try await graph.send(.get, "/v1.0/applications/\(id)")
            #expect(after.json?["web"]?["redirectUris"] == .strings(["https://app.example/cb"]))
            let logout = try await graph.send(
                .patch, "/v1.0/applications/\(id)",
                json: JSONValue.object([.init("web", .object([.init("logoutUrl", .string(uri))]))]).serialized())
            #expect(logout.status == 400, "logoutUrl \(uri)")
        }
    }

    @Test("Custom schemes are for public clients only; loopback http in any browser spelling is fine")
    func platforms() async throws {
        try await GraphHarness().run { graph in
            let custom = "msal0a1b2c3d-0000-1111-2222-333344445555://auth"
            let publicClient = try await graph.send(
                .post, "/v1.0/applications", json: Self.body(platform: "publicClient", uri: custom))
            #expect(publicClient.status == 201)
            let web = try await graph.send(.post, "/v1.0/applications", json: Self.body(platform: "web", uri: custom))
            #expect(web.status == 400)
            for uri in ["http://127.1:5000/cb", "http://[::1]/cb", "HTTP://LOCALHOST:5000/getAToken"] {
                let reply = try await graph.send(
                    .post, "/v1.0/applications", json: Self.body(platform: "web", uri: uri))
                #expect(reply.status == 201, "\(uri)")
            }
        }
    }

    @Test(
        "A target matches a registered URI only as the same browser URL",
        arguments: [
            ("http://localhost:5000/getAToken", "http://localhost:5000/getAToken"),
            ("HTTP://LOCALHOST:5000/getAToken", "http://localhost:5000/getAToken"),
            ("https://app.example:443/cb", "https://app.example/cb"),
            ("http://localhost:5000/getatoken", nil),
            ("http://localhost:5000/getAToken/", nil),
            ("http://localhost:5000/", nil),
            ("http://localhost:5001/getAToken", nil),
            ("http://evil.example\\@localhost:5000/getAToken", nil),
            ("http://localhost:5000\\@evil.example/getAToken", nil),
            ("http://x@localhost:5000/getAToken", nil),
        ] as [(String, String?)])
    func matching(target: String, expected: String?) {
        let registered = ["http://localhost:5000/getAToken", "https://app.example/cb"]
        #expect(RedirectURIRules.registeredMatch(target, among: registered) == expected)
    }

    @Test("Sign-out never sends the browser to a URL that only looks registered")
    func logoutOpenRedirect() async throws {
        let harness = try await IdentityHarness.make()
        let app = try await harness.registerApp(redirectUri: "http://localhost:5000/")
        try await harness.test { client in
            for target in [
                "http://evil.example\\@localhost:5000/", "http://evil.example@localhost:5000/",
                "http://localhost:5000\\@evil.example/", "http:\\\\evil.example\\localhost:5000/",
                "http://localhost:5000/\r\nSet-Cookie: x=y",
            ] {
                let query = FormEncoding.serialize([("client_id", app.appId), ("post_logout_redirect_uri", target)])
                let response = try await client.get("\(harness.base)/oauth2/v2.0/logout?" + query)
                #expect(response.status == .ok, "\(target)")
                #expect(response.headers[.location] == nil, "\(target)")
            }
            let registered = try await client.get(
                "\(harness.base)/oauth2/v2.0/logout?"
                    + FormEncoding.serialize([
                        ("client_id", app.appId), ("post_logout_redirect_uri", "http://localhost:5000/"),
                    ]))
            #expect(registered.status == .found)
            #expect(registered.headers[.location] == "http://localhost:5000/")
        }
    }

    @Test("Authorize answers only to the registered URI, never to a look-alike")
    func authorizeLookAlike() async throws {
        let harness = try await IdentityHarness.make()
        let app = try await harness.registerApp()
        try await harness.test { client in
            for target in [
                "http://evil.example\\@localhost:5000/getAToken", "http://evil.example@localhost:5000/getAToken",
            ] {
                let uri = IdentityEndpointTests().authorizeURI(harness, clientId: app.appId, redirectUri: target)
                let response = try await client.get(uri)
                #expect(response.status == .badRequest, "\(target)")
                #expect(response.text.contains("AADSTS50011"))
                #expect(response.headers[.location] == nil)
            }
        }
    }
}
