import Foundation
import TutorSupport

/// A Graph request reduced to what the Graph handlers need, independent of the HTTP server.
struct GraphRequest: Sendable {
    /// Upper-case method (`GET`, `POST`, …).
    var method: String
    /// The path, percent-encoded as received, without the query (`/v1.0/applications`).
    var path: String
    /// The raw query string, without `?`.
    var query: String
    /// Header values by lower-case name.
    var headers: [String: String]
    /// The body bytes.
    var body: Data
    /// `https://host:port`, from the `Host` header, for `@odata.nextLink` and `@odata.context`.
    var baseURL: String
}

/// Graph's date format: ISO 8601 in UTC with whole seconds (`2024-05-01T12:00:00Z`).
enum GraphDate {
    private static let whole = Date.ISO8601FormatStyle()
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    static func string(_ date: Date) -> String {
        whole.format(date)
    }

    static func parse(_ text: String) -> Date? {
        (try? whole.parse(text)) ?? (try? fractional.parse(text))
    }

    static func value(_ date: Date?) -> JSONValue {
        date.map { .string(string($0)) } ?? .null
    }
}

extension JSONValue {
    /// An object from ordered pairs.
    static func members(_ pairs: [(String, JSONValue)]) -> JSONValue {
        .object(pairs.map { JSONMember($0.0, $0.1) })
    }

    /// A string or null.
    static func optional(_ string: String?) -> JSONValue {
        string.map(JSONValue.string) ?? .null
    }

    /// An array of strings.
    static func strings(_ strings: [String]) -> JSONValue {
        .array(strings.map(JSONValue.string))
    }
}

/// Whether `text` is a GUID in Graph's usual form.
func isGUID(_ text: String) -> Bool {
    text.count == 36 && UUID(uuidString: text) != nil
}

extension StringProtocol {
    /// Case-insensitive equality as Graph compares keys and names: ASCII byte by byte (ids,
    /// names), anything else through Foundation.
    func equalsIgnoringCase<Other: StringProtocol>(_ other: Other) -> Bool {
        var left = utf8.makeIterator()
        var right = other.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil):
                return true
            case (let a?, let b?) where a < 0x80 && b < 0x80:
                if a == b { continue }
                let lowerA = (0x41...0x5A).contains(a) ? a | 0x20 : a
                let lowerB = (0x41...0x5A).contains(b) ? b | 0x20 : b
                if lowerA != lowerB { return false }
            case (let a?, let b?) where a >= 0x80 || b >= 0x80:
                return String(self).caseInsensitiveCompare(String(other)) == .orderedSame
            default:
                // One side ended: equal only if what remains folds away, which ASCII never does.
                return String(self).caseInsensitiveCompare(String(other)) == .orderedSame
            }
        }
    }
}
