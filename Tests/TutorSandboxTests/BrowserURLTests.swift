import Testing

@testable import TutorSandbox

/// Cases from the WHATWG URL Standard's test suite (web-platform-tests, url/resources/
/// urltestdata.json, https://github.com/web-platform-tests/wpt/tree/master/url), parsed
/// without a base: what a browser's `new URL(input).href` gives, or a failure.
@Suite("Browser URL parsing (WHATWG)")
struct BrowserURLTests {
    @Test(
        "Parses as browsers do",
        arguments: [
            ("http://example\t.\norg", "http://example.org/"),
            ("http://user:pass@foo:21/bar;par?b#c", "http://user:pass@foo:21/bar;par?b#c"),
            ("http:\\\\www.google.com\\foo", "http://www.google.com/foo"),
            ("http://foo:80/", "http://foo/"),
            ("https://foo:443/", "https://foo/"),
            ("http://foo:443/", "http://foo:443/"),
            ("http://f:00000000000000/c", "http://f:0/c"),
            ("http:/example.com/", "http://example.com/"),
            ("  http://example.com/  ", "http://example.com/"),
            ("HTTP://GOO.com", "http://goo.com/"),
            ("http://%41.com", "http://a.com/"),
            ("http://www/foo%2Ehtml", "http://www/foo%2Ehtml"),
            ("http://example.com/foo/../bar", "http://example.com/bar"),
            ("http://example.com/foo/%2e%2E/bar", "http://example.com/bar"),
            ("http://example.com/foo/bar/..", "http://example.com/foo/"),
            ("http://example.com////../..", "http://example.com//"),
            ("http://a/b/c/./../../g", "http://a/g"),
            ("http://example.com/foo bar", "http://example.com/foo%20bar"),
            ("http://example.com/\u{E9}", "http://example.com/%C3%A9"),
            ("http://example.com/a?q=a b'c#f g", "http://example.com/a?q=a%20b%27c#f%20g"),
            ("http://@www.example.com", "http://www.example.com/"),
            ("http://0x7f.1/", "http://127.0.0.1/"),
            ("http://2130706433/", "http://127.0.0.1/"),
            ("http://0177.0.0.1/", "http://127.0.0.1/"),
            ("http://09.com", "http://09.com/"),
            ("http://[::1]:8080/", "http://[::1]:8080/"),
            ("http://[1:0::]", "http://[1::]/"),
            ("http://[0:0:0:0:0:0:0:1]/", "http://[::1]/"),
            ("http://[::127.0.0.1]", "http://[::7f00:1]/"),
            ("http://[0:0:0:0:0:0:13.1.68.3]", "http://[::d01:4403]/"),
            ("http://[2001:DB8::0:1]/", "http://[2001:db8::1]/"),
            // The sign-out hole: a browser goes to evil.example, the rest is path.
            ("http://evil.example\\@localhost:5000/", "http://evil.example/@localhost:5000/"),
            ("http://localhost:5000\\@evil.example/", "http://localhost:5000/@evil.example/"),
        ])
    func parses(input: String, href: String) throws {
        #expect(try BrowserURL.parse(input).href == href)
    }

    @Test(
        "Refuses what browsers refuse (and hosts that need IDNA)",
        arguments: [
            "http://f:999999/c", "http://f: /c", "http://f:b/c", "http://192.168.0.257", "http://1.2.3.4.5",
            "http://0..0x300/", "http://foo.09", "http://foo.0x4", "http://[1::2::3]/", "http://[::1/",
            "http://a b/", "http://a<b/", "http://user@/", "http://", "https://fa\u{DF}.example/",
        ])
    func refuses(input: String) {
        #expect(throws: BrowserURL.Failure.self) { try BrowserURL.parse(input) }
    }

    @Test("Userinfo is what precedes the last '@' of the authority")
    func userinfo() throws {
        let url = try BrowserURL.parse("http://a@b@c:8/x")
        #expect(url.hasUserinfo)
        #expect(url.username == "a%40b")
        #expect(url.host == "c")
        #expect(url.port == 8)
        #expect(try !BrowserURL.parse("http://c/x@y").hasUserinfo)
    }

    @Test("Other schemes are told apart from missing ones")
    func schemes() {
        #expect(throws: BrowserURL.Failure.otherScheme("msal1234")) { try BrowserURL.parse("msal1234://auth") }
        #expect(throws: BrowserURL.Failure.missingScheme) { try BrowserURL.parse("//example.com/") }
    }

    @Test(
        "Loopback hosts are localhost, 127.0.0.0/8 and [::1], in any spelling a browser accepts",
        arguments: [
            ("http://localhost:5000/", true), ("http://LOCALHOST/", true), ("http://127.0.0.1/", true),
            ("http://127.1/", true), ("http://2130706433/", true), ("http://[0::1]/", true),
            ("http://127.0.0.1.evil.example/", false), ("http://localhost.evil.example/", false),
            ("http://128.0.0.1/", false),
        ])
    func loopback(input: String, expected: Bool) throws {
        #expect(try BrowserURL.parse(input).isLoopback == expected)
    }
}
