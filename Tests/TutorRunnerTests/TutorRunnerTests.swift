import Foundation
import Testing
import TutorSupport

@testable import TutorRunner

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

    /// A replication wait ends at most one poll delay and two round trips after the object
    /// becomes visible; at 50 ms a round trip that must stay under 250 ms (Benchmarks/README.md).
    @Test func pollDelayKeepsTheReplicationOvershootShort() {
        let policy = RetryPolicy()
        let roundTrip = Duration.milliseconds(50)
        #expect(policy.maximumPollDelay + roundTrip * 2 < .milliseconds(250))
        for attempt in 1...12 {
            #expect(policy.backoff(attempt: attempt, polling: true) >= policy.maximumPollDelay / 2)
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
