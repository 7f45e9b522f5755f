import Crypto
import Foundation
import JWTKit
import Synchronization
import TutorSupport
import _CryptoExtras

/// Who a valid Graph access token speaks for: the client app, and what it may do.
public struct GraphPrincipal: Sendable, Equatable {
    /// The client application's appId (`appid`/`azp`).
    public var appId: String
    /// Application permissions (`roles`), for app-only tokens.
    public var roles: Set<String>
    /// Delegated permissions (`scp`), for tokens issued to a signed-in user.
    public var scopes: Set<String>
    /// The signed-in user's object id, nil for app-only tokens.
    public var userObjectId: String?

    public init(appId: String, roles: Set<String> = [], scopes: Set<String> = [], userObjectId: String? = nil) {
        self.appId = appId
        self.roles = roles
        self.scopes = scopes
        self.userObjectId = userObjectId
    }
}

/// Why a token was refused; the description is what Graph puts in its 401 message.
public enum TokenValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not a JWT at all, or its claims are missing or ill-typed.
    case malformed
    /// The signature does not verify with this tenant's signing key.
    case badSignature
    /// `exp` has passed.
    case expired
    /// `nbf` is in the future.
    case notYetValid
    /// `aud` is not the expected resource.
    case wrongAudience(String)
    /// `iss` is not this tenant's issuer.
    case wrongIssuer(String)

    /// The message, worded after the ones Graph and Entra give.
    public var description: String {
        switch self {
        case .malformed: "IDX14100: JWT is not well formed."
        case .badSignature: "IDX10511: Signature validation failed."
        case .expired: "Lifetime validation failed, the token is expired."
        case .notYetValid: "Lifetime validation failed, the token is not yet valid."
        case .wrongAudience(let audience): "Invalid audience: '\(audience)' is not Microsoft Graph."
        case .wrongIssuer(let issuer): "Invalid issuer: '\(issuer)' is not this tenant."
        }
    }
}

/// The subject of an id token: a user who signed in to an app.
public struct IDTokenSubject: Sendable, Equatable {
    /// The user's object id (`oid`).
    public var objectId: String
    /// The display name (`name`).
    public var displayName: String
    /// The sign-in name (`preferred_username`), an email address for local accounts.
    public var username: String

    public init(objectId: String, displayName: String, username: String) {
        self.objectId = objectId
        self.displayName = displayName
        self.username = username
    }
}

/// How a client proved who it is when it asked for a token (`appidacr` in v1.0 tokens).
public enum ClientAuthentication: String, Sendable, Equatable {
    /// A public client: no credential (`0`).
    case publicClient = "0"
    /// A client secret (`1`).
    case clientSecret = "1"
}

/// Signs and validates the sandbox tenant's tokens with one RS256 key.
///
/// Like an External ID tenant, the sandbox issues tokens under a host of its own, built from the
/// tenant id, not under the authority's host: a real tenant signs in at
/// `https://{subdomain}.ciamlogin.com/{tenant}` and issues `https://{tenantId}.ciamlogin.com/{tenantId}/v2.0`.
/// On loopback the authority is `https://localhost:{port}/{tenant}` and the issuer
/// `https://127.0.0.1:{port}/{tenantId}/v2.0` (both names are in the server certificate), so code
/// that builds the issuer from the authority fails here as it does against Entra.
///
/// The origin depends on the port the server ends up listening on, so it is set after binding
/// (`setOrigin(_:)`); tokens minted before are refused after a change, as a real tenant would.
public final class TokenIssuer: Sendable {
    /// Microsoft Graph's resource URI, the `aud` of Graph access tokens asked for by it.
    public static let graphResource = "https://graph.microsoft.com"
    /// Microsoft Graph's appId, accepted as an `aud` too.
    public static let graphAppId = "00000003-0000-0000-c000-000000000000"

    /// The tenant id, the `tid` of every token.
    public let tenantId: String
    /// The key id in token headers and the JWKS: the signing certificate's SHA-1 thumbprint, as
    /// Entra's `kid` equals its `x5t`.
    public let keyId: String

    private let keys: JWTKeyCollection
    private let publicPrimitives: (modulus: Data, exponent: Data)
    private let certificate: TokenSigningCertificate
    private let originValue: Mutex<String>
    /// Tokens already verified, with their principal and expiry: Graph checks the same bearer
    /// token on every request, and an RSA verification per request costs more than the answer.
    private let verified = Mutex<[String: (principal: GraphPrincipal, expires: Int)]>([:])
    private static let verifiedLimit = 4096

    public init(privateKeyPEM: String, tenantId: String, origin: String = "https://localhost") async throws {
        let privateKey = try _RSA.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
        let jwtKey = try Insecure.RSA.PrivateKey(backing: privateKey)
        self.certificate = try TokenSigningCertificate(key: privateKey)
        self.keyId = certificate.thumbprint
        self.tenantId = tenantId
        self.keys = JWTKeyCollection()
        let primitives = try privateKey.publicKey.getKeyPrimitives()
        self.publicPrimitives = (primitives.modulus, primitives.publicExponent)
        self.originValue = Mutex(origin)
        await keys.add(rsa: jwtKey, digestAlgorithm: .sha256, kid: JWKIdentifier(string: keyId))
    }

    /// A fresh 2048-bit RSA private key in PEM form.
    public static func generatePrivateKeyPEM() throws -> String {
        try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation
    }

    /// Loads the signing key from `keyFile`, creating it (mode 0600) when absent.
    public static func loadOrCreate(keyFile: URL, tenantId: String, origin: String = "https://localhost")
        async throws -> TokenIssuer
    {
        let pem: String
        if FileManager.default.fileExists(atPath: keyFile.path) {
            pem = try String(contentsOf: keyFile, encoding: .utf8)
        } else {
            pem = try generatePrivateKeyPEM()
            try AtomicFile.write(Data(pem.utf8), to: keyFile, permissions: 0o600)
        }
        return try await TokenIssuer(privateKeyPEM: pem, tenantId: tenantId, origin: origin)
    }

    /// An issuer with a key that lives only in memory (tests).
    public static func ephemeral(tenantId: String, origin: String = "https://localhost") async throws
        -> TokenIssuer
    {
        try await TokenIssuer(privateKeyPEM: generatePrivateKeyPEM(), tenantId: tenantId, origin: origin)
    }

    /// Scheme, host and port of the server as the authority and Graph name it, e.g.
    /// `https://localhost:8443`.
    public var origin: String { originValue.withLock { $0 } }

    /// Sets the origin once the server knows its port.
    public func setOrigin(_ origin: String) {
        originValue.withLock { $0 = origin }
        verified.withLock { $0.removeAll() }
    }

    /// The issuer's origin: the same scheme and port under the other loopback name
    /// (`localhost` ↔ `127.0.0.1`), so that it never equals the authority's host.
    public var issuerOrigin: String { Self.issuerOrigin(for: origin) }

    static func issuerOrigin(for origin: String) -> String {
        guard var components = URLComponents(string: origin), let host = components.host?.lowercased() else {
            return origin
        }
        components.host = host == "localhost" ? "127.0.0.1" : "localhost"
        return components.string ?? origin
    }

    /// The `iss` of v2.0 tokens (id tokens) and of the v2.0 metadata: `{issuerOrigin}/{tenantId}/v2.0`.
    public var issuer: String { "\(issuerOrigin)/\(tenantId)/v2.0" }

    /// The `iss` of v1.0 tokens (Graph access tokens) and of the v1 metadata:
    /// `{issuerOrigin}/{tenantId}/`, as an External ID tenant's `https://{tenantId}.ciamlogin.com/{tenantId}/`.
    public var accessTokenIssuer: String { "\(issuerOrigin)/\(tenantId)/" }

    /// The audiences Graph accepts: its resource URI, its appId, and the sandbox's own Graph URL
    /// (a national cloud's tokens carry that cloud's Graph URL); each with or without a final `/`.
    public var graphAudiences: Set<String> {
        let resources = [Self.graphResource, origin.lowercased()]
        return Set(resources + resources.map { $0 + "/" } + [Self.graphAppId])
    }

    /// The JSON Web Key Set with the public half of the signing key and its certificate.
    public var jwksJSON: JSONValue {
        .object([
            .init(
                "keys",
                .array([
                    .object([
                        .init("kty", .string("RSA")),
                        .init("use", .string("sig")),
                        .init("kid", .string(keyId)),
                        .init("x5t", .string(certificate.thumbprint)),
                        .init("n", .string(publicPrimitives.modulus.base64URLEncoded())),
                        .init("e", .string(publicPrimitives.exponent.base64URLEncoded())),
                        .init("x5c", .array([.string(certificate.der.base64EncodedString())])),
                        .init("issuer", .string(issuer)),
                    ])
                ]))
        ])
    }

    /// Signs a Graph access token (`ver` 1.0) for `principal`: `roles` when it has roles, else
    /// `scp`; `appid`/`appidacr`, not `azp` (v2.0 only). For a user, `oid` is the user and `sub`
    /// the pairwise subject; for an app, `oid` and `sub` are `servicePrincipalId` (the appId when
    /// not given). `aud` is the resource as the client named it.
    public func issueGraphAccessToken(
        for principal: GraphPrincipal, subject: IDTokenSubject? = nil, servicePrincipalId: String? = nil,
        audience: String = TokenIssuer.graphResource, clientAuthentication: ClientAuthentication = .clientSecret,
        issuedAt: Date = Date(), lifetime: TimeInterval = 3600
    ) async throws -> String {
        let start = Int(issuedAt.timeIntervalSince1970)
        let objectId = principal.userObjectId ?? servicePrincipalId ?? principal.appId
        let subjectId =
            principal.userObjectId.map { Self.pairwiseSubject(objectId: $0, clientId: principal.appId) } ?? objectId
        let claims = SandboxTokenClaims(
            aud: audience, iss: accessTokenIssuer, iat: start, nbf: start, exp: start + Int(lifetime),
            tid: tenantId, sub: subjectId, ver: "1.0", oid: objectId, appid: principal.appId,
            appidacr: clientAuthentication.rawValue,
            roles: principal.roles.isEmpty ? nil : principal.roles.sorted(),
            scp: principal.scopes.isEmpty ? nil : principal.scopes.sorted().joined(separator: " "),
            idtyp: principal.userObjectId != nil ? "user" : "app", name: subject?.displayName,
            uniqueName: subject?.username, uti: Self.uniqueTokenId())
        return try await keys.sign(
            claims, kid: JWKIdentifier(string: keyId), header: ["typ": "JWT", "x5t": .string(certificate.thumbprint)])
    }

    /// Signs an id token for `subject` signing in to `clientId`, echoing `nonce` as sent.
    public func issueIDToken(
        clientId: String, subject: IDTokenSubject, nonce: String?, issuedAt: Date = Date(),
        lifetime: TimeInterval = 3600
    ) async throws -> String {
        let start = Int(issuedAt.timeIntervalSince1970)
        let claims = SandboxTokenClaims(
            aud: clientId, iss: issuer, iat: start, nbf: start, exp: start + Int(lifetime), tid: tenantId,
            sub: Self.pairwiseSubject(objectId: subject.objectId, clientId: clientId), ver: "2.0",
            oid: subject.objectId, name: subject.displayName, preferredUsername: subject.username,
            email: subject.username, nonce: nonce, uti: Self.uniqueTokenId())
        return try await keys.sign(claims, kid: JWKIdentifier(string: keyId), header: ["typ": "JWT"])
    }

    /// Checks a bearer token presented to Graph and says who it speaks for.
    public func validateGraphAccessToken(_ token: String) async throws -> GraphPrincipal {
        let now = Int(Date().timeIntervalSince1970)
        let cached: GraphPrincipal? = verified.withLock { entries in
            guard let entry = entries[token] else { return nil }
            guard entry.expires > now else {
                entries[token] = nil
                return nil
            }
            return entry.principal
        }
        if let cached { return cached }
        let claims = try await graphAccessTokenClaims(token)
        let delegated = claims.idtyp == "user"
        guard let appId = claims.appid else { throw TokenValidationError.malformed }
        let principal = GraphPrincipal(
            appId: appId, roles: Set(claims.roles ?? []),
            scopes: Set((claims.scp ?? "").split(separator: " ").map(String.init)),
            userObjectId: delegated ? claims.oid : nil)
        verified.withLock { entries in
            if entries.count >= Self.verifiedLimit { entries.removeAll() }
            entries[token] = (principal, claims.exp)
        }
        return principal
    }

    /// The verified claims of a Graph access token: signature, lifetime, v1.0 issuer, Graph audience.
    func graphAccessTokenClaims(_ token: String) async throws -> SandboxTokenClaims {
        let claims = try await verifiedClaims(token, issuer: nil)
        guard graphAudiences.contains(claims.aud.lowercased()) else {
            throw TokenValidationError.wrongAudience(claims.aud)
        }
        guard claims.iss == accessTokenIssuer else { throw TokenValidationError.wrongIssuer(claims.iss) }
        return claims
    }

    /// Checks an id token this tenant issued to `clientId` (e.g. a logout `id_token_hint`);
    /// lifetime is not checked, as Entra accepts expired hints.
    func validateIDToken(_ token: String, clientId: String?) async throws -> SandboxTokenClaims {
        let claims = try await verifiedClaims(token, issuer: issuer, checkLifetime: false)
        if let clientId, claims.aud != clientId { throw TokenValidationError.wrongAudience(claims.aud) }
        return claims
    }

    /// Signature, lifetime and tenant checked; the issuer too unless `expected` is nil.
    private func verifiedClaims(
        _ token: String, issuer expected: String?, checkLifetime: Bool = true, now: Date = Date()
    )
        async throws -> SandboxTokenClaims
    {
        guard token.split(separator: ".", omittingEmptySubsequences: false).count == 3 else {
            throw TokenValidationError.malformed
        }
        let claims: SandboxTokenClaims
        do {
            claims = try await keys.verify(token, as: SandboxTokenClaims.self)
        } catch let error as JWTError {
            if error.errorType == .signatureVerificationFailed || error.errorType == .unknownKID {
                throw TokenValidationError.badSignature
            }
            throw TokenValidationError.malformed
        } catch {
            throw TokenValidationError.malformed
        }
        let seconds = Int(now.timeIntervalSince1970)
        if checkLifetime {
            if claims.exp <= seconds { throw TokenValidationError.expired }
            // A few minutes of clock skew, as Entra allows.
            if claims.nbf > seconds + 300 { throw TokenValidationError.notYetValid }
        }
        guard expected.map({ claims.iss == $0 }) ?? true, claims.tid == tenantId else {
            throw TokenValidationError.wrongIssuer(claims.iss)
        }
        return claims
    }

    /// A per-app subject, as Entra's pairwise `sub`: stable for one user and app, opaque.
    static func pairwiseSubject(objectId: String, clientId: String) -> String {
        let digest = SHA256.hash(data: Data("\(objectId)|\(clientId)".utf8))
        return Data(digest).base64URLEncoded().prefix(43).description
    }

    private static func uniqueTokenId() -> String {
        Data(SecretHasher.randomBytes(16)).base64URLEncoded()
    }
}

extension Data {
    /// Base64url without padding (RFC 7515 §2).
    func base64URLEncoded() -> String {
        base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
