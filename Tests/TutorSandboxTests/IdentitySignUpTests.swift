import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TutorSupport

@testable import TutorSandbox

/// An email + password sign-up in an External ID user flow verifies the address first: the
/// email, then a one-time code sent to it (`code_length` 8), then the password, then the
/// attributes the flow collects; a wrong or expired code is `invalid_grant` AADSTS50181
/// "Unable to validate the otp.", and the code can be sent again. Source: Learn, native
/// authentication API reference, sign-up steps 1–4 (MicrosoftDocs/entra-docs
/// docs/identity-platform/reference-native-authentication-api.md), which walks the same flow
/// as the hosted pages.
@Suite("Identity: sign-up verifies the email")
struct IdentitySignUpTests {
    func authorizeURI(_ harness: IdentityHarness, clientId: String) -> String {
        "\(harness.base)/oauth2/v2.0/authorize?"
            + FormEncoding.serialize([
                ("client_id", clientId), ("response_type", "code"), ("redirect_uri", "http://localhost:5000/getAToken"),
                ("scope", "openid profile offline_access"), ("state", "s-1"), ("prompt", "create"),
            ])
    }

    @Test("Email, mailed code, password, attributes: the account exists only at the end")
    func walk() async throws {
        let harness = try await IdentityHarness.make()
        let app = try await harness.registerApp(attributes: ["email", "displayName", "city"])
        try await harness.test { client in
            var browser = try await SignUpBrowser.open(
                client, harness, authorizeURI: authorizeURI(harness, clientId: app.appId))
            #expect(browser.page.text.contains("id=\"signup-form\""))
            #expect(!browser.page.text.contains("type=\"password\""))
            let verify = try await browser.submit([("email", "ada@example.com")])
            #expect(verify.status == .ok)
            #expect(verify.text.contains("id=\"verify-form\""))
            #expect(verify.text.contains("id=\"resend\""))
            let message = try #require(harness.mailbox.messages(to: "ADA@example.com").first)
            #expect(message.to == "ada@example.com")
            #expect(message.code.count == 8 && message.code.allSatisfy(\.isNumber))
            #expect(message.subject.contains("verification code"))
            #expect(!verify.text.contains(message.code))
            #expect(await !harness.directory.userExists(email: "ada@example.com"))

            let password = try await browser.submit([("code", message.code)], action: "signup_code")
            #expect(password.text.contains("id=\"password-form\""))
            let attributes = try await browser.submit([("password", "Passw0rd!"), ("confirm_password", "Passw0rd!")])
            #expect(attributes.text.contains("id=\"attributes-form\""))
            #expect(attributes.text.contains("name=\"attr_displayName\""))
            #expect(attributes.text.contains("name=\"attr_city\""))
            #expect(await !harness.directory.userExists(email: "ada@example.com"))
            let done = try await browser.submit([("attr_displayName", "Ada Lovelace"), ("attr_city", "London")])
            #expect(done.status == .found, "\(done.text)")
            #expect(done.locationParameters["code"] != nil)
            #expect(done.locationParameters["state"] == "s-1")
            let user = try #require(
                await harness.directory.verifyUserPassword(email: "ada@example.com", password: "Passw0rd!"))
            #expect(user.displayName == "Ada Lovelace")
            #expect(user.attributes["city"] == "London")
        }
    }

    @Test("A wrong code is AADSTS50181 and changes nothing; the right one still works")
    func wrongCode() async throws {
        let harness = try await IdentityHarness.make()
        let app = try await harness.registerApp()
        try await harness.test { client in
            var browser = try await SignUpBrowser.open(
                client, harness, authorizeURI: authorizeURI(harness, clientId: app.appId))
            _ = try await browser.submit([("email", "bob@example.com")])
            let code = try browser.mailedCode(to: "bob@example.com")
            let wrong = code == "00000000" ? "11111111" : "00000000"
            let refused = try await browser.submit([("code", wrong)], action: "signup_code")
            #expect(refused.status == .badRequest)
            #expect(refused.element("error")?.hasPrefix("AADSTS50181: Unable to validate the otp.") == true)
            #expect(refused.text.contains("id=\"verify-form\""))
            let accepted = try await browser.submit([("code", code)], action: "signup_code")
            #expect(accepted.text.contains("id=\"password-form\""))
        }
    }

    @Test("Resend mails a new code and voids the old one")
    func resend() async throws {
        let harness = try await IdentityHarness.make()
        let app = try await harness.registerApp()
        // No cooldown here: this test is about the new code (the cooldown has its own tests).
        try await harness.test(limits: IdentityLimits(signUpResendCooldown: .zero)) { client in
            var browser = try await SignUpBrowser.open(
                client, harness, authorizeURI: authorizeURI(harness, clientId: app.appId))
            _ = try await browser.submit([("email", "cy@example.com")])
            let first = try browser.mailedCode(to: "cy@example.com")
            let resent = try await browser.submit([], action: "signup_resend")
            #expect(resent.element("notice")?.contains("new code") == true)
            #expect(harness.mailbox.messages(to: "cy@example.com").count == 2)
            let second = try browser.mailedCode(to: "cy@example.com")
            if first != second {
                let old = try await browser.submit([("code", first)], action: "signup_code")
                #expect(old.element("error")?.contains("AADSTS50181") == true)
            }
            let accepted = try await browser.submit([("code", second)], action: "signup_code")
            #expect(accepted.text.contains("id=\"password-form\""))
        }
    }

    @Test("Codes expire, and five wrong ones void the code until a new one is sent")
    func expiryAndAttempts() async {
        let store = IdentityStore()
        let start = Date()
        let started = await store.startSignUp(clientId: "app", email: "d@example.com", browser: "b", now: start)!
        let late = start.addingTimeInterval(IdentityStore.signUpCodeLifetime + 1)
        #expect(await store.checkSignUpCode(started.id, browser: "b", code: started.code, now: late) == .expired)
        // Another browser cannot use the sign-up at all.
        #expect(await store.checkSignUpCode(started.id, browser: "other", code: started.code, now: start) == .unknown)
        guard case .sent(let fresh) = await store.resendSignUpCode(started.id, browser: "b", now: late) else {
            Issue.record("no new code after the cooldown")
            return
        }
        for attempt in 1...IdentityStore.signUpCodeAttempts {
            let check = await store.checkSignUpCode(started.id, browser: "b", code: "x", now: late)
            #expect(check == (attempt < IdentityStore.signUpCodeAttempts ? .wrong : .exhausted))
        }
        #expect(await store.checkSignUpCode(started.id, browser: "b", code: fresh, now: late) == .exhausted)
        let later = late.addingTimeInterval(IdentityLimits.standard.signUpResendCooldown.timeInterval)
        guard case .sent(let again) = await store.resendSignUpCode(started.id, browser: "b", now: later) else {
            Issue.record("no new code after the cooldown")
            return
        }
        #expect(await store.checkSignUpCode(started.id, browser: "b", code: again, now: later) == .verified)
        // The whole sign-up has a lifetime too.
        let expired = start.addingTimeInterval(IdentityStore.signUpLifetime + 1)
        #expect(await store.signUp(started.id, browser: "b", now: expired) == nil)
    }

    @Test(
        "Each page checks what it collects",
        arguments: [
            ("weak", "password", "password", "8 to 256"),
            ("mismatch", "Passw0rd!", "Passw0rd?", "do not match"),
        ])
    func passwordChecks(_ name: String, _ password: String, _ confirm: String, _ message: String) async throws {
        let harness = try await IdentityHarness.make()
        let app = try await harness.registerApp()
        try await harness.test { client in
            var browser = try await SignUpBrowser.open(
                client, harness, authorizeURI: authorizeURI(harness, clientId: app.appId))
            _ = try await browser.submit([("email", "eve@example.com")])
            _ = try await browser.submit(
                [("code", try browser.mailedCode(to: "eve@example.com"))], action: "signup_code")
            let refused = try await browser.submit([("password", password), ("confirm_password", confirm)])
            #expect(refused.status == .badRequest, "\(name)")
            #expect(refused.element("error")?.contains(message) == true, "\(name)")
            #expect(refused.text.contains("id=\"password-form\""), "\(name)")
        }
    }

    @Test("A missing attribute, a taken address and a bad address are refused on their page")
    func otherChecks() async throws {
        let harness = try await IdentityHarness.make()
        let app = try await harness.registerApp()
        try await harness.test { client in
            var browser = try await SignUpBrowser.open(
                client, harness, authorizeURI: authorizeURI(harness, clientId: app.appId))
            let bad = try await browser.submit([("email", "not-an-address")])
            #expect(bad.status == .badRequest)
            #expect(bad.element("error") == "Please enter a valid email address.")
            let taken = try await browser.submit([("email", harness.adminEmail)])
            #expect(taken.element("error")?.contains("already exists") == true)
            #expect(harness.mailbox.messages().isEmpty)
            let verify = try await browser.submit([("email", "fay@example.com")])
            #expect(verify.text.contains("id=\"verify-form\""))
            _ = try await browser.submit(
                [("code", try browser.mailedCode(to: "fay@example.com"))], action: "signup_code")
            _ = try await browser.submit([("password", "Passw0rd!"), ("confirm_password", "Passw0rd!")])
            let missing = try await browser.submit([("attr_displayName", " ")])
            #expect(missing.status == .badRequest)
            #expect(missing.element("error") == "Display name is required.")
        }
    }

    @Test("Another browser (another CSRF cookie) cannot continue a sign-up it did not start")
    func boundToBrowser() async throws {
        let harness = try await IdentityHarness.make()
        let app = try await harness.registerApp()
        try await harness.test { client in
            var browser = try await SignUpBrowser.open(
                client, harness, authorizeURI: authorizeURI(harness, clientId: app.appId))
            _ = try await browser.submit([("email", "gil@example.com")])
            let code = try browser.mailedCode(to: "gil@example.com")
            var intruder = try await SignUpBrowser.open(
                client, harness, authorizeURI: authorizeURI(harness, clientId: app.appId))
            let signUpId = try #require(browser.page.hiddenFields.first { $0.0 == "signup_id" }?.1)
            let refused = try await intruder.submit([("signup_id", signUpId), ("code", code)], action: "signup_code")
            #expect(refused.status == .badRequest)
            #expect(refused.element("error")?.contains("expired") == true)
        }
    }

    /// The mailbox `tutor sandbox mail` reads: newest first, 0600, kept across restarts.
    @Test("The mailbox writes through to mail.json (0600), newest first, capped, and reads back")
    func mailboxFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tutor-mail-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("mail.json")
        let told = LogLines()
        let mailbox = try SandboxMailbox(file: file) { told.append("\($0.to) \($0.subject)") }
        let sent = Date(timeIntervalSince1970: 1_750_000_000)
        try mailbox.send(SandboxMailMessage(to: "a@example.com", subject: "s", code: "11111111", sentAt: sent))
        try mailbox.send(
            SandboxMailMessage(to: "b@example.com", subject: "s", code: "22222222", sentAt: sent.addingTimeInterval(1)))
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let reread = try SandboxMailbox(file: file).messages()
        #expect(reread.map(\.code) == ["22222222", "11111111"])
        #expect(SandboxMailbox.filter(reread, to: " A@EXAMPLE.COM").map(\.code) == ["11111111"])
        #expect(told.all == ["a@example.com s", "b@example.com s"])
        let json = try JSONValue.parse(SandboxMailbox.jsonText(reread))
        let first = try #require(json.arrayElements?.first)
        #expect(first.objectMembers?.map(\.key) == ["to", "subject", "code", "sentAt"])
        #expect(first["sentAt"]?.stringValue == "2025-06-15T15:06:41Z")
        for index in 0..<SandboxMailbox.capacity {
            try mailbox.send(SandboxMailMessage(to: "c@example.com", subject: "s", code: "\(index)", sentAt: sent))
        }
        #expect(try SandboxMailbox.read(file: file).count == SandboxMailbox.capacity)
        try Data("not json".utf8).write(to: file)
        #expect(throws: SandboxError.self) { try SandboxMailbox.read(file: file) }
    }
}
