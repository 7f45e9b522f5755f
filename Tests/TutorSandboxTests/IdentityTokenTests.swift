import Foundation
import Testing

@testable import TutorSandbox

@Suite("Token issuer")
struct IdentityTokenTests {
    let tenantId = "8f0b2b4e-3a1c-4c55-9c1e-0d6f4b1a2c3d"

    func issuer(origin: String = "https://localhost:8443") async throws -> TokenIssuer {
        try await TokenIssuer(privateKeyPEM: try MemoryKey.shared.pem(), tenantId: tenantId, origin: origin)
    }

    @Test("An app token validates and says which app and roles")
    func appToken() async throws {
        let tokens = try await issuer()
        let token = try await tokens.issueGraphAccessToken(
            for: GraphPrincipal(appId: "app-1", roles: ["Application.ReadWrite.All"]))
        let principal = try await tokens.validateGraphAccessToken(token)
        #expect(principal == GraphPrincipal(appId: "app-1", roles: ["Application.ReadWrite.All"]))
        let claims = jwtClaims(token)
        #expect(claims["aud"]?.stringValue == "https://graph.microsoft.com")
        // Graph tokens are v1.0: the v1 issuer, on the issuer's own host.
        #expect(claims["iss"]?.stringValue == "https://127.0.0.1:8443/\(tenantId)/")
        #expect(claims["tid"]?.stringValue == tenantId)
        #expect(claims["appid"]?.stringValue == "app-1")
        #expect(claims["azp"] == nil)
        #expect(claims["scp"] == nil)
        let lifetime = (claims["exp"]?.numberValue ?? 0) - (claims["iat"]?.numberValue ?? 0)
        #expect(lifetime == 3600)
    }

    @Test("A delegated token carries scp and the user")
    func delegatedToken() async throws {
        let tokens = try await issuer()
        let token = try await tokens.issueGraphAccessToken(
            for: GraphPrincipal(appId: "app-1", scopes: ["User.Read", "openid"], userObjectId: "user-1"))
        let principal = try await tokens.validateGraphAccessToken(token)
        #expect(principal.scopes == ["User.Read", "openid"])
        #expect(principal.roles.isEmpty)
        #expect(principal.userObjectId == "user-1")
        #expect(jwtClaims(token)["scp"]?.stringValue == "User.Read openid")
    }

    @Test("An expired token is refused")
    func expired() async throws {
        let tokens = try await issuer()
        let token = try await tokens.issueGraphAccessToken(
            for: GraphPrincipal(appId: "app-1"), issuedAt: Date().addingTimeInterval(-7200))
        await #expect(throws: TokenValidationError.expired) { try await tokens.validateGraphAccessToken(token) }
    }

    @Test("A token signed with another key is refused")
    func otherKey() async throws {
        let tokens = try await issuer()
        let stranger = try await TokenIssuer(
            privateKeyPEM: try TokenIssuer.generatePrivateKeyPEM(), tenantId: tenantId, origin: "https://localhost:8443"
        )
        let token = try await stranger.issueGraphAccessToken(for: GraphPrincipal(appId: "app-1"))
        await #expect(throws: TokenValidationError.badSignature) { try await tokens.validateGraphAccessToken(token) }
    }

    @Test("A tampered payload is refused")
    func tampered() async throws {
        let tokens = try await issuer()
        let token = try await tokens.issueGraphAccessToken(
            for: GraphPrincipal(appId: "app-1", roles: ["User.Read.All"]))
        let parts = token.split(separator: ".").map(String.init)
        let forged = Data(#"{"aud":"https://graph.microsoft.com","roles":["Application.ReadWrite.All"]}"#.utf8)
            .base64URLEncoded()
        await #expect(throws: TokenValidationError.badSignature) {
            try await tokens.validateGraphAccessToken([parts[0], forged, parts[2]].joined(separator: "."))
        }
    }

    @Test("An id token is not a Graph token")
    func wrongAudience() async throws {
        let tokens = try await issuer()
        let idToken = try await tokens.issueIDToken(
            clientId: "app-1", subject: IDTokenSubject(objectId: "u", displayName: "U", username: "u@example.com"),
            nonce: "n")
        await #expect(throws: TokenValidationError.wrongAudience("app-1")) {
            try await tokens.validateGraphAccessToken(idToken)
        }
    }

    @Test("A token from the same key but another origin (port) is refused")
    func wrongIssuer() async throws {
        let tokens = try await issuer()
        let token = try await tokens.issueGraphAccessToken(for: GraphPrincipal(appId: "app-1"))
        tokens.setOrigin("https://localhost:9999")
        await #expect(throws: TokenValidationError.self) { try await tokens.validateGraphAccessToken(token) }
    }

    @Test("Garbage is malformed", arguments: ["", "abc", "a.b.c", "a.b"])
    func malformed(_ token: String) async throws {
        let tokens = try await issuer()
        await #expect(throws: TokenValidationError.self) { try await tokens.validateGraphAccessToken(token) }
    }

    @Test("The id token carries what MSAL and identity read, nonce as sent")
    func idTokenClaims() async throws {
        let tokens = try await issuer()
        let token = try await tokens.issueIDToken(
            clientId: "app-1",
            subject: IDTokenSubject(objectId: "oid-1", displayName: "Ada", username: "ada@example.com"),
            nonce: "a1b2")
        let claims = jwtClaims(token)
        #expect(claims["aud"]?.stringValue == "app-1")
        #expect(claims["oid"]?.stringValue == "oid-1")
        #expect(claims["name"]?.stringValue == "Ada")
        #expect(claims["preferred_username"]?.stringValue == "ada@example.com")
        #expect(claims["nonce"]?.stringValue == "a1b2")
        #expect(claims["ver"]?.stringValue == "2.0")
        #expect(claims["sub"]?.stringValue == TokenIssuer.pairwiseSubject(objectId: "oid-1", clientId: "app-1"))
        #expect(claims["sub"]?.stringValue != TokenIssuer.pairwiseSubject(objectId: "oid-1", clientId: "app-2"))
    }

    @Test("The signing key is created once, 0600, and reused")
    func keyPersistence() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tutor-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("token-signing-key.pem")
        let first = try await TokenIssuer.loadOrCreate(keyFile: file, tenantId: tenantId)
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let token = try await first.issueGraphAccessToken(for: GraphPrincipal(appId: "app-1"))
        let second = try await TokenIssuer.loadOrCreate(keyFile: file, tenantId: tenantId)
        #expect(second.keyId == first.keyId)
        _ = try await second.validateGraphAccessToken(token)
    }
}
