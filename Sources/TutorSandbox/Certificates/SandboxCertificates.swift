import Crypto
import Foundation
import SwiftASN1
import TutorSupport
import X509

/// The sandbox's own certificate authority and the loopback server certificate it signs.
///
/// Minted on first use into a folder (the sandbox home) and reused afterwards, so that a
/// client trusting `ca.pem` keeps trusting the server across restarts. The server certificate
/// is minted again when it is missing, unreadable, about to expire or not signed by the CA.
public struct SandboxCertificates: Sendable {
    /// The CA certificate (PEM) that clients trust, e.g. through `REQUESTS_CA_BUNDLE`.
    public let caCertificateFile: URL
    /// The server certificate chain (PEM): leaf, then CA.
    public let serverCertificateFile: URL
    /// The server's private key (PEM, mode 0600).
    public let serverKeyFile: URL

    /// The names the server certificate is valid for.
    public static let serverNames = ["localhost", "127.0.0.1", "::1"]

    /// Loads the certificates in `folder`, minting whichever are missing.
    public static func loadOrMint(in folder: URL, now: Date = Date()) throws -> SandboxCertificates {
        let caCertificateFile = folder.appendingPathComponent("ca.pem")
        let caKeyFile = folder.appendingPathComponent("ca-key.pem")
        let serverCertificateFile = folder.appendingPathComponent("server.pem")
        let serverKeyFile = folder.appendingPathComponent("server-key.pem")
        do {
            let authority: (certificate: Certificate, key: P256.Signing.PrivateKey)
            if let existing = try? loadAuthority(certificateFile: caCertificateFile, keyFile: caKeyFile),
                existing.certificate.notValidAfter > now.addingTimeInterval(30 * 86400)
            {
                authority = existing
            } else {
                authority = try mintAuthority(now: now)
                try AtomicFile.write(Data(authority.key.pemRepresentation.utf8), to: caKeyFile, permissions: 0o600)
                try AtomicFile.write(
                    Data(try authority.certificate.serializeAsPEM().pemString.utf8), to: caCertificateFile,
                    permissions: 0o644)
            }
            if !serverCertificateIsUsable(
                certificateFile: serverCertificateFile, keyFile: serverKeyFile, authority: authority.certificate,
                now: now)
            {
                let key = P256.Signing.PrivateKey()
                let certificate = try mintServerCertificate(key: key, authority: authority, now: now)
                try AtomicFile.write(Data(key.pemRepresentation.utf8), to: serverKeyFile, permissions: 0o600)
                let chain =
                    try certificate.serializeAsPEM().pemString + "\n"
                    + authority.certificate.serializeAsPEM().pemString + "\n"
                try AtomicFile.write(Data(chain.utf8), to: serverCertificateFile, permissions: 0o644)
            }
        } catch let error as SandboxError {
            throw error
        } catch {
            throw SandboxError.certificates(folder: folder.path, reason: "\(error)")
        }
        return SandboxCertificates(
            caCertificateFile: caCertificateFile, serverCertificateFile: serverCertificateFile,
            serverKeyFile: serverKeyFile)
    }

    static func loadAuthority(certificateFile: URL, keyFile: URL) throws -> (
        certificate: Certificate, key: P256.Signing.PrivateKey
    ) {
        let certificate = try Certificate(pemEncoded: String(contentsOf: certificateFile, encoding: .utf8))
        let key = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOf: keyFile, encoding: .utf8))
        guard certificate.publicKey == Certificate.PublicKey(key.publicKey) else {
            throw SandboxError.certificates(folder: keyFile.deletingLastPathComponent().path, reason: "CA key mismatch")
        }
        return (certificate, key)
    }

    static func mintAuthority(now: Date) throws -> (certificate: Certificate, key: P256.Signing.PrivateKey) {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            OrganizationName("tutor sandbox")
            CommonName("tutor sandbox local CA")
        }
        let publicKey = Certificate.PublicKey(key.publicKey)
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: publicKey)
            },
            issuerPrivateKey: Certificate.PrivateKey(key))
        return (certificate, key)
    }

    static func mintServerCertificate(
        key: P256.Signing.PrivateKey, authority: (certificate: Certificate, key: P256.Signing.PrivateKey), now: Date
    ) throws -> Certificate {
        let publicKey = Certificate.PublicKey(key.publicKey)
        let authorityKeyId = SubjectKeyIdentifier(hash: authority.certificate.publicKey).keyIdentifier
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(397 * 86400),
            issuer: authority.certificate.subject,
            subject: try DistinguishedName {
                OrganizationName("tutor sandbox")
                CommonName("localhost")
            },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectKeyIdentifier(hash: publicKey)
                AuthorityKeyIdentifier(keyIdentifier: authorityKeyId)
                SubjectAlternativeNames([
                    .dnsName("localhost"),
                    .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
                    .ipAddress(ASN1OctetString(contentBytes: ArraySlice([UInt8](repeating: 0, count: 15) + [1]))),
                ])
            },
            issuerPrivateKey: Certificate.PrivateKey(authority.key))
    }

    static func serverCertificateIsUsable(certificateFile: URL, keyFile: URL, authority: Certificate, now: Date)
        -> Bool
    {
        guard let chain = try? String(contentsOf: certificateFile, encoding: .utf8),
            let pems = try? PEMDocument.parseMultiple(pemString: chain), let leafPEM = pems.first,
            let leaf = try? Certificate(pemDocument: leafPEM),
            let keyPEM = try? String(contentsOf: keyFile, encoding: .utf8),
            let key = try? P256.Signing.PrivateKey(pemRepresentation: keyPEM)
        else { return false }
        return leaf.publicKey == Certificate.PublicKey(key.publicKey) && leaf.issuer == authority.subject
            && authority.publicKey.isValidSignature(leaf.signature, for: leaf)
            && leaf.notValidAfter > now.addingTimeInterval(30 * 86400)
    }
}
