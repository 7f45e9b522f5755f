import Foundation
import TutorRecord

/// What a run reports as it goes; secrets never appear in events.
public enum RunEvent: Sendable {
    /// The run begins.
    case runStarted(tutorial: String, tenant: String, steps: Int, resumed: Bool)
    /// A step begins (index from 0).
    case stepStarted(index: Int, title: String)
    /// A manual step: shown, not run.
    case stepManual(index: Int, title: String)
    /// A step was done by an earlier run and is skipped.
    case stepSkipped(index: Int, title: String)
    /// A step ends.
    case stepFinished(index: Int, title: String, outcome: StepOutcome, duration: Duration)
    /// One HTTP exchange finished (lookups and retries included); `at` is when, since the run
    /// started (set by the run as it happens, so it stays true for events printed later).
    case exchange(
        request: String, method: String, url: String, status: Int?, duration: Duration, note: String?,
        at: Duration? = nil)
    /// A request will be retried after `delay`; `at` as for `exchange`.
    case retrying(request: String, reason: String, delay: Duration, at: Duration? = nil)
    /// Something worth knowing that is not an error.
    case notice(String)
    /// The run ended.
    case runFinished(RunSummary)
}

/// How a step that started ended.
public enum StepOutcome: String, Sendable {
    /// Every request of the step went through.
    case succeeded
    /// A request failed; the run stops.
    case failed
    /// Ctrl-C stopped the run between two of the step's requests: not a failure, and the next
    /// run goes on from there.
    case interrupted
}

/// The end of a run: where things are and what to do next.
public struct RunSummary: Sendable {
    /// `succeeded`, `failed` or `interrupted`.
    public var status: RunStatus
    /// Wall time of the run.
    public var duration: Duration
    /// The tutorial's outputs, in declaration order, secrets as `[REDACTED]` (their values are
    /// only in `secrets.json`).
    public var outputs: [(name: String, value: String)]
    /// The tenant's subdomain.
    public var subdomain: String?
    /// `secrets.json`.
    public var secretsPath: String
    /// `record.json`.
    public var recordPath: String
    /// The state directory.
    public var stateDirectory: String
    /// Requests sent in this run.
    public var requestsSent: Int
    /// Resources created in this run.
    public var resourcesCreated: Int
    /// Connections (TLS handshakes) opened in this run, when the transport counts them.
    public var connectionsOpened: Int?
    /// Where the project is rendered after the run (`--out`), if anywhere.
    public var projectOutput: String? = nil
}

/// Receives run events (a console printer, a JSON Lines writer, a test's collector).
public protocol RunObserver: Sendable {
    /// Handles one event.
    func handle(_ event: RunEvent)
}

/// An observer that ignores everything.
public struct SilentObserver: RunObserver {
    public init() {}
    /// Does nothing.
    public func handle(_ event: RunEvent) {}
}
