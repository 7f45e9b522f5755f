import Foundation
import HTTPTypes
import Hummingbird
import TutorSupport

/// The sign-up pages' form actions, in the order a user meets them.
enum SignUpAction: String, Sendable {
    /// The email address: a code is sent to it.
    case email = "signup"
    /// The code from the email.
    case code = "signup_code"
    /// A new code, the old one void.
    case resend = "signup_resend"
    /// The new password.
    case password = "signup_password"
    /// The user flow's attributes: the account is created.
    case attributes = "signup_attributes"
}

/// Where a sign-up form leads: another page, or a new account signed in.
enum SignUpStep {
    case page(Response)
    case signedUp(SignedInUser)
}

extension IdentityService {
    /// One step of an email + password sign-up, as an External ID user flow walks it: email →
    /// one-time code sent to it → new password → attributes → account. A wrong or expired code is
    /// AADSTS50181 ("Unable to validate the otp.", Learn's native authentication API reference:
    /// https://learn.microsoft.com/entra/identity-platform/reference-native-authentication-api).
    func signUpStep(_ action: SignUpAction, form: [String: String], request: Request, page: SignInPageContext) async
        -> SignUpStep
    {
        // The CSRF check passed, so the browser has its cookie: the sign-up is bound to it.
        let browser = FormEncoding.cookie(Self.csrfCookie, in: request.headers[.cookie]) ?? ""
        if action == .email {
            return .page(await startSignUp(form: form, browser: browser, page: page))
        }
        let id = form["signup_id"] ?? ""
        guard let pending = await store.signUp(id, browser: browser) else {
            return .page(
                page.signUpEmail(
                    email: "", error: "Your sign-up session expired. Please start again.", status: .badRequest))
        }
        switch action {
        case .email:
            return .page(await startSignUp(form: form, browser: browser, page: page))
        case .resend:
            let code: String
            switch await store.resendSignUpCode(id, browser: browser) {
            case .sent(let new): code = new
            case .unknown: return .page(expiredSignUp(page))
            case .tooSoon:
                // Entra's refusal for email verification asked too often (B2C's
                // `ver_fail_throttled`); the code already mailed stays valid.
                return .page(
                    page.signUpPage(signUpId: id, status: .tooManyRequests) {
                        SignInPages.verifyEmail(
                            $0, email: pending.email,
                            error:
                                "There have been too many requests to verify this email address. Please wait a while, then try again.",
                            notice: nil)
                    })
            }
            if let failure = sendCode(code, to: pending.email) { return .page(failure) }
            return .page(
                page.signUpPage(signUpId: id) {
                    SignInPages.verifyEmail(
                        $0, email: pending.email, error: nil, notice: "We sent a new code to \(pending.email).")
                })
        case .code:
            let problem: String
            switch await store.checkSignUpCode(id, browser: browser, code: form["code"] ?? "") {
            case .verified:
                return .page(page.signUpPage(signUpId: id) { SignInPages.newPassword($0, error: nil) })
            case .wrong: problem = "That code is incorrect. Check the code and try again."
            case .expired: problem = "That code has expired. Select Resend code to get a new one."
            case .exhausted: problem = "Too many incorrect codes. Select Resend code to get a new one."
            case .unknown: return .page(expiredSignUp(page))
            }
            return .page(
                page.signUpPage(signUpId: id, status: .badRequest) {
                    SignInPages.verifyEmail(
                        $0, email: pending.email, error: "AADSTS50181: Unable to validate the otp. \(problem)",
                        notice: nil)
                })
        case .password:
            let password = form["password"] ?? ""
            if let problem = Self.passwordProblem(password)
                ?? (form["confirm_password"] == password
                    ? nil : "The passwords do not match.")
            {
                return .page(
                    page.signUpPage(signUpId: id, status: .badRequest) { SignInPages.newPassword($0, error: problem) })
            }
            guard await store.setSignUpPassword(id, browser: browser, password: password) else {
                return .page(expiredSignUp(page))
            }
            let attributes = page.userFlow.attributesToCollect.filter { $0 != "email" }
            if attributes.isEmpty {
                return await createAccount(id: id, email: pending.email, password: password, values: [:], page: page)
            }
            return .page(
                page.signUpPage(signUpId: id) {
                    SignInPages.signUpAttributes($0, attributes: attributes, values: [:], error: nil)
                })
        case .attributes:
            guard case .awaitingAttributes(let password) = pending.stage else { return .page(expiredSignUp(page)) }
            let attributes = page.userFlow.attributesToCollect.filter { $0 != "email" }
            var values: [String: String] = [:]
            for attribute in attributes {
                values[attribute] = (form["attr_\(attribute)"] ?? "").trimmingCharacters(in: .whitespaces)
            }
            if let missing = attributes.first(where: { (values[$0] ?? "").isEmpty }) {
                let problem = "\(SignInPages.attributeLabels[missing] ?? missing) is required."
                return .page(
                    page.signUpPage(signUpId: id, status: .badRequest) {
                        SignInPages.signUpAttributes($0, attributes: attributes, values: values, error: problem)
                    })
            }
            return await createAccount(id: id, email: pending.email, password: password, values: values, page: page)
        }
    }

    /// The first page's form: checks the address, starts the sign-up and sends the code.
    func startSignUp(form: [String: String], browser: String, page: SignInPageContext) async -> Response {
        let email = (form["email"] ?? "").trimmingCharacters(in: .whitespaces)
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !email.contains(" ") else {
            return page.signUpEmail(email: email, error: "Please enter a valid email address.", status: .badRequest)
        }
        if await directory.userExists(email: email) {
            return page.signUpEmail(
                email: email, error: "A user with this email address already exists. Sign in instead.",
                status: .badRequest)
        }
        guard
            let started = await store.startSignUp(
                clientId: page.application.appId, email: email, browser: browser)
        else {
            return page.signUpEmail(
                email: email, error: "Too many sign-ups are in progress. Please try again later.",
                status: .tooManyRequests)
        }
        if let failure = sendCode(started.code, to: email) { return failure }
        return page.signUpPage(signUpId: started.id) {
            SignInPages.verifyEmail($0, email: email, error: nil, notice: nil)
        }
    }

    /// Mails `code` to `address`; an error page when the mailbox cannot be written.
    func sendCode(_ code: String, to address: String) -> Response? {
        do {
            try mailbox.send(
                SandboxMailMessage(
                    to: address, subject: "\(subdomain) account email verification code", code: code, sentAt: Date()))
            return nil
        } catch {
            return htmlResponse(
                SignInPages.error(code: nil, message: "The sandbox could not keep the email: \(error)"),
                status: .internalServerError)
        }
    }

    func expiredSignUp(_ page: SignInPageContext) -> Response {
        page.signUpEmail(email: "", error: "Your sign-up session expired. Please start again.", status: .badRequest)
    }

    func createAccount(id: String, email: String, password: String, values: [String: String], page: SignInPageContext)
        async -> SignUpStep
    {
        var attributes = values
        let displayName = attributes.removeValue(forKey: "displayName") ?? email
        do {
            let created = try await directory.createLocalUser(
                email: email, password: password, displayName: displayName, attributes: attributes)
            await store.finishSignUp(id)
            return .signedUp(SignedInUser(sandboxUser: created))
        } catch {
            await store.finishSignUp(id)
            let message = (error as? SandboxError)?.message ?? "\(error)"
            return .page(page.signUpEmail(email: email, error: message, status: .badRequest))
        }
    }
}
