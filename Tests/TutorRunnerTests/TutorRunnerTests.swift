import Foundation
import Testing
import TutorSupport

@testable import TutorRunner

@Suite struct TemplateTests {
    @Test func expandsWithJSONEscaping() throws {
        let text = try Template.expand(#"{"a": "{{name}}"}"#, with: ["name": "x\"y\\z\n"], context: .json)
        #expect(text == #"{"a": "x\"y\\z\n"}"#)
        #expect(try JSONValue.parse(text)["a"]?.stringValue == "x\"y\\z\n")
    }

    @Test func expandsURLsWithPercentEncoding() throws {
        let url = try Template.expand(
            "https://graph.microsoft.com/v1.0/applications?$filter=displayName eq '{{name}}'",
            with: ["name": "my app&co/é"], context: .url)
        #expect(
            url == "https://graph.microsoft.com/v1.0/applications?$filter=displayName%20eq%20'my%20app%26co%2F%C3%A9'")
    }

    @Test func unknownVariableIsNamed() {
        #expect(throws: Template.UnknownVariable(name: "missing")) {
            try Template.expand("a {{ missing }} b", with: [:], context: .plain)
        }
    }

    @Test func listsVariablesAndLeavesOtherBracesAlone() throws {
        #expect(Template.variables(in: "{{a}}/{{ b }}/{{not a var!}}") == ["a", "b"])
        #expect(try Template.expand("{{not a var!}}", with: [:], context: .plain) == "{{not a var!}}")
    }
}

@Suite struct JSONPathTests {
    let document = try! JSONValue.parse(
        #"{"a": {"b": "deep"}, "list": [10, 20], "value": [{"k": "x", "id": "1"}, {"k": "v", "id": "2", "n": {"m": true}}]}"#
    )

    @Test(arguments: [
        ("$.a.b", "deep"), ("$.list[0]", "10"), ("$.list[-1]", "20"), ("$.value[?(@.k=='v')].id", "2"),
        (#"$.value[?(@.k == "x")].id"#, "1"), ("$['a']['b']", "deep"), ("$.value[?(@.n.m==true)].id", "2"),
        ("$.value[1].n", #"{"m":true}"#),
    ])
    func selects(path: String, expected: String) throws {
        #expect(try JSONPath(path).first(in: document)?.capturedText == expected)
    }

    @Test func missingGivesNothing() throws {
        #expect(try JSONPath("$.value[?(@.k=='none')].id").first(in: document) == nil)
        #expect(try JSONPath("$.list[5]").first(in: document) == nil)
        #expect(try JSONPath("$.a.c").first(in: document) == nil)
    }

    @Test(arguments: ["a.b", "$.", "$[", "$.value[?(@.k='v')]", "$[abc]"])
    func rejectsBadSyntax(path: String) {
        #expect(throws: JSONPath.SyntaxError.self) { try JSONPath(path) }
    }
}

@Suite struct SubsetMatcherTests {
    func check(_ expected: String, _ actual: String) throws -> String? {
        SubsetMatcher.mismatch(expected: try JSONValue.parse(expected), actual: try JSONValue.parse(actual))
    }

    @Test func matchesSubsetsAndWildcards() throws {
        #expect(try check(#"{"a": 1, "id": "*"}"#, #"{"id": "x", "a": 1.0, "extra": [1]}"#) == nil)
        #expect(try check(#"{"list": [{"k": "v"}]}"#, #"{"list": [{"k": "w"}, {"k": "v", "z": 1}]}"#) == nil)
        #expect(try check(#"{"any": "*"}"#, #"{"any": null}"#) == nil)
    }

    @Test func namesTheFirstDifference() throws {
        #expect(try check(#"{"a": {"b": 1}}"#, #"{"a": {"b": 2}}"#) == "$.a.b: expected 1, got 2")
        #expect(try check(#"{"id": "*"}"#, #"{}"#) == "$.id: missing")
        #expect(try check(#"{"l": ["x"]}"#, #"{"l": ["y"]}"#) == #"$.l[0]: no element matches "x""#)
        #expect(try check(#"{"l": []}"#, #"{"l": {}}"#) == "$.l: expected an array, got an object")
    }
}

@Suite struct RetryPolicyTests {
    @Test func parsesRetryAfterSecondsAndFractions() {
        #expect(RetryPolicy.retryAfter("3") == .seconds(3))
        #expect(RetryPolicy.retryAfter(" 1.5 ") == .milliseconds(1500))
        #expect(RetryPolicy.retryAfter("-2") == .zero)
        #expect(RetryPolicy.retryAfter("soon") == nil)
    }

    @Test func parsesRetryAfterHTTPDates() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)  // Tue, 14 Nov 2023 22:13:20 GMT
        #expect(RetryPolicy.retryAfter("Tue, 14 Nov 2023 22:13:25 GMT", now: now) == .seconds(5))
        #expect(RetryPolicy.retryAfter("Tue, 14 Nov 2023 22:13:00 GMT", now: now) == .zero)
    }

    @Test func backoffGrowsWithJitterWithinBounds() {
        let policy = RetryPolicy()
        for attempt in 1...12 {
            let full = min(Duration.milliseconds(200) * (1 << (attempt - 1)), policy.maximumDelay)
            for _ in 0..<50 {
                let delay = policy.backoff(attempt: attempt)
                #expect(delay >= full / 2 && delay <= full)
                let poll = policy.backoff(attempt: attempt, polling: true)
                #expect(poll <= policy.maximumPollDelay)
            }
        }
    }
}

@Suite struct TenantTests {
    let connection = TenantConnection(
        name: "sandbox", tenantId: "t", subdomain: "contoso", graphURL: "https://localhost:8443/",
        loginURL: "https://localhost:8443", authority: "https://localhost:8443/t", isSandbox: true, caFile: nil,
        credential: .accessToken("x"))

    @Test func rebasesLearnURLs() {
        #expect(
            connection.rebase("https://graph.microsoft.com/v1.0/applications?$top=1")
                == "https://localhost:8443/v1.0/applications?$top=1")
        #expect(
            connection.rebase("https://contoso.ciamlogin.com/contoso.onmicrosoft.com")
                == "https://localhost:8443/contoso.onmicrosoft.com")
        #expect(connection.rebase("https://example.com/x") == "https://example.com/x")
        #expect(connection.rebase("https://graph.microsoft.community/x") == "https://graph.microsoft.community/x")
    }

    @Test func externalTenantsGetPublicCloudEndpoints() {
        let byName = TenantConnection.external(
            tenant: "contoso", graphURL: nil, loginURL: nil, caFile: nil, credential: .accessToken("x"))
        #expect(byName.authority == "https://contoso.ciamlogin.com/contoso.onmicrosoft.com")
        #expect(byName.graphURL == "https://graph.microsoft.com")
        #expect(byName.subdomain == "contoso")
        let byId = TenantConnection.external(
            tenant: "8a7f2b1c-0000-4000-8000-000000000001", graphURL: "https://graph.microsoft.us/", loginURL: nil,
            caFile: nil, credential: .accessToken("x"))
        #expect(byId.tenantId == "8a7f2b1c-0000-4000-8000-000000000001")
        #expect(byId.subdomain == nil)
        #expect(byId.graphURL == "https://graph.microsoft.us")
    }

    @Test func decodesTokenClaims() throws {
        let token = FakeGraph.makeToken(roles: ["Application.ReadWrite.All"], scp: "User.Read openid")
        let claims = try #require(AccessTokenClaims(token: token))
        #expect(claims.roles == ["Application.ReadWrite.All"])
        #expect(claims.scopes == ["User.Read", "openid"])
        #expect(claims.tenantId == FakeGraph.tenantId)
        #expect(AccessTokenClaims(token: "opaque") == nil)
        #expect(PermissionCheck.satisfies(claims.permissions, "Application.Read.All"))
        #expect(!PermissionCheck.satisfies(claims.permissions, "User.Read.All"))
    }
}
