import Foundation
import TutorDocument
import TutorHTTP
import TutorRecord
import TutorRunner
import TutorSupport

/// Settings of one `tutor verify`.
public struct VerifyOptions: Sendable {
    /// `--var NAME=VALUE` for every tutorial (such inputs are not made unique).
    public var variables: [String: String]
    /// Where each tutorial's state directory is made (`<root>/<n>-<stem>`).
    public var stateRoot: URL
    /// Tutorials run at the same time.
    public var jobs: Int
    /// Leave what the tutorials created in the tenant (for `tutor cleanup` later).
    public var keepResources: Bool
    /// Retry timing of every request (and of the cleanup's deletes).
    public var retryPolicy: RetryPolicy
    /// The shared write budget: writes per second for all parallel runs together; 0 = unlimited.
    public var writesPerSecond: Double
    /// The write budget's burst.
    public var writeBurst: Int
    /// This run's id: the suffix of unique names, the default state root's name.
    public var runId: String
    /// `--shard`, for the report.
    public var shard: Shard?
    /// The tool's version, for records and reports.
    public var toolVersion: String

    /// Creates options. The write budget defaults to `WriteBudget.defaultWritesPerSecond` and
    /// `defaultBurst`, which together never exceed Microsoft Entra's documented write quota for
    /// one app in one tenant (`EntraWriteQuota`).
    public init(
        variables: [String: String] = [:], stateRoot: URL, jobs: Int = 1, keepResources: Bool = false,
        retryPolicy: RetryPolicy = RetryPolicy(), writesPerSecond: Double = WriteBudget.defaultWritesPerSecond,
        writeBurst: Int = WriteBudget.defaultBurst,
        runId: String = UniqueNames.newRunId(), shard: Shard? = nil, toolVersion: String
    ) {
        self.variables = variables
        self.stateRoot = stateRoot
        self.jobs = max(jobs, 1)
        self.keepResources = keepResources
        self.retryPolicy = retryPolicy
        self.writesPerSecond = writesPerSecond
        self.writeBurst = writeBurst
        self.runId = runId
        self.shard = shard
        self.toolVersion = toolVersion
    }
}

/// Progress of a verify run, for the console.
public enum VerifyProgress: Sendable {
    /// A tutorial begins (index from 0).
    case started(index: Int, total: Int, path: String)
    /// A tutorial is done, cleanup included.
    case finished(index: Int, total: Int, result: TutorialResult)
}

/// A tutorial file as read once for a verify run: the `--var` check and the run share it.
public struct TutorialDocument: Sendable {
    /// The path as given.
    public var path: String
    /// The parsed tutorial, or why it cannot be read.
    public var parsed: Result<Tutorial, any Error>

    /// Reads each of `paths`.
    public static func read(_ paths: [String]) -> [TutorialDocument] {
        paths.map { path in TutorialDocument(path: path, parsed: Result { try TutorialParser().parse(path: path) }) }
    }
}

/// Verifies tutorials against one tenant: each in a fresh state directory with unique names,
/// stopping at its first failing step, cleaned up afterwards, with failures classified and
/// traced to the Markdown.
public struct Verifier: Sendable {
    public let connection: TenantConnection
    /// HTTP clients: one per job, because a client may send one request at a time (the
    /// libcurl client does); job `k` uses `transports[k % transports.count]`.
    public let transports: [any HTTPTransport]
    public let options: VerifyOptions
    /// Raised by SIGINT: no further tutorial starts; running ones stop and are cleaned up.
    public let interrupt: InterruptFlag
    /// Hears about each tutorial's start and end.
    public let progress: @Sendable (VerifyProgress) -> Void

    /// Creates a verifier; give `transports` one client per job (at least one).
    public init(
        connection: TenantConnection, transports: [any HTTPTransport], options: VerifyOptions,
        interrupt: InterruptFlag = InterruptFlag(), progress: @escaping @Sendable (VerifyProgress) -> Void = { _ in }
    ) {
        precondition(!transports.isEmpty, "a verifier needs an HTTP client")
        self.connection = connection
        self.transports = transports
        self.options = options
        self.interrupt = interrupt
        self.progress = progress
    }

    /// Verifies `paths` (already sharded) and returns the report; never throws: every problem
    /// is a result in the report.
    public func verify(_ paths: [String]) async -> VerifyReport {
        await verify(TutorialDocument.read(paths))
    }

    /// Verifies tutorials read beforehand (see `TutorialDocument.read`).
    public func verify(_ documents: [TutorialDocument]) async -> VerifyReport {
        let paths = documents.map(\.path)
        let clock = ContinuousClock()
        let started = clock.now
        let startedAt = Date()
        let budget =
            options.writesPerSecond > 0
            ? WriteBudget(writesPerSecond: options.writesPerSecond, burst: options.writeBurst) : nil

        var results = [TutorialResult?](repeating: nil, count: paths.count)
        await withTaskGroup(of: (Int, Int, TutorialResult).self) { group in
            var next = 0
            func startNext(slot: Int) {
                guard next < paths.count, !interrupt.isRaised else { return }
                let index = next
                next += 1
                let client = transports[slot % transports.count]
                group.addTask {
                    progress(.started(index: index, total: paths.count, path: paths[index]))
                    let result = await verifyOne(documents[index], index: index, client: client, budget: budget)
                    progress(.finished(index: index, total: paths.count, result: result))
                    return (slot, index, result)
                }
            }
            for slot in 0..<min(options.jobs, paths.count) { startNext(slot: slot) }
            for await (slot, index, result) in group {
                results[index] = result
                startNext(slot: slot)
            }
        }
        let tutorials = results.enumerated().map { index, result in
            result
                ?? TutorialResult(
                    path: paths[index], title: nil, status: .skipped, durationMs: 0, stateDirectory: nil,
                    uniqueInputs: [:], failure: nil, steps: [], cleanup: [], traffic: TrafficCounts())
        }
        let traffic = tutorials.map(\.traffic).reduce(TrafficCounts(), +)
        var byClass: [String: Int] = [:]
        for result in tutorials where result.status == .failed {
            if let failure = result.failure { byClass[failure.failureClass.rawValue, default: 0] += 1 }
        }
        let cleanups = tutorials.flatMap(\.cleanup)
        let failed = tutorials.filter { $0.status == .failed }.count
        let status = interrupt.isRaised ? "interrupted" : (failed == 0 ? "passed" : "failed")
        return VerifyReport(
            tool: .init(name: "tutor", version: options.toolVersion), runId: options.runId,
            tenant: .init(name: connection.name, graphURL: connection.graphURL, sandbox: connection.isSandbox),
            status: status, startedAt: Self.timestamp(startedAt), finishedAt: Self.timestamp(Date()),
            durationMs: (clock.now - started).milliseconds, jobs: options.jobs, shard: options.shard?.description,
            summary: .init(
                tutorials: tutorials.count, passed: tutorials.filter { $0.status == .passed }.count, failed: failed,
                skipped: tutorials.filter { $0.status == .skipped }.count, failuresByClass: byClass,
                resourcesDeleted: cleanups.filter { $0.outcome == .deleted || $0.outcome == .alreadyGone }.count,
                resourcesLeft: cleanups.filter { $0.outcome == .kept || $0.outcome == .failed }.count),
            throttling: .init(
                writesPerSecond: options.writesPerSecond, writeBurst: options.writeBurst, traffic: traffic),
            tutorials: tutorials)
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// The `--var` names that no tutorial among `paths` declares as an input, each with the
    /// message that names the inputs (tutorials that cannot be read are reported later).
    public static func unknownVariables(_ names: some Sequence<String>, in documents: [TutorialDocument]) -> [String] {
        var declared: Set<String> = []
        for document in documents {
            if case .success(let tutorial) = document.parsed { declared.formUnion(tutorial.inputs.map(\.name)) }
        }
        return names.sorted().filter { !declared.contains($0) }.map {
            "--var \($0): " + Suggestion.unknownName($0, kind: "input", known: declared)
        }
    }

    /// The state directory of the tutorial at `index`.
    func stateDirectory(index: Int, path: String) -> URL {
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return options.stateRoot.appendingPathComponent("\(index + 1)-\(stem)")
    }

    /// Runs, reports and cleans up one tutorial.
    func verifyOne(_ document: TutorialDocument, index: Int, client: any HTTPTransport, budget: WriteBudget?) async
        -> TutorialResult
    {
        let clock = ContinuousClock()
        let started = clock.now
        let path = document.path
        let tutorial: Tutorial
        switch document.parsed {
        case .success(let parsed):
            tutorial = parsed
        case .failure(let error):
            let failure = FailureClassifier.classify(documentError: error, path: path)
            return TutorialResult(
                path: path, title: nil, status: .failed, durationMs: (clock.now - started).milliseconds,
                stateDirectory: nil, uniqueInputs: [:], failure: failure,
                steps: [
                    StepResult(
                        title: "Read the tutorial", source: failure.location ?? path, status: .failed, durationMs: 0,
                        skippedReason: nil, failure: failure)
                ], cleanup: [], traffic: TrafficCounts())
        }
        let unique = UniqueNames.overrides(
            for: tutorial, suffix: "\(options.runId)-\(index + 1)", given: options.variables)
        let state = stateDirectory(index: index, path: path)
        // `--var` applies to the tutorials that declare the input (checked against all of them
        // before the run starts).
        let declared = Set(tutorial.inputs.map(\.name))
        let transport = BudgetedTransport(inner: client, budget: budget, graphURL: connection.graphURL)
        let runner = TutorialRunner(
            tutorial: tutorial, connection: connection, transport: transport,
            options: RunOptions(
                variables: options.variables.filter { name, _ in declared.contains(name) }
                    .merging(unique) { given, _ in given }, stateDirectory: state,
                fresh: true, retryPolicy: options.retryPolicy, toolVersion: options.toolVersion),
            interrupt: interrupt)
        var runError: (any Error)?
        do {
            _ = try await runner.run()
        } catch {
            runError = error
            // A create whose answer never came (and was not found while the run went on) may
            // still have made its object: look once more, so that the cleanup deletes it.
            _ = try? await runner.adoptInFlightCreates()
        }
        let store = RunStateStore(directory: state)
        let saved = try? store.load()
        var record = saved?.0
        let redactor = SecretScrubber(
            secrets: Set((saved?.1.variables.values).map(Array.init) ?? []).union(connection.credentialSecrets))
        var failure = runError.map {
            FailureClassifier.classify(
                $0, tutorial: tutorial, record: record, lastTransportFailure: transport.lastFailure)
        }
        if let message = failure?.message { failure?.message = redactor.scrub(message) }
        let steps = Self.stepResults(tutorial: tutorial, record: record, failure: failure)

        // Cleanup: the ledger (the runner records creates that failed their expectation too), newest first.
        var cleanup: [CleanupItem] = []
        if var current = record {
            let resources = current.resources
            if options.keepResources {
                cleanup = resources.reversed().map { CleanupItem(kept: $0) }
            } else {
                var sources: [String: SourceLocation] = [:]
                for request in tutorial.requests { sources[request.name] = request.location }
                let cleaner = LedgerCleaner(
                    connection: connection, transport: transport,
                    tokens: TokenProvider(connection: connection, transport: client, prompt: { _ in }),
                    retryPolicy: options.retryPolicy)
                cleanup = await cleaner.delete(resources, sources: sources)
                for item in cleanup.indices {
                    if let message = cleanup[item].failure?.message {
                        cleanup[item].failure?.message = redactor.scrub(message)
                    }
                }
                current.resources = resources
                RunStateCleanup.apply(cleanup, to: &current)
            }
            // Keep the ledger honest for `tutor cleanup`; a secret of a deleted app is useless.
            if (try? store.save(current, current.resources.isEmpty ? SecretsFile() : saved?.1 ?? SecretsFile()))
                != nil
            {
                record = current
            }
        }
        let cleanupFailure = cleanup.first { $0.failure != nil }?.failure
        // Ctrl-C is not a failure of the tutorial or of the tenant: it is reported as such.
        if case .interrupted? = runError as? RunnerError, cleanupFailure == nil {
            // The step Ctrl-C stopped in, or the one it kept from starting, says so.
            var steps = Self.stepResults(tutorial: tutorial, record: saved?.0, failure: nil)
            if !steps.contains(where: { $0.skippedReason == "interrupted" }),
                let next = steps.firstIndex(where: { $0.skippedReason == "not run" })
            {
                steps[next].skippedReason = "interrupted"
            }
            return TutorialResult(
                path: path, title: tutorial.title, status: .interrupted,
                durationMs: (clock.now - started).milliseconds, stateDirectory: state.path, uniqueInputs: unique,
                failure: nil, steps: steps, cleanup: cleanup, traffic: transport.counts)
        }
        return TutorialResult(
            path: path, title: tutorial.title,
            status: failure == nil && cleanupFailure == nil ? .passed : .failed,
            durationMs: (clock.now - started).milliseconds, stateDirectory: state.path, uniqueInputs: unique,
            failure: failure ?? cleanupFailure, steps: steps, cleanup: cleanup, traffic: transport.counts)
    }

    /// One result per step: passed, failed (with the failure) or skipped (manual, or after a failure).
    static func stepResults(tutorial: Tutorial, record: RunRecord?, failure: VerifyFailure?) -> [StepResult] {
        let recorded = record?.steps.count == tutorial.steps.count ? record?.steps : nil
        // The step the failure belongs to: the one the record says failed, else the one the
        // failure names, else the first step that was still to run.
        var blamed: Int?
        if failure != nil {
            blamed =
                recorded?.firstIndex { $0.status == .failed || $0.status == .interrupted }
                ?? failure?.step.flatMap { title in tutorial.steps.firstIndex { $0.title == title } }
                ?? tutorial.steps.indices.first { index in
                    !tutorial.steps[index].isManual && recorded?[index].status != .succeeded
                }
        }
        return tutorial.steps.enumerated().map { index, step in
            let entry = recorded?[index]
            var result = StepResult(
                title: step.title, source: step.location.fileAndLine, status: .skipped,
                durationMs: entry?.durationMs ?? 0, skippedReason: nil, failure: nil)
            if step.isManual {
                result.skippedReason = "manual step: nothing to run"
            } else if index == blamed {
                result.status = .failed
                result.failure = failure
            } else if entry?.status == .succeeded {
                result.status = .passed
            } else if entry?.status == .interrupted {
                result.skippedReason = "interrupted"
            } else {
                result.skippedReason = failure == nil ? "not run" : "an earlier step failed"
            }
            return result
        }
    }
}

extension CleanupItem {
    /// A resource left in place on purpose.
    init(kept resource: RunRecord.Resource) {
        self.init(resource, outcome: .kept)
    }

    /// A resource a dry run would delete.
    init(planned resource: RunRecord.Resource) {
        self.init(resource, outcome: .planned)
    }

    private init(_ resource: RunRecord.Resource, outcome: Outcome) {
        self.init(
            type: resource.type, id: resource.id, createdBy: resource.createdBy, method: resource.cleanup.method,
            url: resource.cleanup.url, outcome: outcome, status: nil, failure: nil)
    }
}

extension TenantConnection {
    /// The secret the connection signs in with, to be kept out of every report.
    var credentialSecrets: Set<String> {
        switch credential {
        case .accessToken(let token): return [token]
        case .clientSecret(_, let secret): return [secret]
        case .deviceCode: return []
        }
    }
}

/// Replaces known secret values in report text.
struct SecretScrubber: Sendable {
    var secrets: Set<String>

    func scrub(_ text: String) -> String {
        var text = text
        for secret in secrets where secret.count >= 4 && text.contains(secret) {
            text = text.replacingOccurrences(of: secret, with: RunRecord.redacted)
        }
        return text
    }
}
