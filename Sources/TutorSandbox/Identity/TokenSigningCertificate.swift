import Crypto
import Foundation
import SwiftASN1
import X509
import _CryptoExtras

/// The self-signed certificate that Entra publishes for each signing key (`x5c` in the JWKS),
/// and its SHA-1 thumbprint (`x5t`, also the key's `kid`).
///
/// Derived from the key alone: serial, names and validity are fixed and RSA PKCS #1 v1.5
/// signatures are deterministic, so the same key always gives the same certificate and
/// thumbprint, across restarts, without another file in the home.
struct TokenSigningCertificate: Sendable {
    /// The certificate, DER.
    let der: Data
    /// Base64url (unpadded) SHA-1 of `der`: the `x5t` and the `kid`.
    let thumbprint: String

    /// Validity start; fixed so the certificate depends on the key only.
    static let notValidBefore = Date(timeIntervalSince1970: 1_704_067_200)  // 2024-01-01
    /// Validity end, twenty years later.
    static let notValidAfter = Date(timeIntervalSince1970: 2_335_219_200)  // 2044-01-01

    init(key: _RSA.Signing.PrivateKey) throws {
        let publicKey = Certificate.PublicKey(key.publicKey)
        let digest = Array(SHA256.hash(data: key.publicKey.derRepresentation))
        // A positive serial of 16 bytes taken from the key.
        var serial = Array(digest.prefix(16))
        serial[0] &= 0x7f
        let name = try DistinguishedName {
            OrganizationName("tutor sandbox")
            CommonName("tutor sandbox token signing")
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(bytes: serial), publicKey: publicKey,
            notValidBefore: Self.notValidBefore, notValidAfter: Self.notValidAfter, issuer: name, subject: name,
            signatureAlgorithm: .sha256WithRSAEncryption,
            extensions: try Certificate.Extensions {
                Critical(KeyUsage(digitalSignature: true))
                SubjectKeyIdentifier(hash: publicKey)
            },
            issuerPrivateKey: Certificate.PrivateKey(key))
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        der = Data(serializer.serializedBytes)
        thumbprint = Data(Insecure.SHA1.hash(data: der)).base64URLEncoded()
    }
}
