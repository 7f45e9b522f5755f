import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TutorSupport

@testable import TutorSandbox

/// The resend cooldown of sign-up's email one-time code.
///
/// Sources: Microsoft documents that email verification refuses codes asked for too often,
/// with the message "There have been too many requests to verify this email address. Please
/// wait a while, then try again." (Azure AD B2C's `ver_fail_throttled`,
/// MicrosoftDocs/azure-docs `articles/active-directory-b2c/localization-string-ids.md`;
/// https://learn.microsoft.com/azure/active-directory-b2c/localization-string-ids). External ID's
/// hosted pages are not documented string by string, and no interval is documented anywhere
/// we found (MicrosoftDocs/entra-docs `external-id/customers/reference-service-limits.md` gives
/// only request rates). The sandbox's 60 seconds is its own conservative choice, said so in
/// docs/sandbox-identity.md.
@Suite("Sign-up resend cooldown")
struct SignUpResendTests {
    @Test("A resend within the cooldown sends nothing and keeps the code; after it a new code")
    func storeCooldown() async {
        let store = IdentityStore()
        let start = Date()
        let cooldown = IdentityLimits.standard.signUpResendCooldown.timeInterval
        #expect(cooldown == 60)
        let started = await store.startSignUp(clientId: "app", email: "e@example.com", browser: "b", now: start)!
        let soon = start.addingTimeInterval(cooldown - 1)
        #expect(await store.resendSignUpCode(started.id, browser: "b", now: soon) == .tooSoon(retryAfter: 1))
        // Another browser's resend is not a resend of this sign-up at all.
        #expect(await store.resendSignUpCode(started.id, browser: "other", now: soon) == .unknown)
        guard
            case .sent(let fresh) = await store.resendSignUpCode(
                started.id, browser: "b", now: start.addingTimeInterval(cooldown))
        else {
            Issue.record("no new code once the cooldown is over")
            return
        }
        #expect(fresh.count == 8)
        // The cooldown starts again from the new mail.
        let afterFresh = start.addingTimeInterval(cooldown + 10)
        #expect(
            await store.resendSignUpCode(started.id, browser: "b", now: afterFresh)
                == .tooSoon(retryAfter: cooldown - 10))
        #expect(await store.checkSignUpCode(started.id, browser: "b", code: fresh, now: afterFresh) == .verified)
    }

    @Test("Resend code clicked at once: Entra's message, 429, no new mail, the first code still works")
    func resendTooSoonThroughThePages() async throws {
        let harness = try await IdentityHarness.make()
        let app = try await harness.registerApp()
        try await harness.test { client in
            var browser = try await SignUpBrowser.open(
                client, harness, authorizeURI: IdentitySignUpTests().authorizeURI(harness, clientId: app.appId))
            _ = try await browser.submit([("email", "fay@example.com")])
            let first = try browser.mailedCode(to: "fay@example.com")
            let refused = try await browser.submit([], action: "signup_resend")
            #expect(refused.status == .tooManyRequests)
            #expect(refused.element("error")?.contains("too many requests to verify this email address") == true)
            #expect(refused.element("notice") == nil)
            // What `tutor sandbox mail` lists: still the one message.
            #expect(harness.mailbox.messages(to: "fay@example.com").count == 1)
            let accepted = try await browser.submit([("code", first)], action: "signup_code")
            #expect(accepted.text.contains("id=\"password-form\""))
        }
    }
}
