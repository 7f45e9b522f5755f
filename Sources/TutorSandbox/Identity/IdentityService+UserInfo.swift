import Foundation
import HTTPTypes
import Hummingbird
import TutorSupport

extension IdentityService {
    /// GET or POST `/oidc/userinfo` (advertised by the v2.0 document; hosted by Graph, so it
    /// answers Graph's errors) and `/{tenant}/openid/userinfo` (the v1 document's): a user's
    /// Graph access token with `openid` in `scp` gives `sub` (the same pairwise value as the id
    /// token's), the names with `profile`, `email` with `email`, and `picture`.
    /// Learn: https://learn.microsoft.com/entra/identity-platform/userinfo
    func userInfo(request: Request) async throws -> Response {
        let token = try GraphAPI.requireBearerToken(request.headers[.authorization])
        let claims: SandboxTokenClaims
        do {
            claims = try await tokens.graphAccessTokenClaims(token)
        } catch {
            throw GraphAPI.invalidToken(error)
        }
        let scopes = Set((claims.scp ?? "").split(separator: " ").map { $0.lowercased() })
        guard claims.idtyp == "user", scopes.contains("openid"), let objectId = claims.oid,
            let user = await directory.user(id: objectId)
        else {
            throw GraphFailure.denied
        }
        var members: [JSONValue.JSONMember] = [.init("sub", .string(claims.sub))]
        if scopes.contains("profile") {
            members.append(.init("name", .string(user.displayName)))
            if let surname = user.attributes["surname"] { members.append(.init("family_name", .string(surname))) }
            if let given = user.attributes["givenName"] { members.append(.init("given_name", .string(given))) }
        }
        members.append(.init("picture", .string("\(tokens.origin)/v1.0/me/photo/$value")))
        if scopes.contains("email") { members.append(.init("email", .string(user.mail))) }
        return jsonResponse(JSONValue.object(members).serialized())
    }
}
