import Crypto
import Foundation
import _CryptoExtras

/// Hashes passwords and client secrets for storage and checks candidates against the hashes.
///
/// Passwords (chosen by people) get PBKDF2-SHA256 (210,000 rounds, swift-crypto's minimum); client secrets (random, 40 characters) get a
/// salted SHA-256, which is enough for high-entropy values and keeps token requests fast.
enum SecretHasher {
    static let passwordRounds = 210_000

    /// A stored form `pbkdf2-sha256$rounds$salt$hash` of a password.
    static func hashPassword(_ password: String) -> String {
        let salt = randomBytes(16)
        let hash = pbkdf2(password, salt: salt, rounds: passwordRounds)
        return "pbkdf2-sha256$\(passwordRounds)$\(Data(salt).base64EncodedString())$\(hash.base64EncodedString())"
    }

    /// A stored form `sha256$salt$hash` of a client secret.
    static func hashSecret(_ secret: String) -> String {
        let salt = randomBytes(16)
        let hash = Data(SHA256.hash(data: salt + Array(secret.utf8)))
        return "sha256$\(Data(salt).base64EncodedString())$\(hash.base64EncodedString())"
    }

    /// Whether `candidate` hashes to `stored` (either form), compared in constant time.
    static func verify(_ candidate: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$").map(String.init)
        switch parts.first {
        case "pbkdf2-sha256":
            guard parts.count == 4, let rounds = Int(parts[1]), let salt = Data(base64Encoded: parts[2]),
                let expected = Data(base64Encoded: parts[3])
            else { return false }
            return constantTimeEqual(pbkdf2(candidate, salt: [UInt8](salt), rounds: rounds), expected)
        case "sha256":
            guard parts.count == 3, let salt = Data(base64Encoded: parts[1]),
                let expected = Data(base64Encoded: parts[2])
            else { return false }
            return constantTimeEqual(Data(SHA256.hash(data: [UInt8](salt) + Array(candidate.utf8))), expected)
        default:
            return false
        }
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// A random client secret in the shape Entra gives: 40 characters from a URL-safe alphabet.
    static func newClientSecret() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789~._-")
        var generator = SystemRandomNumberGenerator()
        return String((0..<40).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    private static func pbkdf2(_ password: String, salt: [UInt8], rounds: Int) -> Data {
        // Only fails for parameters outside BoringSSL's limits, which ours are not.
        let key = try? KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: .sha256, outputByteCount: 32, rounds: rounds)
        return key.map { $0.withUnsafeBytes { Data($0) } } ?? Data()
    }

    private static func constantTimeEqual(_ lhs: Data, _ rhs: Data) -> Bool {
        guard lhs.count == rhs.count, !lhs.isEmpty else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(lhs, rhs) { difference |= left ^ right }
        return difference == 0
    }
}
