import Foundation
import Testing

@testable import TutorSandbox

@Suite("Sign-in form helpers")
struct IdentityFormTests {
    @Test("Form bodies decode percent escapes and plus signs; the first value of a name wins")
    func parseForm() {
        let fields = FormEncoding.parse("a=1&b=two+words&c=%E2%9C%93&a=2&empty=&flag")
        #expect(fields["a"] == "1")
        #expect(fields["b"] == "two words")
        #expect(fields["c"] == "✓")
        #expect(fields["empty"] == "")
        #expect(fields["flag"] == "")
    }

    @Test("Serializing and parsing round-trip")
    func roundTrip() {
        let pairs = [("redirect_uri", "http://localhost:5000/getAToken?x=1&y=2"), ("scope", "openid profile")]
        let parsed = FormEncoding.parse(Substring(FormEncoding.serialize(pairs)))
        #expect(parsed["redirect_uri"] == pairs[0].1)
        #expect(parsed["scope"] == pairs[1].1)
    }

    @Test("HTML escaping covers markup and both quotes")
    func html() {
        #expect(FormEncoding.html(#"<a href="x">'&'</a>"#) == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
    }

    @Test("Cookies are found by exact name")
    func cookies() {
        let header = "sandbox_csrf_old=1; sandbox_csrf=abc; other=x"
        #expect(FormEncoding.cookie("sandbox_csrf", in: header) == "abc")
        #expect(FormEncoding.cookie("missing", in: header) == nil)
        #expect(FormEncoding.cookie("x", in: nil) == nil)
    }

    @Test(
        "Passwords need 8 to 256 characters of three kinds",
        arguments: [
            ("Passw0rd", true), ("password1", false), ("PASSWORD!", false), ("Pa1!", false), ("pass word!1", true),
            (String(repeating: "aA1", count: 90), false),
        ])
    func passwordPolicy(_ password: String, _ acceptable: Bool) {
        #expect((IdentityService.passwordProblem(password) == nil) == acceptable)
    }

    @Test("Scopes split into OIDC scopes and Graph permissions; other resources are refused")
    func scopes() async throws {
        let service = try await IdentityHarness.make().service()
        let parsed = try service.parseScopes(
            "openid offline_access https://graph.microsoft.com/User.Read Application.ReadWrite.All"
        ).get()
        #expect(parsed.oidc == ["openid", "offline_access"])
        #expect(parsed.graph == ["User.Read", "Application.ReadWrite.All"])
        #expect(!parsed.graphDefault)
        #expect(try service.parseScopes("https://graph.microsoft.com/.default").get().graphDefault)
        #expect(throws: EntraError.self) {
            try service.parseScopes("https://vault.azure.net/user_impersonation").get()
        }
    }

    @Test("Control characters in a logged path cannot forge log lines")
    func logPath() {
        #expect(RequestLogMiddleware<SandboxRequestContext>.safePath("/a\nb\u{7F}") == "/a?b?")
        #expect(RequestLogMiddleware<SandboxRequestContext>.safePath("/v1.0/applications") == "/v1.0/applications")
    }
}
