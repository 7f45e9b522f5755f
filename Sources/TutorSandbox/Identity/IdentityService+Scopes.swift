import Foundation
import TutorSupport

extension IdentityService {
    /// Scopes the app asked for, split into OIDC scopes and Microsoft Graph permissions.
    struct RequestedScopes: Sendable {
        var asRequested: [String]
        var oidc: Set<String>
        var graph: Set<String>
        var graphDefault: Bool
        /// The `aud` of the Graph token: the resource as the app named it (its URI, its appId, or
        /// the sandbox's own Graph URL), Graph's resource URI when it named none.
        var graphAudience: String
    }

    /// Parses a `scope` parameter; fails with AADSTS500011 when it names a resource other than
    /// Microsoft Graph.
    func parseScopes(_ scope: String) -> Result<RequestedScopes, EntraError> {
        var scopes = RequestedScopes(
            asRequested: [], oidc: [], graph: [], graphDefault: false, graphAudience: TokenIssuer.graphResource)
        for item in scope.split(whereSeparator: { $0 == " " || $0 == "+" }).map(String.init) where !item.isEmpty {
            scopes.asRequested.append(item)
            if Self.oidcScopes.contains(item.lowercased()) {
                scopes.oidc.insert(item.lowercased())
                continue
            }
            var permission = item
            if let slash = item.lastIndex(of: "/"), let audience = graphAudience(forResource: String(item[..<slash])) {
                permission = String(item[item.index(after: slash)...])
                scopes.graphAudience = audience
            }
            if permission.contains("/") || permission.contains(":") {
                let resource = String(item[..<(item.lastIndex(of: "/") ?? item.endIndex)])
                return .failure(EntraError.unknownResource(resource, tenant: tenantId))
            }
            if permission == ".default" {
                scopes.graphDefault = true
            } else {
                scopes.graph.insert(permission)
            }
        }
        return .success(scopes)
    }

    /// The `aud` a Graph token gets when the app names `resource`: Microsoft Graph's URI or appId,
    /// or the sandbox's own Graph URL (as a national cloud's tokens name that cloud's Graph);
    /// nil for any other resource. A final `/` is dropped.
    func graphAudience(forResource resource: String) -> String? {
        var named = resource.lowercased()
        if named.hasSuffix("/") { named.removeLast() }
        if named == TokenIssuer.graphResource || named == TokenIssuer.graphAppId { return named }
        let origin = tokens.origin
        return named == origin.lowercased() ? origin : nil
    }

    /// The delegated permissions the app gets for `requested`, or the consent error Entra gives.
    /// `openid` and `offline_access` need a grant as Graph permissions do (a CIAM tenant's users
    /// cannot consent); an administrator consents for themself.
    func grantedScopes(clientId: String, appName: String, requested: RequestedScopes, administrator: Bool) async
        -> Result<(graph: Set<String>, oidc: Set<String>), EntraError>
    {
        let granted = await directory.delegatedScopes(clientAppId: clientId, resourceAppId: TokenIssuer.graphAppId)
        let grantedLowered = Set(granted.map { $0.lowercased() })
        var needed = requested.oidc.intersection(["openid", "offline_access"])
        for scope in requested.graph { needed.insert(scope) }
        let missing = needed.filter { !grantedLowered.contains($0.lowercased()) }
        if !missing.isEmpty && !administrator {
            return .failure(
                EntraError(
                    status: 400, error: "invalid_grant", code: 65001,
                    message:
                        "The user or administrator has not consented to use the application with ID '\(clientId)' named '\(appName)'. Send an interactive authorization request for this user and resource."
                ))
        }
        var graph = Set(requested.graph.filter { grantedLowered.contains($0.lowercased()) || administrator })
        if requested.graphDefault {
            graph.formUnion(granted.filter { !Self.oidcScopes.contains($0.lowercased()) })
        }
        var oidc = requested.oidc
        if oidc.contains("openid") {
            oidc.formUnion(["profile", "email"])
        }
        return .success((graph, oidc))
    }
}
