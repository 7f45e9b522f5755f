/// The bounds that keep one misbehaving client from exhausting the sandbox. The defaults suit
/// `tutor sandbox serve`; tests shrink them to see them act within a second.
public struct SandboxLimits: Sendable, Equatable {
    /// How long a new connection may take to complete its TLS handshake before it is closed.
    public var tlsHandshakeTimeout: Duration
    /// How long a connection may sit between requests (keep-alive) before it is closed.
    public var idleTimeout: Duration
    /// Connections served at once; further ones wait in the listen backlog until one closes.
    public var maximumConnections: Int
    /// Device codes and sign-in lockout.
    public var identity: IdentityLimits

    /// Limits with the defaults unless given.
    public init(
        tlsHandshakeTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(60),
        maximumConnections: Int = 256, identity: IdentityLimits = .standard
    ) {
        self.tlsHandshakeTimeout = tlsHandshakeTimeout
        self.idleTimeout = idleTimeout
        self.maximumConnections = maximumConnections
        self.identity = identity
    }

    public static let standard = SandboxLimits()
}

/// Bounds of the sign-in endpoints.
public struct IdentityLimits: Sendable, Equatable {
    /// Device codes one client may have waiting for a user; Entra calls more than 15 identical
    /// requests in five minutes a loop (AADSTS50196).
    public var pendingDeviceCodesPerClient: Int
    /// Device codes kept for all clients together.
    public var pendingDeviceCodes: Int
    /// How long a device code can be approved (Entra: 15 minutes).
    public var deviceCodeLifetime: Duration
    /// Wrong passwords (distinct ones) before an account is locked (Entra smart lockout: 10).
    public var lockoutThreshold: Int
    /// How long a locked account refuses sign-in (Entra smart lockout: one minute).
    public var lockoutDuration: Duration
    /// How soon after a sign-up code was mailed **Resend code** may mail another. Microsoft
    /// documents the refusal (B2C's `ver_fail_throttled`) but no interval; 60 seconds is the
    /// sandbox's conservative choice (docs/sandbox-identity.md).
    public var signUpResendCooldown: Duration

    /// Limits with the defaults unless given.
    public init(
        pendingDeviceCodesPerClient: Int = 15, pendingDeviceCodes: Int = 1000,
        deviceCodeLifetime: Duration = .seconds(900),
        lockoutThreshold: Int = 10, lockoutDuration: Duration = .seconds(60),
        signUpResendCooldown: Duration = .seconds(60)
    ) {
        self.pendingDeviceCodesPerClient = pendingDeviceCodesPerClient
        self.pendingDeviceCodes = pendingDeviceCodes
        self.deviceCodeLifetime = deviceCodeLifetime
        self.lockoutThreshold = lockoutThreshold
        self.lockoutDuration = lockoutDuration
        self.signUpResendCooldown = signUpResendCooldown
    }

    public static let standard = IdentityLimits()
}
