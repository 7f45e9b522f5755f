import Foundation
import JWTKit

/// The claims of every token the sandbox signs: Graph access tokens and id tokens share one
/// shape, the optional members telling them apart (`roles`/`scp` for access, `nonce` for id).
struct SandboxTokenClaims: JWTPayload, Equatable {
    var aud: String
    var iss: String
    var iat: Int
    var nbf: Int
    var exp: Int
    var tid: String
    var sub: String
    var ver: String
    var oid: String?
    var appid: String?
    var appidacr: String?
    var azp: String?
    var roles: [String]?
    var scp: String?
    var idtyp: String?
    var name: String?
    var preferredUsername: String?
    var uniqueName: String?
    var email: String?
    var nonce: String?
    var uti: String?

    enum CodingKeys: String, CodingKey {
        case aud, iss, iat, nbf, exp, tid, sub, ver, oid, appid, appidacr, azp, roles, scp, idtyp, name
        case preferredUsername = "preferred_username"
        case uniqueName = "unique_name"
        case email, nonce, uti
    }

    /// Signature checks are jwt-kit's; the claims are checked by `TokenIssuer` so that each
    /// failure gets its own message.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
