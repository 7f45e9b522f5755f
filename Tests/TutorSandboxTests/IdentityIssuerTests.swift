import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import SwiftASN1
import Testing
import TutorSupport
import X509
import _CryptoExtras

@testable import TutorSandbox

@Suite("Identity: issuer, keys and OIDC documents")
struct IdentityIssuerTests {
    /// An External ID tenant's metadata at `https://{subdomain}.ciamlogin.com/{tenantId}/v2.0/...`
    /// "returns an issuer value `https://{tenantid}.ciamlogin.com/{tenantid}/v2.0`" — a host of
    /// its own, from the tenant id, whichever authority form asked. Source: Learn, "Security
    /// tokens" (MicrosoftDocs/entra-docs docs/identity-platform/security-tokens.md, "Token
    /// endpoints and issuers"); MSAL.js issue AzureAD/microsoft-authentication-library-for-js#8592.
    @Test("The issuer is tenant-id based, on another host than the authority, for both authority forms")
    func issuerIsNotTheAuthority() async throws {
        let harness = try await IdentityHarness.make()
        let tenantId = harness.identity.tenantId
        let expected = "https://127.0.0.1:8443/\(tenantId)/v2.0"
        try await harness.test { client in
            for tenant in [tenantId, "\(harness.identity.subdomain).onmicrosoft.com"] {
                let config = try await client.get("/\(tenant)/v2.0/.well-known/openid-configuration").json
                let issuer = try #require(config["issuer"]?.stringValue)
                #expect(issuer == expected)
                // Code that builds the issuer from the authority gets it wrong, as against Entra.
                #expect(issuer != "\(IdentityHarness.origin)/\(tenant)/v2.0")
                let authorize = try #require(config["authorization_endpoint"]?.stringValue)
                #expect(URL(string: issuer)?.host != URL(string: authorize)?.host)
                #expect(URL(string: authorize)?.host == "localhost")
            }
        }
        #expect(harness.tokens.issuer == expected)
        #expect(TokenIssuer.issuerOrigin(for: "https://127.0.0.1:9000") == "https://localhost:9000")
        // Both names are in the server certificate, so TLS holds for the issuer's host too.
        #expect(SandboxCertificates.serverNames.contains("127.0.0.1"))
        #expect(SandboxCertificates.serverNames.contains("localhost"))
    }

    /// v1.0 tokens end without `/v2.0` (Learn, access token claims reference, `iss`); an External
    /// ID tenant's v1.0 tokens carry `https://{tenantId}.ciamlogin.com/{tenantId}/` (a CIAM token
    /// quoted in "How to use CIAM with Azure API Management", d365hub.com). Id tokens are v2.0.
    @Test("Id tokens carry the v2.0 issuer, Graph tokens (v1.0) the v1 issuer; both validate")
    func tokenIssuers() async throws {
        let harness = try await IdentityHarness.make()
        let tenantId = harness.identity.tenantId
        let idToken = try await harness.tokens.issueIDToken(
            clientId: "app-1", subject: IDTokenSubject(objectId: "u", displayName: "U", username: "u@example.com"),
            nonce: nil)
        #expect(jwtClaims(idToken)["iss"]?.stringValue == "https://127.0.0.1:8443/\(tenantId)/v2.0")
        #expect(try await harness.tokens.validateIDToken(idToken, clientId: "app-1").aud == "app-1")
        let access = try await harness.tokens.issueGraphAccessToken(for: GraphPrincipal(appId: "app-1"))
        #expect(jwtClaims(access)["iss"]?.stringValue == "https://127.0.0.1:8443/\(tenantId)/")
        #expect(try await harness.tokens.validateGraphAccessToken(access).appId == "app-1")
    }

    /// Entra's v1 document (`/{tenant}/.well-known/openid-configuration`) names the v1 endpoints
    /// (`/oauth2/token`, `/oauth2/authorize`, `/oauth2/logout`, `/openid/userinfo`,
    /// `/discovery/keys`), `scopes_supported` `["openid"]` and the v1 issuer. Source: a tenant's
    /// v1 document quoted on a Microsoft blog (find_string "microsoft_multi_refresh_token") and
    /// Learn's access-tokens page ("v1.0 and v2.0 tokens": read the v1 document for v1 tokens).
    @Test("The v1 document is Entra's v1 shape; its token endpoint says to use v2.0")
    func v1Document() async throws {
        let harness = try await IdentityHarness.make()
        let tenantId = harness.identity.tenantId
        let base = "\(IdentityHarness.origin)/\(tenantId)"
        try await harness.test { client in
            let config = try await client.get(
                "/\(harness.identity.subdomain).onmicrosoft.com/.well-known/openid-configuration"
            ).json
            #expect(config["issuer"]?.stringValue == "https://127.0.0.1:8443/\(tenantId)/")
            #expect(config["token_endpoint"]?.stringValue == "\(base)/oauth2/token")
            #expect(config["authorization_endpoint"]?.stringValue == "\(base)/oauth2/authorize")
            #expect(config["end_session_endpoint"]?.stringValue == "\(base)/oauth2/logout")
            #expect(config["jwks_uri"]?.stringValue == "\(base)/discovery/keys")
            #expect(config["userinfo_endpoint"]?.stringValue == "\(base)/openid/userinfo")
            #expect(config["scopes_supported"] == .array([.string("openid")]))
            #expect(config["microsoft_multi_refresh_token"] == .bool(true))
            // Its logout endpoint is served (the identity package signs out through it).
            #expect(try await client.get("\(harness.base)/oauth2/logout").status == .ok)
            #expect(try await client.get("\(harness.base)/discovery/keys").status == .ok)
            let v1Token = try await client.postForm(
                "\(harness.base)/oauth2/token", [("grant_type", "client_credentials")])
            #expect(v1Token.status == .badRequest)
            #expect(v1Token.text.contains("/oauth2/v2.0/token"))
        }
    }

    /// JWKS keys carry `x5c` (the certificate, base64 DER) and `x5t` (base64url SHA-1
    /// thumbprint), and `kid` "functions the same (in use and value) as" `x5t`. Source: Learn,
    /// access tokens (entra-docs docs/identity-platform/access-tokens.md, keys document example)
    /// and the access token claims reference (header claims).
    @Test("The JWKS key has x5c (a certificate of the signing key) and x5t = kid = its SHA-1 thumbprint")
    func jwksCertificate() async throws {
        let harness = try await IdentityHarness.make()
        try await harness.test { client in
            let key = try #require(
                try await client.get("\(harness.base)/discovery/v2.0/keys").json["keys"]?.arrayElements?.first)
            let x5c = try #require(key["x5c"]?.arrayElements?.first?.stringValue)
            let der = try #require(Data(base64Encoded: x5c))
            let certificate = try Certificate(derEncoded: Array(der))
            let thumbprint = Data(Insecure.SHA1.hash(data: der)).base64URLEncoded()
            #expect(key["x5t"]?.stringValue == thumbprint)
            #expect(key["kid"]?.stringValue == thumbprint)
            #expect(harness.tokens.keyId == thumbprint)
            // The certificate holds the key that signs tokens: same modulus as `n`.
            let rsa = try #require(_RSAPublicKey(certificate.publicKey))
            #expect(rsa.base64URLEncoded() == key["n"]?.stringValue)
            // v1.0 access tokens name the thumbprint in `x5t` too; v2.0 id tokens only `kid`.
            let access = try await harness.tokens.issueGraphAccessToken(for: GraphPrincipal(appId: "a"))
            #expect(jwtHeader(access)["x5t"]?.stringValue == thumbprint)
            #expect(jwtHeader(access)["kid"]?.stringValue == thumbprint)
        }
        // The same key gives the same certificate (nothing else to store in the home).
        let again = try await TokenIssuer(
            privateKeyPEM: try MemoryKey.shared.pem(), tenantId: harness.identity.tenantId,
            origin: "https://localhost:1")
        #expect(again.keyId == harness.tokens.keyId)
    }

    /// The modulus of an RSA public key in a certificate.
    func _RSAPublicKey(_ key: Certificate.PublicKey) -> Data? {
        guard let rsa = _RSA.Signing.PublicKey(key), let primitives = try? rsa.getKeyPrimitives() else { return nil }
        return primitives.modulus
    }
}

/// The header of a JWT, unverified.
func jwtHeader(_ token: String) -> JSONValue {
    guard let first = token.split(separator: ".").first else { return .null }
    var header = String(first).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while header.count % 4 != 0 { header += "=" }
    guard let data = Data(base64Encoded: header) else { return .null }
    return (try? JSONValue.parse(data)) ?? .null
}
