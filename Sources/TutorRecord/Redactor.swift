import Foundation
import TutorSupport

/// Replaces secret values wherever they appear: as they are, and in the forms a request gives
/// them (percent-encoded in a URL, escaped in a JSON string).
public struct Redactor: Sendable {
    /// Every form of every secret.
    public var secrets: Set<String>

    /// A redactor for `secrets` and their encoded forms.
    public init(secrets: Set<String>) {
        var forms: Set<String> = []
        for secret in secrets where !secret.isEmpty {
            forms.insert(secret)
            forms.insert(PercentEncoding.unreserved(secret))
            forms.insert(JSONValue.escape(secret))
        }
        // Longest first, so that a secret inside another is not replaced before the longer one.
        self.secrets = forms
        self.ordered = forms.sorted { $0.count > $1.count }
    }

    private var ordered: [String]

    /// The text with every secret replaced by `[REDACTED]`.
    public func redact(_ text: String) -> String {
        var text = text
        for secret in ordered where text.contains(secret) {
            text = text.replacingOccurrences(of: secret, with: RunRecord.redacted)
        }
        return text
    }

    /// Member names whose string values are secrets whatever the tutorial declares.
    public static let secretKeys: Set<String> = [
        "secrettext", "password", "client_secret", "access_token", "refresh_token", "id_token",
    ]

    /// The value with every string that holds a secret redacted.
    public func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let string): return .string(redact(string))
        case .array(let elements): return .array(elements.map(redact))
        case .object(let members):
            return .object(
                members.map { member in
                    if Self.secretKeys.contains(member.key.lowercased()), case .string = member.value {
                        return .init(member.key, .string(RunRecord.redacted))
                    }
                    return .init(redact(member.key), redact(member.value))
                })
        default: return value
        }
    }

    /// A body as JSON for the record: parsed when it is JSON, else a string; redacted.
    public func recordedBody(_ data: Data?) -> JSONValue? {
        guard let data, !data.isEmpty else { return nil }
        if let value = try? JSONValue.parse(data) { return redact(value) }
        return .string(redact(String(decoding: data, as: UTF8.self)))
    }
}
