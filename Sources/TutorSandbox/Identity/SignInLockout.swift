import Crypto
import Foundation

/// Entra's smart lockout for the sandbox's password forms: after `threshold` wrong passwords an
/// account refuses every sign-in for `duration`, and each further wrong password after that locks
/// it again. Repeating the same wrong password does not count (Entra remembers the last three).
/// https://learn.microsoft.com/entra/identity/authentication/howto-password-smart-lockout
///
/// Only existing accounts are tracked, so the memory it holds is bounded by the tenant's users.
actor SignInLockout {
    /// An account's state: open, or locked for so long still.
    enum Verdict: Sendable, Equatable {
        case open
        case locked(remaining: Duration)
    }

    struct Account {
        var failures = 0
        var recentWrongPasswords: [SHA256Digest] = []
        var lockedUntil: ContinuousClock.Instant?
    }

    let threshold: Int
    let duration: Duration
    private var accounts: [String: Account] = [:]
    /// Salts the digests of wrong passwords kept in memory.
    private let salt = SymmetricKey(size: .bits256)

    init(threshold: Int, duration: Duration) {
        self.threshold = max(1, threshold)
        self.duration = duration
    }

    /// Whether `email` may try a password now.
    func verdict(for email: String, now: ContinuousClock.Instant = .now) -> Verdict {
        guard let until = accounts[Self.key(email)]?.lockedUntil, until > now else { return .open }
        return .locked(remaining: until - now)
    }

    /// Counts a wrong password for an existing account; returns the verdict after it.
    @discardableResult
    func recordFailure(email: String, password: String, now: ContinuousClock.Instant = .now) -> Verdict {
        let key = Self.key(email)
        var account = accounts[key] ?? Account()
        let digest = salt.withUnsafeBytes { SHA256.hash(data: Data($0) + Data(password.utf8)) }
        if !account.recentWrongPasswords.contains(digest) {
            account.recentWrongPasswords = Array((account.recentWrongPasswords + [digest]).suffix(3))
            account.failures += 1
            if account.failures >= threshold { account.lockedUntil = now + duration }
        }
        accounts[key] = account
        return verdict(for: email, now: now)
    }

    /// A right password: the count starts over.
    func recordSuccess(email: String) {
        accounts[Self.key(email)] = nil
    }

    static func key(_ email: String) -> String { email.lowercased() }
}

extension IdentityService {
    /// What a password form's email and password amount to.
    enum PasswordCheck: Sendable {
        case signedIn(SandboxUser)
        case wrong
        case locked(remaining: Duration)
    }

    /// Checks a password form under smart lockout: a locked account is refused without looking
    /// at the password; a wrong password for an existing account counts towards the lock.
    func checkPassword(email: String, password: String) async -> PasswordCheck {
        if case .locked(let remaining) = await lockout.verdict(for: email) { return .locked(remaining: remaining) }
        if let user = await directory.verifyUserPassword(email: email, password: password) {
            await lockout.recordSuccess(email: email)
            return .signedIn(user)
        }
        if await directory.userExists(email: email),
            case .locked(let remaining) = await lockout.recordFailure(email: email, password: password)
        {
            return .locked(remaining: remaining)
        }
        return .wrong
    }

    /// The sign-in page's message for a locked account (AADSTS50053, IdsLocked).
    static func lockedMessage(_ remaining: Duration) -> String {
        "AADSTS50053: Your account is locked: too many sign-in attempts used a wrong password. "
            + "Try again in \(Int(remaining.timeInterval.rounded(.up))) seconds."
    }
}
