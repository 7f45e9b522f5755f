import Foundation
import TutorDocument
import TutorHTTP
import TutorRecord
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
    /// Resources found by looking up creates a killed run left in flight (they are among `items`).
    public var adopted = 0

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
        retryPolicy: RetryPolicy = RetryPolicy(), dryRun: Bool = false
    ) async throws -> CleanupSummary {
        let store = RunStateStore(directory: stateDirectory)
        if !FileManager.default.fileExists(atPath: store.recordURL.path),
            FileManager.default.fileExists(atPath: stateDirectory.appendingPathComponent(".lock").path)
        {
            // A run that took the folder and died before it recorded anything sent no create:
            // its first save happens before its first request.
            return CleanupSummary(stateDirectory: stateDirectory.path, items: [])
        }
        guard FileManager.default.fileExists(atPath: store.recordURL.path) else {
            throw VerifyError.state(
                "\(store.recordURL.path) does not exist; is \(stateDirectory.path) a run's --state-dir?")
        }
        guard let (recorded, _) = try store.load() else {
            throw VerifyError.state("\(store.recordURL.path) cannot be read")
        }
        if recorded.tenant.sandbox != connection.isSandbox {
            throw VerifyError.usage(
                recorded.tenant.sandbox
                    ? "\(stateDirectory.path) holds a sandbox run; run tutor cleanup without --tenant"
                    : "\(stateDirectory.path) holds a run against a real tenant; give its --tenant and sign-in options")
        }
        let tokens = TokenProvider(connection: connection, transport: transport, prompt: { _ in })
        let token = try await tokens.token()
        let tenantId = connection.tenantId ?? AccessTokenClaims(token: token)?.tenantId
        if let recordedTenant = recorded.tenant.id, let tenantId, recordedTenant.lowercased() != tenantId.lowercased() {
            throw VerifyError.usage(
                "\(stateDirectory.path) belongs to tenant \(recordedTenant), but you signed in to \(tenantId)")
        }
        let tutorial = try? TutorialParser().parse(path: recorded.tutorial.path)
        var adopted = 0
        if let tutorial, !dryRun {
            // A run killed with a create in flight: what that create made is looked up first,
            // as a resumed run would, and enters the ledger.
            adopted = try await TutorialRunner(
                tutorial: tutorial, connection: connection, transport: transport,
                options: RunOptions(stateDirectory: stateDirectory, retryPolicy: retryPolicy, toolVersion: "cleanup")
            ).adoptInFlightCreates()
        }
        let lock = try store.acquire()
        defer { close(lock) }
        guard let (loaded, secrets) = try store.load() else {
            throw VerifyError.state("\(store.recordURL.path) cannot be read")
        }
        var record = loaded
        if dryRun {
            return CleanupSummary(
                stateDirectory: stateDirectory.path,
                items: record.resources.reversed().map { CleanupItem(planned: $0) })
        }
        var sources: [String: SourceLocation] = [:]
        if let tutorial {
            for request in tutorial.requests { sources[request.name] = request.location }
        }
        let cleaner = LedgerCleaner(
            connection: connection, transport: transport, tokens: tokens, retryPolicy: retryPolicy)
        let items = await cleaner.delete(record.resources, sources: sources)
        apply(items, to: &record)
        try store.save(record, record.resources.isEmpty ? SecretsFile() : secrets)
        return CleanupSummary(stateDirectory: stateDirectory.path, items: items, adopted: adopted)
    }

    /// The state folders under `root` (a verify run's `--state-root`, or a folder holding such
    /// roots): every folder, up to three levels down, that holds a `record.json`, in path order.
    public static func stateDirectories(under root: URL) throws -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw VerifyError.state("\(root.path) is not a folder")
        }
        var found: [URL] = []
        func visit(_ folder: URL, depth: Int) {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("record.json").path) {
                found.append(folder)
                return
            }
            guard depth < 3,
                let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
            else { return }
            for name in names.sorted() where !name.hasPrefix(".") {
                let child = folder.appendingPathComponent(name)
                var childIsDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: child.path, isDirectory: &childIsDirectory),
                    childIsDirectory.boolValue
                {
                    visit(child, depth: depth + 1)
                }
            }
        }
        visit(root, depth: 0)
        return found
    }

    /// Removes deleted (or already gone) resources from the record's ledger. When the ledger is
    /// empty afterwards, the record is marked `cleanedUp`: its requests are to be sent again and
    /// its outputs (which name deleted objects) are dropped, so a rerun starts over.
    public static func apply(_ items: [CleanupItem], to record: inout RunRecord) {
        let gone = Set(
            items.filter { $0.outcome == .deleted || $0.outcome == .alreadyGone }.map { "\($0.method) \($0.url)" })
        record.resources.removeAll { gone.contains("\($0.cleanup.method) \($0.cleanup.url)") }
        // Marked even when there was nothing to delete: a create left in flight that found
        // nothing stops holding the folder back.
        guard record.resources.isEmpty else { return }
        record.status = .cleanedUp
        record.outputs = [:]
        for step in record.steps.indices {
            if record.steps[step].status != .manual { record.steps[step].status = .pending }
            for request in record.steps[step].requests.indices
            where record.steps[step].requests[request].outcome != .pending {
                record.steps[step].requests[request].outcome = .cleanedUp
            }
        }
    }
}
