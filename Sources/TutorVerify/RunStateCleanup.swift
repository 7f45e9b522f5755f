import Foundation
import TutorDocument
import TutorHTTP
import TutorRunner
import TutorSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What `tutor cleanup` did.
public struct CleanupSummary: Sendable {
    /// The state directory.
    public var stateDirectory: String
    /// Each resource, in the order it was dealt with.
    public var items: [CleanupItem]

    /// Whether every resource is gone now.
    public var isComplete: Bool { items.allSatisfy { $0.outcome == .deleted || $0.outcome == .alreadyGone } }
}

/// `tutor cleanup --state-dir DIR`: deletes what a `tutor run` created, from its ledger, newest
/// first, and updates the record so that a later `tutor run` starts over instead of resuming.
public enum RunStateCleanup {
    /// Deletes the resources recorded in `stateDirectory` (plus creates a failed step left
    /// unrecorded, when the tutorial can still be read) and updates the record.
    public static func clean(
        stateDirectory: URL, connection: TenantConnection, transport: any HTTPTransport,
        retryPolicy: RetryPolicy = RetryPolicy()
    ) async throws -> CleanupSummary {
        let store = RunStateStore(directory: stateDirectory)
        guard FileManager.default.fileExists(atPath: store.recordURL.path) else {
            throw VerifyError.state(
                "\(store.recordURL.path) does not exist; is \(stateDirectory.path) a run's --state-dir?")
        }
        let lock = try store.acquire()
        defer { close(lock) }
        guard let (loaded, secrets) = try store.load() else {
            throw VerifyError.state("\(store.recordURL.path) cannot be read")
        }
        var record = loaded
        if record.tenant.sandbox != connection.isSandbox {
            throw VerifyError.usage(
                record.tenant.sandbox
                    ? "\(stateDirectory.path) holds a sandbox run; run tutor cleanup without --tenant"
                    : "\(stateDirectory.path) holds a run against a real tenant; give its --tenant and sign-in options")
        }
        let tokens = TokenProvider(connection: connection, transport: transport, prompt: { _ in })
        let token = try await tokens.token()
        let tenantId = connection.tenantId ?? AccessTokenClaims(token: token)?.tenantId
        if let recorded = record.tenant.id, let tenantId, recorded.lowercased() != tenantId.lowercased() {
            throw VerifyError.usage(
                "\(stateDirectory.path) belongs to tenant \(recorded), but you signed in to \(tenantId)")
        }
        var sources: [String: SourceLocation] = [:]
        if let tutorial = try? TutorialParser().parse(path: record.tutorial.path) {
            for request in tutorial.requests { sources[request.name] = request.location }
        }
        let cleaner = LedgerCleaner(
            connection: connection, transport: transport, tokens: tokens, retryPolicy: retryPolicy)
        let items = await cleaner.delete(record.resources, sources: sources)
        apply(items, to: &record)
        try store.save(record, record.resources.isEmpty ? SecretsFile() : secrets)
        return CleanupSummary(stateDirectory: stateDirectory.path, items: items)
    }

    /// Removes deleted (or already gone) resources from the record's ledger. When the ledger is
    /// empty afterwards, the record is marked `cleanedUp`: its requests are to be sent again and
    /// its outputs (which name deleted objects) are dropped, so a rerun starts over.
    public static func apply(_ items: [CleanupItem], to record: inout RunRecord) {
        let gone = Set(
            items.filter { $0.outcome == .deleted || $0.outcome == .alreadyGone }.map { "\($0.method) \($0.url)" })
        record.resources.removeAll { gone.contains("\($0.cleanup.method) \($0.cleanup.url)") }
        guard record.resources.isEmpty, !items.isEmpty else { return }
        record.status = "cleanedUp"
        record.outputs = [:]
        for step in record.steps.indices {
            if record.steps[step].status != "manual" { record.steps[step].status = "pending" }
            for request in record.steps[step].requests.indices
            where ["sent", "found", "failed", "inFlight"].contains(record.steps[step].requests[request].outcome) {
                record.steps[step].requests[request].outcome = "cleanedUp"
            }
        }
    }
}
