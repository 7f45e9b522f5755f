import TutorDocument
import TutorSupport

/// A Graph error body: `{"error": {"code", "message", "innerError": {...}}}`.
public struct GraphError: Sendable, Hashable, Codable {
    /// Graph's error code, e.g. `Request_BadRequest`.
    public var code: String
    /// Graph's message.
    public var message: String
    /// The codes of `error.details[]`, where Graph puts the specific reason under a general code
    /// (`Request_BadRequest` with `NoBackingApplicationObject`).
    public var detailCodes: [String] = []

    /// Creates a Graph error.
    public init(code: String, message: String, detailCodes: [String] = []) {
        self.code = code
        self.message = message
        self.detailCodes = detailCodes
    }

    /// Reads the error from a response body, if it has one.
    public init?(body: JSONValue?) {
        guard let error = body?["error"], let code = error["code"]?.stringValue else { return nil }
        self.code = code
        self.message = error["message"]?.stringValue ?? error["error_description"]?.stringValue ?? ""
        self.detailCodes = error["details"]?.arrayElements?.compactMap { $0["code"]?.stringValue } ?? []
    }

    /// Whether `code` is this error's code or one of its details' codes (ASCII case-insensitive).
    public func hasCode(_ code: String) -> Bool {
        ([self.code] + detailCodes).contains { $0.caseInsensitiveCompare(code) == .orderedSame }
    }
}

/// A permission the token lacks, and the request that needs it.
public struct MissingPermission: Sendable, Hashable {
    /// Step title.
    public var step: String
    /// Request name.
    public var request: String
    /// The scopes any one of which would do.
    public var scopes: [String]
    /// `file:line` of the request block.
    public var source: String
}

/// Why `tutor run` stopped.
public enum RunnerError: Error, CustomStringConvertible, ExitStatusProviding {
    /// A request failed: Graph error, unexpected status or body, missing capture.
    case stepFailed(
        step: String, request: String, method: String, url: String, status: Int?, graphError: GraphError?,
        requestId: String?, source: String, detail: String)
    /// The tenant or network cannot be reached.
    case unreachable(String)
    /// Sign-in failed (bad secret, expired token, ...).
    case authenticationFailed(String)
    /// The token lacks permissions the tutorial needs; nothing was written.
    case missingPermissions([MissingPermission])
    /// Graph refused a request for lack of permission.
    case permissionDenied(step: String, request: String, requestId: String?, message: String)
    /// Inputs or flags are wrong (missing input, pattern mismatch, unknown `--from`).
    case usage(String)
    /// The tutorial is unusable (e.g. a template names a variable nobody sets).
    case document(String)
    /// The run state cannot be read or written.
    case state(String)
    /// SIGINT: the run stopped between requests and was saved.
    case interrupted(recordPath: String)
    /// An error of tutor's own, not of the tutorial or the tenant.
    case internalFailure(String)

    /// A message the user can act on.
    public var description: String {
        switch self {
        case .stepFailed(
            let step, let request, let method, let url, let status, let graphError, let requestId, let source,
            let detail):
            var lines = ["error: step \"\(step)\" failed at request \(request)"]
            lines.append("  \(method) \(url)")
            if let status { lines.append("  status: \(status)") }
            if let graphError { lines.append("  Graph error: \(graphError.code): \(graphError.message)") }
            if !detail.isEmpty { lines.append("  \(detail)") }
            if let requestId { lines.append("  request-id: \(requestId)") }
            lines.append("  at \(source)")
            return lines.joined(separator: "\n")
        case .unreachable(let message): return "error: tenant unreachable: \(message)"
        case .authenticationFailed(let message): return "error: sign-in failed: \(message)"
        case .missingPermissions(let missing):
            var lines = ["error: the signed-in identity lacks permissions the tutorial needs (nothing was changed):"]
            for item in missing {
                lines.append(
                    "  \(item.scopes.joined(separator: " or ")) — needed by \(item.request) in step \"\(item.step)\" (\(item.source))"
                )
            }
            lines.append(
                "Grant these application permissions (with admin consent) or sign in as an identity that has them.")
            return lines.joined(separator: "\n")
        case .permissionDenied(let step, let request, let requestId, let message):
            return "error: permission denied in step \"\(step)\" at request \(request): \(message)"
                + (requestId.map { "\n  request-id: \($0)" } ?? "")
        case .usage(let message): return "error: \(message)"
        case .document(let message): return "error: \(message)"
        case .state(let message): return "error: run state: \(message)"
        case .interrupted(let recordPath): return "interrupted; progress saved in \(recordPath) — run again to resume"
        case .internalFailure(let message): return "error: internal: \(message)"
        }
    }

    /// The exit status the README gives each failure.
    public var exitStatus: ExitStatus {
        switch self {
        case .stepFailed: return .stepFailed
        case .unreachable: return .unavailable
        case .authenticationFailed, .missingPermissions, .permissionDenied: return .noPermission
        case .usage: return .usage
        case .document: return .dataError
        case .state: return .cannotCreate
        case .interrupted: return .interrupted
        case .internalFailure: return .software
        }
    }
}
