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

/// How a request's answer failed the document.
public enum AnswerMismatch: String, Sendable {
    /// The status differs from the response block's.
    case status = "UnexpectedStatus"
    /// The body does not hold what the response block shows.
    case body = "ExpectationFailed"
    /// A capture found nothing.
    case capture = "CaptureFailed"
    /// No response block, and the answer is not a 2xx.
    case httpError = "HTTPError"
}

/// Which exchange of a request failed: the request itself, or the lookup that runs before it.
public enum RequestPhase: String, Sendable {
    case request
    case lookup
}

/// A request that failed, with the places a report points at.
public struct StepFailure: Sendable {
    /// The step's title.
    public var step: String
    /// The request's name in the tutorial.
    public var request: String
    /// The request or its lookup.
    public var phase: RequestPhase
    /// The method as sent.
    public var method: String
    /// The URL as sent (secrets redacted).
    public var url: String
    /// The final status, if an answer came.
    public var status: Int?
    /// Graph's error (message redacted).
    public var graphError: GraphError?
    /// Graph's `request-id`.
    public var requestId: String?
    /// The request block.
    public var location: SourceLocation
    /// How the answer differs from the document, when it does.
    public var mismatch: AnswerMismatch?
    /// More words on what went wrong (redacted).
    public var detail: String

    /// `register_app`, or `register_app (lookup)`.
    public var displayName: String { phase == .lookup ? "\(request) (lookup)" : request }
}

/// Why `tutor run` stopped.
public enum RunnerError: Error, CustomStringConvertible, ExitStatusProviding {
    /// A request failed: Graph error, unexpected status or body, missing capture.
    case stepFailed(StepFailure)
    /// The tenant or network cannot be reached.
    case unreachable(String)
    /// Sign-in failed (bad secret, expired token, ...).
    case authenticationFailed(String)
    /// The token lacks permissions the tutorial needs; nothing was written.
    case missingPermissions([MissingPermission])
    /// Graph refused a request for lack of permission.
    case permissionDenied(step: String, request: String, requestId: String?, message: String)
    /// Inputs or flags are wrong (missing input, pattern mismatch, unknown `--from`); `at` is
    /// the declaration in the tutorial the message is about, when there is one.
    case usage(String, at: SourceLocation? = nil)
    /// The tutorial is unusable (e.g. a template names a variable nobody sets); `at` as for `usage`.
    case document(String, at: SourceLocation? = nil)
    /// The run state cannot be read or written.
    case state(String)
    /// SIGINT: the run stopped between requests and was saved.
    case interrupted(recordPath: String)
    /// An error of tutor's own, not of the tutorial or the tenant.
    case internalFailure(String)

    /// A message the user can act on.
    public var description: String {
        switch self {
        case .stepFailed(let failure):
            var lines = ["error: step \"\(failure.step)\" failed at request \(failure.displayName)"]
            lines.append("  \(failure.method) \(failure.url)")
            if let status = failure.status { lines.append("  status: \(status)") }
            if let graphError = failure.graphError {
                lines.append("  Graph error: \(graphError.code): \(graphError.message)")
            }
            if !failure.detail.isEmpty { lines.append("  \(failure.detail)") }
            if let requestId = failure.requestId { lines.append("  request-id: \(requestId)") }
            lines.append("  at \(failure.location.fileAndLine)")
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
        case .usage(let message, _), .document(let message, _): return "error: \(message)"
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
