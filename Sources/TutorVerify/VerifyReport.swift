import Foundation
import TutorSupport

/// What kind of problem made a tutorial fail, so that the right person acts on it.
public enum FailureClass: String, Codable, Sendable, CaseIterable {
    /// The document is wrong: a response that does not match it, a 400 saying a request is invalid.
    case doc
    /// The tenant or the CI setup is wrong: 401/403, a missing permission, an unreachable tenant.
    case environment
    /// The service hiccupped: retries used up on 429, 5xx or timeouts.
    case transient
}

/// Why a tutorial (or its cleanup) failed, and where in the Markdown.
public struct VerifyFailure: Codable, Sendable, Equatable {
    /// The failure class.
    public var failureClass: FailureClass
    /// What went wrong, secrets redacted.
    public var message: String
    /// The file of the block (an include file when the block is in one).
    public var file: String?
    /// 1-based line of the block.
    public var line: Int?
    /// The `[!INCLUDE]` sites that led to `file`, outermost first, as `file:line`.
    public var includedFrom: [String]
    /// The step's title.
    public var step: String?
    /// The request's name.
    public var request: String?
    /// The final HTTP status, when there was one.
    public var status: Int?
    /// Graph's error code, or the runner's (`ExpectationFailed`, `UnexpectedStatus`, …).
    public var errorCode: String?
    /// Graph's `request-id`, for a support case.
    public var requestId: String?

    enum CodingKeys: String, CodingKey {
        case failureClass = "class"
        case message, file, line, includedFrom, step, request, status, errorCode, requestId
    }

    public init(
        failureClass: FailureClass, message: String, file: String? = nil, line: Int? = nil,
        includedFrom: [String] = [], step: String? = nil, request: String? = nil, status: Int? = nil,
        errorCode: String? = nil, requestId: String? = nil
    ) {
        self.failureClass = failureClass
        self.message = message
        self.file = file
        self.line = line
        self.includedFrom = includedFrom
        self.step = step
        self.request = request
        self.status = status
        self.errorCode = errorCode
        self.requestId = requestId
    }

    /// `file:line`, or nil when the failure has no place in the Markdown.
    public var location: String? {
        guard let file else { return nil }
        return line.map { "\(file):\($0)" } ?? file
    }
}

/// One step of a verified tutorial.
public struct StepResult: Codable, Sendable {
    /// Outcome of a step.
    public enum Status: String, Codable, Sendable {
        /// Every request of the step did what the document says.
        case passed
        /// A request of the step failed.
        case failed
        /// Not run: a manual step, or an earlier step failed.
        case skipped
    }

    /// The H2 heading.
    public var title: String
    /// `file:line` of the heading.
    public var source: String
    public var status: Status
    /// Time spent, in milliseconds.
    public var durationMs: Int
    /// Why a skipped step was skipped.
    public var skippedReason: String?
    /// Why a failed step failed.
    public var failure: VerifyFailure?
}

/// One resource the cleanup dealt with.
public struct CleanupItem: Codable, Sendable {
    /// What happened to a resource.
    public enum Outcome: String, Codable, Sendable {
        /// Deleted now.
        case deleted
        /// It was gone already (404).
        case alreadyGone
        /// Kept on purpose (`--keep-resources`).
        case kept
        /// It could not be deleted; it is still in the ledger.
        case failed
        /// `--dry-run`: would be deleted; nothing was sent.
        case planned
    }

    /// Kind, e.g. `application`.
    public var type: String
    /// Its id.
    public var id: String
    /// The request that created it.
    public var createdBy: String
    /// The deleting request's method.
    public var method: String
    /// The deleting request's URL as recorded (Learn form).
    public var url: String
    /// What happened.
    public var outcome: Outcome
    /// The HTTP status of the delete, when one was sent.
    public var status: Int?
    /// Why its delete failed (also for a resource that went with the one containing it).
    public var failure: VerifyFailure?
}

/// The result of one tutorial.
public struct TutorialResult: Codable, Sendable {
    /// Outcome of a tutorial.
    public enum Status: String, Codable, Sendable {
        /// Every step passed (and its resources were cleaned up).
        case passed
        /// A step failed, or the cleanup failed.
        case failed
        /// Not run: the verify run was interrupted first.
        case skipped
        /// Stopped by Ctrl-C after a request (what it created was cleaned up).
        case interrupted
    }

    /// The tutorial's path, as given.
    public var path: String
    /// Its title, when it could be read.
    public var title: String?
    public var status: Status
    /// Wall time (run and cleanup), in milliseconds.
    public var durationMs: Int
    /// The run's state directory (`record.json`).
    public var stateDirectory: String?
    /// The per-run names given to inputs (`appName` → `tutor-flask-webapp-v3k9q2-1`).
    public var uniqueInputs: [String: String]
    /// The first failure, if any.
    public var failure: VerifyFailure?
    /// Steps in order.
    public var steps: [StepResult]
    /// What the cleanup did, in the order it did it.
    public var cleanup: [CleanupItem]
    /// What this tutorial's run sent.
    public var traffic: TrafficCounts
}

/// Everything a verify run found: the data behind the JSON, JUnit and Markdown reports.
public struct VerifyReport: Codable, Sendable {
    /// Tool name and version.
    public struct Tool: Codable, Sendable {
        /// `tutor`.
        public var name: String
        public var version: String
    }

    /// The tenant verified against.
    public struct TenantSummary: Codable, Sendable {
        /// `sandbox`, or the `--tenant` value.
        public var name: String
        /// Graph base URL.
        public var graphURL: String
        /// Whether it is the sandbox.
        public var sandbox: Bool
    }

    /// The write budget and what it let through.
    public struct Throttling: Codable, Sendable {
        /// Budget: writes per second (0 = unlimited).
        public var writesPerSecond: Double
        /// Budget: burst.
        public var writeBurst: Int
        /// Traffic of all tutorials together (cleanup included).
        public var traffic: TrafficCounts
    }

    public struct Summary: Codable, Sendable {
        /// Tutorials verified (after sharding).
        public var tutorials: Int
        public var passed: Int
        public var failed: Int
        /// Not run.
        public var skipped: Int
        /// Failed tutorials by failure class.
        public var failuresByClass: [String: Int]
        /// Resources deleted (or found gone) by the cleanup.
        public var resourcesDeleted: Int
        /// Resources left in the tenant (kept, or failed to delete).
        public var resourcesLeft: Int
    }

    public var tool: Tool
    /// The verify run's id (also the suffix of unique names).
    public var runId: String
    public var tenant: TenantSummary
    /// `passed`, `failed` or `interrupted`.
    public var status: String
    /// ISO 8601 start.
    public var startedAt: String
    /// ISO 8601 end.
    public var finishedAt: String
    /// Wall time, in milliseconds.
    public var durationMs: Int
    /// Parallel jobs.
    public var jobs: Int
    /// `I/N`, when sharded.
    public var shard: String?
    public var summary: Summary
    /// The write budget and the 429s seen.
    public var throttling: Throttling
    /// One entry per tutorial, in the order given.
    public var tutorials: [TutorialResult]

    /// The report as pretty, key-sorted JSON (`--report FILE`).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }

    /// The exit status: 0 all passed; 130 interrupted; when every failure is of one local or
    /// environment kind, that kind's code (77 sign-in or permission, 69 unreachable, 73 the state
    /// folder cannot be written, 70 an internal error); otherwise 1.
    public var exitStatus: ExitStatus {
        if status == "interrupted" { return .interrupted }
        let failures = tutorials.filter { $0.status == .failed }
        guard !failures.isEmpty else { return .success }
        let codes = failures.compactMap { $0.failure?.failureClass == .environment ? $0.failure?.errorCode : nil }
        guard codes.count == failures.count else { return .stepFailed }
        if codes.contains("Internal") { return .software }
        let signIn: Set<String> = ["AuthenticationFailed", "PermissionDenied", "MissingPermission"]
        if codes.allSatisfy(signIn.contains) { return .noPermission }
        if codes.allSatisfy({ $0 == "Unreachable" }) { return .unavailable }
        if codes.allSatisfy({ $0 == "State" }) { return .cannotCreate }
        return .stepFailed
    }

    /// Every resource still in the tenant after the cleanup (kept, or not deleted), with its tutorial.
    public var resourcesLeft: [(tutorial: String, item: CleanupItem)] {
        tutorials.flatMap { tutorial in
            tutorial.cleanup.filter { $0.outcome == .kept || $0.outcome == .failed }.map { (tutorial.path, $0) }
        }
    }
}
