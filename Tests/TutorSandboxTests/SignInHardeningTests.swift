import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TutorSupport

@testable import TutorSandbox

/// Codes consumed by any redemption attempt, Entra-shaped 413s, smart lockout, device code caps.
@Suite("Sign-in hardening")
struct SignInHardeningTests {
    let endpoints = IdentityEndpointTests()

    /// RFC 6749 §4.1.2: "The client MUST NOT use the authorization code more than once";
    /// §10.5: codes are short-lived and single-use. The sandbox consumes a code on the first
    /// attempt, even one that fails, so a failed attempt gives no second try.
    @Test(
        "A failed redemption consumes the code",
        arguments: ["wrong verifier", "wrong redirect URI", "wrong secret", "no secret"])
    func failedRedemptionConsumes(_ failure: String) async throws {
        let harness = try await IdentityHarness.make()
        let app = try await harness.registerApp()
        let pkce = pkcePair()
        try await harness.test { client in
            let code = try #require(
                try await endpoints.signUp(client, harness, appId: app.appId, challenge: pkce.challenge)["code"])
            let good: [(String, String)] = [
                ("grant_type", "authorization_code"), ("client_id", app.appId), ("client_secret", app.secret),
                ("code", code), ("redirect_uri", "http://localhost:5000/getAToken"), ("code_verifier", pkce.verifier),
            ]
            var bad = good
            switch failure {
            case "wrong verifier": bad[5] = ("code_verifier", pkcePair().verifier)
            case "wrong redirect URI": bad[4] = ("redirect_uri", "http://localhost:5000/other")
            case "wrong secret": bad[2] = ("client_secret", "not-the-secret")
            default: bad.remove(at: 2)
            }
            let first = try await client.postForm("\(harness.base)/oauth2/v2.0/token", bad)
            #expect(first.status.code >= 400, "\(failure)")
            let second = try await client.postForm("\(harness.base)/oauth2/v2.0/token", good)
            #expect(second.status == .badRequest, "\(failure): \(second.text)")
            #expect(second.json["error"]?.stringValue == "invalid_grant")
            #expect(second.json["error_codes"]?.arrayElements?.first?.numberValue == 54005)
            #expect(second.json["access_token"] == nil)
        }
    }

    @Test("A body over 1 MB gets 413 in Entra's error shape")
    func tooLarge() async throws {
        let harness = try await IdentityHarness.make()
        try await harness.test { client in
            for path in ["oauth2/v2.0/token", "oauth2/v2.0/devicecode", "oauth2/v2.0/authorize"] {
                let response = try await client.postForm(
                    "\(harness.base)/\(path)", [("padding", String(repeating: "a", count: 2 << 20))],
                    headers: [.init("client-request-id")!: "5a1b7c9d-0000-4000-8000-000000000001"])
                #expect(response.status == .contentTooLarge, "\(path)")
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let body = response.json
                #expect(body["error"]?.stringValue == "invalid_request")
                #expect(body["error_description"]?.stringValue?.hasPrefix("AADSTS90004: ") == true)
                #expect(body["error_codes"]?.arrayElements?.first?.numberValue == 90004)
                #expect(body["timestamp"]?.stringValue?.isEmpty == false)
                #expect(body["trace_id"]?.stringValue?.isEmpty == false)
                #expect(body["correlation_id"]?.stringValue == "5a1b7c9d-0000-4000-8000-000000000001")
            }
        }
    }

    /// Entra's smart lockout locks an account for a minute after 10 failed sign-ins, and does
    /// not count a repeated wrong password
    /// (https://learn.microsoft.com/entra/identity/authentication/howto-password-smart-lockout);
    /// AADSTS50053 is IdsLocked. Here the threshold is 3 and the lock lasts one second.
    @Test("Repeated wrong passwords lock the account, even against the right one, for a while")
    func lockout() async throws {
        let harness = try await IdentityHarness.make()
        let app = try await harness.registerApp()
        let limits = IdentityLimits(lockoutThreshold: 3, lockoutDuration: .seconds(1))
        try await harness.test(limits: limits) { client in
            let page = try await client.get(endpoints.authorizeURI(harness, clientId: app.appId))
            let csrf = try #require(page.hiddenField("csrf_token"))
            func signIn(_ password: String, email: String? = nil) async throws -> TestResponse {
                try await client.postForm(
                    "\(harness.base)/oauth2/v2.0/authorize",
                    [
                        ("client_id", app.appId), ("response_type", "code"),
                        ("redirect_uri", "http://localhost:5000/getAToken"), ("scope", "openid"),
                        ("csrf_token", csrf), ("sandbox_action", "signin"), ("email", email ?? harness.adminEmail),
                        ("password", password),
                    ], cookies: page.cookies)
            }
            // The same wrong password, again and again, does not lock.
            for _ in 0..<5 { #expect(try await signIn("wrong-1").text.contains("incorrect")) }
            #expect(try await signIn(harness.adminSecret).status == .found)

            #expect(try await signIn("wrong-1").text.contains("incorrect"))
            #expect(try await signIn("wrong-2").text.contains("incorrect"))
            let third = try await signIn("wrong-3")
            #expect(third.text.contains("AADSTS50053"))
            let right = try await signIn(harness.adminSecret)
            #expect(right.status == .ok)
            #expect(right.headers[.location] == nil)
            #expect(right.text.contains("AADSTS50053"))
            // Unknown accounts are not tracked (nothing to lock, nothing to remember).
            for index in 0..<5 {
                #expect(try await signIn("wrong-\(index)", email: "nobody@example.com").text.contains("incorrect"))
            }

            try await Task.sleep(for: .milliseconds(1300))
            let after = try await signIn(harness.adminSecret)
            #expect(after.status == .found, "\(after.text)")
            #expect(after.locationParameters["code"] != nil)
        }
    }

    /// Entra interrupts a client that repeats a request more than 15 times in five minutes with
    /// AADSTS50196 (https://learn.microsoft.com/entra/identity-platform/reference-breaking-changes#looping-clients-will-be-interrupted)
    /// and throttles a tenant with AADSTS90055 (reference-error-codes). Here: 2 per client, 3 in all.
    @Test("Pending device codes are capped per client and in total, and expired ones are purged")
    func deviceCodeCaps() async throws {
        let harness = try await IdentityHarness.make()
        let first = try await harness.registerApp()
        let second = try await harness.registerApp()
        try await harness.test(limits: IdentityLimits(pendingDeviceCodesPerClient: 2, pendingDeviceCodes: 3)) {
            client in
            func start(_ clientId: String) async throws -> TestResponse {
                try await Self.startDeviceFlow(client, harness, clientId: clientId)
            }
            #expect(try await start(first.appId).status == .ok)
            #expect(try await start(first.appId).status == .ok)
            let loop = try await start(first.appId)
            #expect(loop.status == .badRequest)
            #expect(loop.json["error"]?.stringValue == "invalid_grant")
            #expect(loop.json["error_codes"]?.arrayElements?.first?.numberValue == 50196)

            #expect(try await start(second.appId).status == .ok)
            let full = try await start(harness.identity.adminClientId)
            #expect(full.status == .tooManyRequests)
            #expect(full.json["error_codes"]?.arrayElements?.first?.numberValue == 90055)
            #expect(full.headers[.retryAfter] != nil)

        }
        // With room for one code in all, a second client gets one only once the first expired
        // and was purged.
        let expiring = IdentityLimits(pendingDeviceCodes: 1, deviceCodeLifetime: .seconds(1))
        try await harness.test(limits: expiring) { client in
            let started = try await Self.startDeviceFlow(client, harness, clientId: first.appId)
            #expect(started.status == .ok)
            #expect(started.json["expires_in"]?.numberValue == 1)
            try await Task.sleep(for: .milliseconds(1200))
            let again = try await Self.startDeviceFlow(client, harness, clientId: second.appId)
            #expect(again.status == .ok, "\(again.text)")
        }
    }

    static func startDeviceFlow(_ client: any TestClientProtocol, _ harness: IdentityHarness, clientId: String)
        async throws -> TestResponse
    {
        try await client.postForm(
            "\(harness.base)/oauth2/v2.0/devicecode", [("client_id", clientId), ("scope", "openid")])
    }
}
