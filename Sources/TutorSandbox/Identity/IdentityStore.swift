import Crypto
import Foundation

/// Someone who signed in: what tokens say about them.
struct SignedInUser: Sendable, Equatable {
    var subject: IDTokenSubject
    /// Administrators may consent to delegated Graph permissions for themselves.
    var isAdministrator: Bool
}

/// An authorization code waiting to be redeemed, bound to client, redirect URI and PKCE challenge.
struct PendingAuthorizationCode: Sendable {
    var clientId: String
    var redirectUri: String
    var codeChallenge: String?
    var scopes: [String]
    var nonce: String?
    var user: SignedInUser
    var expiresAt: Date
}

/// A refresh token's grant.
struct RefreshGrant: Sendable {
    var clientId: String
    var scopes: [String]
    var user: SignedInUser
    /// Granted to a confidential client: refreshing needs its secret too.
    var confidential: Bool
    var expiresAt: Date
}

/// A device code and where its user is in the flow.
struct DeviceAuthorization: Sendable {
    enum Status: Sendable, Equatable {
        case pending
        case approved(SignedInUser)
        case redeemed
    }
    var clientId: String
    var userCode: String
    var scopes: [String]
    var expiresAt: Date
    var status: Status
}

/// The sign-in service's short-lived memory: codes, refresh tokens, device codes and browser
/// sessions. Nothing here outlives the server process, as with a real tenant's codes.
actor IdentityStore {
    private var codes: [String: PendingAuthorizationCode] = [:]
    private var refreshGrants: [String: RefreshGrant] = [:]
    private var deviceCodes: [String: DeviceAuthorization] = [:]
    private var userCodes: [String: String] = [:]
    private var sessions: [String: (user: SignedInUser, clientIds: Set<String>)] = [:]
    /// Sign-ups between the email and the account (see `IdentityStore+SignUp.swift`).
    var signUps: [String: PendingSignUp] = [:]

    /// Caps on device codes.
    let limits: IdentityLimits

    init(limits: IdentityLimits = .standard) {
        self.limits = limits
    }

    /// How long an authorization code can be redeemed (Entra: 10 minutes).
    static let codeLifetime: TimeInterval = 600
    /// How long an expired device code is remembered, to answer `expired_token` rather than
    /// "unknown" to a client still polling.
    static let expiredDeviceCodeMemory: TimeInterval = 600
    /// How long a refresh token is valid (Entra: 90 days, sliding).
    static let refreshLifetime: TimeInterval = 90 * 86400

    /// Stores a code and returns its value.
    func issueCode(_ pending: PendingAuthorizationCode) -> String {
        purgeExpired()
        let code = "1.sandbox." + FormEncoding.randomToken(bytes: 48)
        codes[code] = pending
        return code
    }

    /// Takes a code out: it is consumed by the first attempt, whether that attempt succeeds or not.
    func redeemCode(_ code: String) -> PendingAuthorizationCode? {
        codes.removeValue(forKey: code)
    }

    /// Stores a refresh grant and returns the token.
    func issueRefreshToken(_ grant: RefreshGrant) -> String {
        let token = "1.sandbox.rt." + FormEncoding.randomToken(bytes: 48)
        refreshGrants[token] = grant
        return token
    }

    /// The grant behind a refresh token, if still valid.
    func refreshGrant(_ token: String, now: Date = Date()) -> RefreshGrant? {
        guard let grant = refreshGrants[token] else { return nil }
        guard grant.expiresAt > now else {
            refreshGrants[token] = nil
            return nil
        }
        return grant
    }

    /// The outcome of asking for a device code.
    enum DeviceFlowStart: Sendable, Equatable {
        case started(deviceCode: String, userCode: String)
        /// The client already has `pendingDeviceCodesPerClient` codes waiting.
        case tooManyForClient
        /// The store holds `pendingDeviceCodes` codes.
        case tooManyOverall
    }

    /// Starts a device flow within the caps: expired codes are purged first (all of them, not
    /// only those past their grace period, when the store is full).
    func startDeviceFlow(clientId: String, scopes: [String], now: Date = Date()) -> DeviceFlowStart {
        purgeExpired(now: now)
        if deviceCodes.count >= limits.pendingDeviceCodes { purgeExpiredDeviceCodes(now: now, keepingFor: 0) }
        let waiting = deviceCodes.values.count(where: {
            $0.clientId == clientId && $0.status == .pending && $0.expiresAt > now
        })
        guard waiting < limits.pendingDeviceCodesPerClient else { return .tooManyForClient }
        guard deviceCodes.count < limits.pendingDeviceCodes else { return .tooManyOverall }
        var userCode = Self.makeUserCode()
        while userCodes[userCode] != nil { userCode = Self.makeUserCode() }
        let deviceCode = "DAQABAAEAAAD.sandbox." + FormEncoding.randomToken(bytes: 48)
        deviceCodes[deviceCode] = DeviceAuthorization(
            clientId: clientId, userCode: userCode, scopes: scopes,
            expiresAt: now.addingTimeInterval(limits.deviceCodeLifetime.timeInterval), status: .pending)
        userCodes[userCode] = deviceCode
        return .started(deviceCode: deviceCode, userCode: userCode)
    }

    /// How many device codes the store holds (pending, approved or remembered as expired).
    var deviceCodeCount: Int { deviceCodes.count }

    /// The pending device flow for a user code (as typed: case and spaces ignored).
    func deviceFlow(userCode: String, now: Date = Date()) -> DeviceAuthorization? {
        let normalized = Self.normalizeUserCode(userCode)
        guard let deviceCode = userCodes[normalized], let flow = deviceCodes[deviceCode], flow.expiresAt > now,
            flow.status == .pending
        else { return nil }
        return flow
    }

    /// Marks a user code as approved by `user`; false when it is unknown, used or expired.
    func approveDeviceFlow(userCode: String, user: SignedInUser, now: Date = Date()) -> Bool {
        let normalized = Self.normalizeUserCode(userCode)
        guard let deviceCode = userCodes[normalized], var flow = deviceCodes[deviceCode], flow.expiresAt > now,
            flow.status == .pending
        else { return false }
        flow.status = .approved(user)
        deviceCodes[deviceCode] = flow
        return true
    }

    /// The device flow for a poll; an approved flow is handed out once and then marked redeemed.
    func pollDeviceFlow(deviceCode: String) -> DeviceAuthorization? {
        guard var flow = deviceCodes[deviceCode] else { return nil }
        if case .approved = flow.status {
            let answer = flow
            flow.status = .redeemed
            deviceCodes[deviceCode] = flow
            return answer
        }
        return flow
    }

    /// Opens (or extends) a browser session for `user` that signed in to `clientId`.
    func recordSignIn(sessionId: String?, user: SignedInUser, clientId: String) -> String {
        if let sessionId, var session = sessions[sessionId], session.user.subject == user.subject {
            session.clientIds.insert(clientId)
            sessions[sessionId] = session
            return sessionId
        }
        let newId = FormEncoding.randomToken()
        sessions[newId] = (user, [clientId])
        return newId
    }

    /// The apps a browser session signed in to.
    func sessionClientIds(_ sessionId: String?) -> Set<String> {
        guard let sessionId else { return [] }
        return sessions[sessionId]?.clientIds ?? []
    }

    /// Ends a browser session.
    func endSession(_ sessionId: String?) {
        if let sessionId { sessions[sessionId] = nil }
    }

    private func purgeExpired(now: Date = Date()) {
        codes = codes.filter { $0.value.expiresAt > now }
        refreshGrants = refreshGrants.filter { $0.value.expiresAt > now }
        purgeExpiredDeviceCodes(now: now, keepingFor: Self.expiredDeviceCodeMemory)
    }

    private func purgeExpiredDeviceCodes(now: Date, keepingFor memory: TimeInterval) {
        let expiredDevices = deviceCodes.filter { $0.value.expiresAt.addingTimeInterval(memory) <= now }
        for (deviceCode, flow) in expiredDevices {
            deviceCodes[deviceCode] = nil
            userCodes[flow.userCode] = nil
        }
    }

    /// Nine characters from an alphabet without look-alikes, as Entra's user codes.
    static func makeUserCode() -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<9).map { _ in alphabet.randomElement(using: &generator)! })
    }

    static func normalizeUserCode(_ code: String) -> String {
        code.uppercased().filter { !$0.isWhitespace && $0 != "-" }
    }

    /// Whether `verifier` matches an S256 `challenge` (RFC 7636 §4.6).
    static func verifierMatches(_ verifier: String, challenge: String) -> Bool {
        let digest = SHA256.hash(data: Data(verifier.utf8))
        return Data(digest).base64URLEncoded() == challenge
    }
}

extension Duration {
    /// The duration in seconds, fractions included.
    var timeInterval: TimeInterval {
        let parts = components
        return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
    }
}
