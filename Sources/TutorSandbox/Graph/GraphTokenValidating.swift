/// Who is calling Graph, as a validated access token says.
public struct GraphCaller: Sendable, Equatable {
    /// The client application's appId (`appid`/`azp`).
    public var appId: String
    /// Application permissions (`roles`), for app-only tokens.
    public var roles: Set<String>
    /// Delegated permissions (`scp`), for tokens on behalf of a user.
    public var scopes: Set<String>
    /// The signed-in user's object id (`oid`) for delegated tokens, nil for app-only ones.
    public var userObjectId: String?

    public init(appId: String, roles: Set<String>, scopes: Set<String>, userObjectId: String?) {
        self.appId = appId
        self.roles = roles
        self.scopes = scopes
        self.userObjectId = userObjectId
    }

    /// Whether the caller holds any of `permissions`, as a role or as a scope.
    public func holdsAny(of permissions: [String]) -> Bool {
        permissions.contains { roles.contains($0) || scopes.contains($0) }
    }
}

/// Checks Graph bearer tokens; the identity side's `TokenIssuer` conforms.
public protocol GraphTokenValidating: Sendable {
    /// The caller a valid Graph access token stands for; throws (any error, described in the 401)
    /// when the token is malformed, expired, badly signed, or not for Graph or this tenant.
    func graphCaller(forAccessToken token: String) async throws -> GraphCaller
}
