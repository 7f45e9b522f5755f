import Foundation
import TutorSupport

/// Where a run stands (`record.json` → `status`).
public enum RunStatus: String, Codable, Sendable {
    /// A run holds the folder now, or was killed while it did.
    case running
    case succeeded
    case failed
    /// Stopped by Ctrl-C (or SIGTERM) between requests; rerun to resume.
    case interrupted
    /// `tutor cleanup` deleted everything in the ledger; a rerun starts over and creates anew.
    case cleanedUp
}

/// Where a step stands (`steps[].status`).
public enum StepStatus: String, Codable, Sendable {
    /// Not done yet (or undone by a cleanup).
    case pending
    case succeeded
    case failed
    /// Prose only: nothing to run.
    case manual
    /// Stopped between its requests.
    case interrupted
}

/// What became of a request (`steps[].requests[].outcome`).
public enum RequestOutcome: String, Codable, Sendable {
    /// Not sent yet in this record.
    case pending
    /// Sent and answered as the document expects.
    case sent
    /// Its lookup found the object, so nothing was sent.
    case found
    /// Marked on disk before a create was sent and not yet answered: a rerun or `tutor cleanup`
    /// looks the object up and adopts it rather than creating a second one.
    case inFlight
    case failed
    /// Marked `skipIfCaptured` and everything it captures was already set by an earlier
    /// request; not done for good: the next run decides again.
    case skipped
    /// What it created was deleted by `tutor cleanup`.
    case cleanedUp

    /// Whether the request is done and a resumed run skips it.
    public var isDone: Bool { self == .sent || self == .found }
}

/// `record.json`: everything a run did, with every secret replaced by `[REDACTED]` (docs/ledger.md).
public struct RunRecord: Codable, Sendable {
    /// The value that stands for a secret anywhere in the record.
    public static let redacted = "[REDACTED]"

    /// The tool that wrote the record.
    public struct Tool: Codable, Sendable {
        /// Always `tutor`.
        public var name: String
        /// Tool version.
        public var version: String

        public init(name: String, version: String) {
            self.name = name
            self.version = version
        }
    }

    /// The tutorial that ran.
    public struct TutorialInfo: Codable, Sendable {
        /// Path as given.
        public var path: String
        /// SHA-256 of the top-level file.
        public var sha256: String

        public init(path: String, sha256: String) {
            self.path = path
            self.sha256 = sha256
        }
    }

    /// The tenant it ran against.
    public struct TenantInfo: Codable, Sendable {
        /// Tenant id.
        public var id: String?
        public var subdomain: String?
        /// Graph base URL.
        public var graphURL: String
        /// Whether it is the sandbox.
        public var sandbox: Bool
        /// The sandbox's CA certificate file, which a rendered app must trust (nil on a real tenant).
        public var caFile: String?

        public init(id: String? = nil, subdomain: String? = nil, graphURL: String, sandbox: Bool, caFile: String? = nil)
        {
            self.caFile = caFile
            self.id = id
            self.subdomain = subdomain
            self.graphURL = graphURL
            self.sandbox = sandbox
        }
    }

    /// A Graph error code and message.
    public struct ErrorInfo: Codable, Sendable, Hashable {
        /// Graph's code (or the runner's, e.g. `ExpectationFailed`).
        public var code: String
        public var message: String

        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    /// One request of a step.
    public struct RequestEntry: Codable, Sendable {
        /// Request name.
        public var name: String
        public var method: String
        /// URL as sent (rebased, interpolated).
        public var url: String
        /// Final HTTP status.
        public var status: Int?
        /// Total time including retries.
        public var durationMs: Int
        /// Attempts made (0 when a lookup found the object).
        public var attempts: Int
        /// Graph's `request-id` of the final response.
        public var requestId: String?
        /// Graph's error, if the request failed.
        public var error: ErrorInfo?
        /// Body sent (secrets redacted).
        public var requestBody: JSONValue?
        /// Body received (secrets redacted).
        public var responseBody: JSONValue?
        /// `file:line` of the request block.
        public var source: String
        /// What became of the request.
        public var outcome: RequestOutcome

        public init(
            name: String, method: String, url: String, status: Int? = nil, durationMs: Int, attempts: Int,
            requestId: String? = nil, error: ErrorInfo? = nil, requestBody: JSONValue? = nil,
            responseBody: JSONValue? = nil, source: String, outcome: RequestOutcome
        ) {
            self.name = name
            self.method = method
            self.url = url
            self.status = status
            self.durationMs = durationMs
            self.attempts = attempts
            self.requestId = requestId
            self.error = error
            self.requestBody = requestBody
            self.responseBody = responseBody
            self.source = source
            self.outcome = outcome
        }
    }

    /// One step.
    public struct StepEntry: Codable, Sendable {
        public var title: String
        /// `file:line` of the heading.
        public var source: String
        /// Where the step stands.
        public var status: StepStatus
        /// Time spent on the step in this run.
        public var durationMs: Int
        /// Its requests.
        public var requests: [RequestEntry]

        public init(title: String, source: String, status: StepStatus, durationMs: Int, requests: [RequestEntry]) {
            self.title = title
            self.source = source
            self.status = status
            self.durationMs = durationMs
            self.requests = requests
        }
    }

    /// A resource the run created, and how to delete it.
    public struct Resource: Codable, Sendable, Hashable {
        /// Kind, e.g. `application`.
        public var type: String
        /// Its id (last path segment of the cleanup URL).
        public var id: String
        /// The request that created it.
        public var createdBy: String
        /// How to delete it.
        public var cleanup: CleanupEntry

        public init(type: String, id: String, createdBy: String, cleanup: CleanupEntry) {
            self.type = type
            self.id = id
            self.createdBy = createdBy
            self.cleanup = cleanup
        }
    }

    /// The request that deletes a resource.
    public struct CleanupEntry: Codable, Sendable, Hashable {
        /// Usually DELETE.
        public var method: String
        /// Absolute URL on the tenant.
        public var url: String

        public init(method: String, url: String) {
            self.method = method
            self.url = url
        }
    }

    /// Tool name and version.
    public var tool: Tool
    /// Tutorial path and hash.
    public var tutorial: TutorialInfo
    public var tenant: TenantInfo
    /// Where the run stands.
    public var status: RunStatus
    /// ISO 8601 time the first run started.
    public var startedAt: String
    /// ISO 8601 time the latest run ended.
    public var finishedAt: String?
    /// Steps in order.
    public var steps: [StepEntry]
    /// Variables from inputs and `--var` (secrets redacted).
    public var inputs: [String: String]
    /// Captured variables (secrets redacted).
    public var captures: [String: String]
    /// The ledger of created resources.
    public var resources: [Resource]
    /// Values for the template (secrets redacted).
    public var outputs: [String: String]

    /// A time as the record writes it (`startedAt`, `finishedAt`): ISO 8601 in UTC with
    /// milliseconds. `ISO8601FormatStyle` rather than `ISO8601DateFormatter`: the latter goes
    /// through ICU, whose calendar and data (3 MB touched) would load for every run.
    public static func timestamp(_ date: Date = Date()) -> String {
        date.formatted(withMilliseconds)
    }

    /// A time the record holds, with or without fractional seconds; nil when it is not one.
    /// The format style rolls an impossible date over (February 30th reads as March 2nd), so
    /// the date and time it read must print back as the text has them.
    public static func date(fromTimestamp text: String) -> Date? {
        guard let date = (try? withMilliseconds.parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text)),
            timestamp(date).prefix(19) == text.prefix(19)
        else { return nil }
        return date
    }

    private static let withMilliseconds = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// The record as pretty, key-sorted JSON.
    public func encoded() throws -> Data { try StateFileEncoding.encode(self) }

    /// Reads a record.
    public static func decode(_ data: Data) throws -> RunRecord {
        try JSONDecoder().decode(RunRecord.self, from: data)
    }

    /// The request entry named `name`, if recorded.
    public func request(named name: String) -> RequestEntry? {
        for step in steps {
            if let entry = step.requests.first(where: { $0.name == name }) { return entry }
        }
        return nil
    }

    public init(
        tool: Tool, tutorial: TutorialInfo, tenant: TenantInfo, status: RunStatus, startedAt: String,
        finishedAt: String? = nil, steps: [StepEntry], inputs: [String: String], captures: [String: String],
        resources: [Resource], outputs: [String: String]
    ) {
        self.tool = tool
        self.tutorial = tutorial
        self.tenant = tenant
        self.status = status
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.steps = steps
        self.inputs = inputs
        self.captures = captures
        self.resources = resources
        self.outputs = outputs
    }
}
