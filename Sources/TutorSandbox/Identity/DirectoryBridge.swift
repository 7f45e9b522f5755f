import Foundation

// How the sign-in side reads the tenant directory's objects, in one place.

extension SandboxApplication {
    /// Redirect URIs an authorization request may name: web, SPA and public client ones.
    var signInRedirectUris: [String] { redirectUris + spaRedirectUris + publicClientRedirectUris }

    /// Where the app may be sent after sign-out besides its redirect URIs.
    var logoutUris: [String] { logoutUrl.map { [$0] } ?? [] }
}

extension SandboxUserFlow {
    /// The attributes the sign-up form collects; email is always the sign-in name.
    var attributesToCollect: [String] {
        var seen: Set<String> = []
        return attributes.filter { seen.insert($0).inserted }
    }
}

extension SignedInUser {
    /// The signed-in view of a directory user.
    init(sandboxUser user: SandboxUser) {
        self.init(
            subject: IDTokenSubject(objectId: user.id, displayName: user.displayName, username: user.mail),
            isAdministrator: user.isAdministrator)
    }
}

extension TokenIssuer: GraphTokenValidating {
    /// The caller a Graph access token stands for (see `validateGraphAccessToken`).
    public func graphCaller(forAccessToken token: String) async throws -> GraphCaller {
        let principal = try await validateGraphAccessToken(token)
        return GraphCaller(
            appId: principal.appId, roles: principal.roles, scopes: principal.scopes,
            userObjectId: principal.userObjectId)
    }
}
