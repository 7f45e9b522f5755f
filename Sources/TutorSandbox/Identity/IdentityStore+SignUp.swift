import Foundation

/// A sign-up between its first page and the account: the email address, the one-time code sent
/// to it, and how far the user got. Bound to the browser (its CSRF cookie) that started it.
struct PendingSignUp: Sendable {
    /// Where the user is in the flow.
    enum Stage: Sendable, Equatable {
        /// The code was sent; the user must enter it.
        case awaitingCode
        /// The address is verified; the user must choose a password.
        case awaitingPassword
        /// The password is chosen (kept in memory only until the account exists); the user must
        /// give the attributes the user flow collects.
        case awaitingAttributes(password: String)
    }

    var clientId: String
    var email: String
    var browser: String
    var code: String
    /// When the current code was mailed, for the resend cooldown.
    var codeSentAt: Date
    var codeExpiresAt: Date
    var wrongCodes: Int
    var stage: Stage
    var expiresAt: Date
}

/// What asking for a new one-time code got.
enum SignUpResend: Sendable, Equatable {
    /// A new code, the old one void: mail it.
    case sent(code: String)
    /// The last code was mailed too recently: no new code, no mail; try again after this long.
    case tooSoon(retryAfter: TimeInterval)
    /// No sign-up waiting for a code for this browser.
    case unknown
}

/// What checking a one-time code found.
enum SignUpCodeCheck: Sendable, Equatable {
    /// The right code, in time: the address is verified.
    case verified
    /// Not the code sent.
    case wrong
    /// The code's lifetime has passed.
    case expired
    /// Too many wrong codes: this code is void, only a new one helps.
    case exhausted
    /// No such sign-up for this browser (expired, finished, or another browser's).
    case unknown
}

extension IdentityStore {
    /// How long a one-time code is accepted.
    static let signUpCodeLifetime: TimeInterval = 600
    /// How long a sign-up may take from email to account.
    static let signUpLifetime: TimeInterval = 1800
    /// Wrong codes accepted before the code is void.
    static let signUpCodeAttempts = 5
    /// Sign-ups kept at once; more are refused until some expire.
    static let pendingSignUpLimit = 1000

    /// Starts a sign-up for `email` and returns its id and code; nil when too many are pending.
    func startSignUp(clientId: String, email: String, browser: String, now: Date = Date()) -> (
        id: String, code: String
    )? {
        signUps = signUps.filter { $0.value.expiresAt > now }
        guard signUps.count < Self.pendingSignUpLimit else { return nil }
        let id = FormEncoding.randomToken()
        let code = Self.makeOneTimeCode()
        signUps[id] = PendingSignUp(
            clientId: clientId, email: email, browser: browser, code: code, codeSentAt: now,
            codeExpiresAt: now.addingTimeInterval(Self.signUpCodeLifetime), wrongCodes: 0, stage: .awaitingCode,
            expiresAt: now.addingTimeInterval(Self.signUpLifetime))
        return (id, code)
    }

    /// The sign-up `id` if this browser started it and it has not expired.
    func signUp(_ id: String, browser: String, now: Date = Date()) -> PendingSignUp? {
        guard let pending = signUps[id], pending.browser == browser, pending.expiresAt > now else { return nil }
        return pending
    }

    /// Replaces the code of a sign-up waiting for one, unless the last one was mailed less than
    /// `limits.signUpResendCooldown` ago (then the old code stays valid and nothing is sent).
    func resendSignUpCode(_ id: String, browser: String, now: Date = Date()) -> SignUpResend {
        guard var pending = signUp(id, browser: browser, now: now), pending.stage == .awaitingCode else {
            return .unknown
        }
        let nextAllowed = pending.codeSentAt.addingTimeInterval(limits.signUpResendCooldown.timeInterval)
        guard nextAllowed <= now else { return .tooSoon(retryAfter: nextAllowed.timeIntervalSince(now)) }
        pending.code = Self.makeOneTimeCode()
        pending.codeSentAt = now
        pending.codeExpiresAt = now.addingTimeInterval(Self.signUpCodeLifetime)
        pending.wrongCodes = 0
        signUps[id] = pending
        return .sent(code: pending.code)
    }

    /// Checks `code` against the sign-up's; a right one moves it on to the password.
    func checkSignUpCode(_ id: String, browser: String, code: String, now: Date = Date()) -> SignUpCodeCheck {
        guard var pending = signUp(id, browser: browser, now: now), pending.stage == .awaitingCode else {
            return .unknown
        }
        guard pending.wrongCodes < Self.signUpCodeAttempts else { return .exhausted }
        guard pending.codeExpiresAt > now else { return .expired }
        let typed = code.filter { !$0.isWhitespace }
        let matches =
            typed.utf8.count == pending.code.utf8.count
            && zip(typed.utf8, pending.code.utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
        guard matches else {
            pending.wrongCodes += 1
            signUps[id] = pending
            return pending.wrongCodes >= Self.signUpCodeAttempts ? .exhausted : .wrong
        }
        pending.stage = .awaitingPassword
        signUps[id] = pending
        return .verified
    }

    /// Records the password chosen for a verified sign-up.
    func setSignUpPassword(_ id: String, browser: String, password: String) -> Bool {
        guard var pending = signUp(id, browser: browser), pending.stage == .awaitingPassword else { return false }
        pending.stage = .awaitingAttributes(password: password)
        signUps[id] = pending
        return true
    }

    /// Ends a sign-up (its account exists, or it was abandoned).
    func finishSignUp(_ id: String) {
        signUps[id] = nil
    }

    /// Eight digits, as Entra's email one-time codes (`code_length` 8).
    static func makeOneTimeCode() -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<8).map { _ in "0123456789".randomElement(using: &generator)! })
    }
}
