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

/// A Graph response before it becomes an HTTP response.
struct GraphResponse: Sendable {
    var status: Int
    var headers: [(String, String)] = []
    var body: JSONValue?
    /// A `text/plain` body instead of JSON (`/$count`).
    var text: String? = nil

    static func json(_ status: Int, _ body: JSONValue) -> GraphResponse {
        GraphResponse(status: status, headers: [], body: body)
    }

    static let noContent = GraphResponse(status: 204, headers: [], body: nil)
}

/// A Graph error: status, Graph's `code` and `message`, and extra headers (`Retry-After`, …).
struct GraphFailure: Error, Sendable {
    var status: Int
    var code: String
    var message: String
    var headers: [(String, String)] = []
    /// Graph's `error.details`: the specific reason (`code`) and what it is about (`target`).
    var details: [(code: String, target: String)] = []

    init(
        _ status: Int, _ code: String, _ message: String, headers: [(String, String)] = [],
        details: [(code: String, target: String)] = []
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        self.details = details
    }

    static func notFound(_ id: String) -> GraphFailure {
        GraphFailure(
            404, "Request_ResourceNotFound",
            "Resource '\(id)' does not exist or one of its queried reference-property objects are not present.")
    }

    static func badRequest(_ message: String) -> GraphFailure {
        GraphFailure(400, "Request_BadRequest", message)
    }

    static func invalidValue(_ property: String, _ resource: String) -> GraphFailure {
        badRequest("Invalid value specified for property '\(property)' of resource '\(resource)'.")
    }

    static func unknownProperty(_ property: String) -> GraphFailure {
        badRequest("Property '\(property)' does not exist as a declared property or extension property.")
    }

    static func readOnly(_ property: String) -> GraphFailure {
        badRequest("Property '\(property)' is read-only and cannot be set.")
    }

    static func missing(_ property: String, _ resource: String) -> GraphFailure {
        badRequest("Required property '\(property)' of resource '\(resource)' is missing.")
    }

    static let methodNotAllowed = GraphFailure(
        405, "Request_BadRequest", "Specified HTTP method is not allowed for the request uri.")

    static func unknownSegment(_ segment: String) -> GraphFailure {
        GraphFailure(400, "BadRequest", "Resource not found for the segment '\(segment)'.")
    }

    static let denied = GraphFailure(
        403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
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
