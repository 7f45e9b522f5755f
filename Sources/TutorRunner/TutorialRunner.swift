import Foundation
import TutorDocument
import TutorHTTP
import TutorRecord
import TutorSupport

/// Settings of one `tutor run`.
public struct RunOptions: Sendable {
    /// `--var NAME=VALUE` overrides.
    public var variables: [String: String]
    /// Where `record.json` and `secrets.json` live.
    public var stateDirectory: URL
    /// Ignore a saved record and start over.
    public var fresh: Bool
    /// Re-run from this request (or step title) on, even when recorded as done.
    public var from: String?
    /// Retry timing and bounds.
    public var retryPolicy: RetryPolicy
    /// How long a create whose answer was lost is looked for (replication lag) before it is sent again.
    public var lostResponseRecheck: Duration
    /// The tool's version, for the record.
    public var toolVersion: String
    /// Where the project will be rendered after the run (`--out`), for the closing summary.
    public var projectOutput: String?
    /// Independent requests run at the same time (`RequestOrder`); otherwise every request waits
    /// for the one before it. `tutor run` overlaps unless `--serial`; the default is off for other
    /// callers (`tutor verify` reports the steps after a failure as not run, which holds only when
    /// nothing after the failure has started).
    public var overlap: Bool
    /// How many requests may be under way at once when they overlap.
    public var maximumConcurrentRequests: Int
    /// The default of `maximumConcurrentRequests`.
    public static let defaultConcurrentRequests = 4

    public init(
        variables: [String: String] = [:], stateDirectory: URL, fresh: Bool = false, from: String? = nil,
        retryPolicy: RetryPolicy = RetryPolicy(), lostResponseRecheck: Duration = .seconds(5),
        toolVersion: String, projectOutput: String? = nil, overlap: Bool = false,
        maximumConcurrentRequests: Int = RunOptions.defaultConcurrentRequests
    ) {
        self.projectOutput = projectOutput
        self.overlap = overlap
        self.maximumConcurrentRequests = max(1, maximumConcurrentRequests)
        self.variables = variables
        self.stateDirectory = stateDirectory
        self.fresh = fresh
        self.from = from
        self.retryPolicy = retryPolicy
        self.lostResponseRecheck = lostResponseRecheck
        self.toolVersion = toolVersion
    }

    /// The default state directory: `.tutor/runs/<tutorial-stem>-<tenant>` under `base`.
    public static func defaultStateDirectory(tutorialPath: String, tenantName: String, base: URL) -> URL {
        let stem = URL(fileURLWithPath: tutorialPath).deletingPathExtension().lastPathComponent
        let tenant = tenantName.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" }
        return base.appendingPathComponent(".tutor/runs/\(stem)-\(String(tenant))")
    }
}

/// Executes a tutorial's requests against a tenant, step by step, recording and resuming.
public struct TutorialRunner: Sendable {
    public let tutorial: Tutorial
    public let connection: TenantConnection
    /// The HTTP seam.
    public let transport: any HTTPTransport
    /// The run's settings.
    public let options: RunOptions
    /// Who hears about progress.
    public let observer: any RunObserver
    /// Raised by SIGINT.
    public let interrupt: InterruptFlag
    /// Shows device-code instructions.
    public let prompt: @Sendable (String) -> Void

    public init(
        tutorial: Tutorial, connection: TenantConnection, transport: any HTTPTransport, options: RunOptions,
        observer: any RunObserver = SilentObserver(), interrupt: InterruptFlag = InterruptFlag(),
        prompt: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.tutorial = tutorial
        self.connection = connection
        self.transport = transport
        self.options = options
        self.observer = observer
        self.interrupt = interrupt
        self.prompt = prompt
    }

    /// Runs the tutorial; returns the summary or throws `RunnerError` (the record is saved either way).
    public func run() async throws -> RunSummary {
        let session = RunSession(runner: self)
        return try await session.run()
    }

    /// For a state folder whose run died with creates in flight (marked as sent, answer never
    /// recorded): looks each one up, as a resumed run would, and puts what it finds in the ledger.
    /// `tutor cleanup` calls this first, so that a killed run's objects are deleted without
    /// running it again. Returns how many objects it added.
    public func adoptInFlightCreates() async throws -> Int {
        let session = RunSession(runner: self)
        return try await session.adoptInFlightCreates()
    }
}

/// The mutable state of one run. An actor of its own (not one shared by every run in the process,
/// as `tutor verify --jobs` runs several): its overlapping requests take turns on the state
/// between their awaits.
actor RunSession {
    let runner: TutorialRunner
    let tokens: TokenProvider
    let store: RunStateStore
    let writer: StateWriter
    let clock = ContinuousClock()
    let started: ContinuousClock.Instant
    var connection: TenantConnection
    var variables: [String: String] = [:]
    var secretNames: Set<String> = []
    var record: RunRecord!
    var secrets = SecretsFile()
    var previous: RunRecord?
    /// The saved record even under `--fresh`: its ledger and its creates in flight are carried over.
    var carried: RunRecord?
    /// Every request of the run goes through it; it emits through the run and redacts with the
    /// secrets the run knows at the time. Made on first use (an actor has no `lazy`).
    var graph: GraphClient {
        if let madeGraph { return madeGraph }
        let graph = GraphClient(
            connection: runner.connection, transport: runner.transport, tokens: tokens, policy: policy,
            emit: { [unowned self] in emit($0) }, redact: { [unowned self] in redactor.redact($0) })
        madeGraph = graph
        return graph
    }
    private var madeGraph: GraphClient?
    var resourcesCreated = 0
    /// Ids of objects this run created, and when: a 400/404 naming one of them soon after is
    /// replication lag, not a mistake.
    var recentCreations: [(id: String, at: ContinuousClock.Instant)] = []
    /// How long after a create such errors are retried.
    let replicationWindow: Duration = .seconds(60)
    /// While requests run: releases their events in document order.
    var orderedEvents: OrderedEvents?

    init(runner: TutorialRunner) {
        self.runner = runner
        self.connection = runner.connection
        self.store = RunStateStore(directory: runner.options.stateDirectory)
        self.writer = StateWriter(store: store)
        self.tokens = TokenProvider(
            connection: runner.connection, transport: runner.transport,
            scopes: PermissionCheck.requestedScopes(of: runner.tutorial), prompt: runner.prompt)
        self.started = clock.now
        self.secretNames = Set(runner.tutorial.requests.flatMap(\.secrets))
    }

    var tutorial: Tutorial { runner.tutorial }
    var options: RunOptions { runner.options }
    var policy: RetryPolicy { options.retryPolicy }

    var redactor: Redactor {
        var values = Set(secretNames.compactMap { variables[$0] })
        if case .clientSecret(_, let secret) = connection.credential { values.insert(secret) }
        if case .accessToken(let token) = connection.credential { values.insert(token) }
        return Redactor(secrets: values)
    }

    /// Sends `event` to the observer, in document order: a request's events wait until the
    /// events of every request before it are out.
    func emit(_ event: RunEvent) {
        let event = stamped(event)
        if let orderedEvents {
            orderedEvents.emit(event, slot: EventSlot.current)
        } else {
            runner.observer.handle(event)
        }
    }

    /// An exchange or retry with the time it happened (since the run started), which the
    /// output keeps when it prints the event later, in document order.
    func stamped(_ event: RunEvent) -> RunEvent {
        switch event {
        case .exchange(let request, let method, let url, let status, let duration, let note, nil):
            return .exchange(
                request: request, method: method, url: url, status: status, duration: duration, note: note,
                at: clock.now - started)
        case .retrying(let request, let reason, let delay, nil):
            return .retrying(request: request, reason: reason, delay: delay, at: clock.now - started)
        default:
            return event
        }
    }

    // MARK: - The run

    func run() async throws -> RunSummary {
        let lock = try withStateErrors { try store.acquire() }
        defer { close(lock) }
        let inputs = try resolveInputs()
        variables = inputs
        let token = try await tokens.token()
        try await identifyTenant(token: token)
        try loadState(inputs: inputs)
        let pending = pendingRequestNames()
        if let claims = AccessTokenClaims(token: token) {
            let missing = PermissionCheck.missing(in: tutorial, granted: claims.permissions, only: pending)
            if !missing.isEmpty { throw RunnerError.missingPermissions(missing) }
        } else if !pending.isEmpty {
            emit(.notice("the access token is not a JWT; the permission check is skipped"))
        }

        emit(
            .runStarted(
                tutorial: tutorial.path, tenant: connection.subdomain ?? connection.name, steps: tutorial.steps.count,
                resumed: previous != nil))
        record.status = .running
        record.finishedAt = nil
        try save()
        do {
            try await runSteps(pending: pending)
            computeOutputs()
            record.status = .succeeded
            record.finishedAt = RunRecord.timestamp()
            try save(wait: true)
        } catch {
            // Every way a run ends leaves a finished record and a `runFinished` event; an error
            // that is not the runner's own (a cancelled sleep, a transport's) becomes one.
            let ending = Self.runnerError(for: error, recordPath: store.recordURL.path)
            if case .interrupted = ending {
                record.status = .interrupted
            } else {
                record.status = .failed
            }
            record.finishedAt = RunRecord.timestamp()
            try? save(wait: true)
            emit(.runFinished(summary()))
            throw ending
        }
        let result = summary()
        emit(.runFinished(result))
        return result
    }

    /// Runs `body` on the state folder, turning its errors into the runner's (in use: 64,
    /// unreadable or unwritable: 73), as every ending of a run is a `RunnerError`.
    func withStateErrors<Result>(_ body: () throws -> Result) throws -> Result {
        do {
            return try body()
        } catch {
            throw Self.runnerError(for: error, recordPath: store.recordURL.path)
        }
    }

    /// The runner's error for any error a run ends on: cancellation is an interruption; other
    /// errors keep their message.
    static func runnerError(for error: any Error, recordPath: String) -> RunnerError {
        switch error {
        case let error as RunnerError: return error
        case RunStateError.inUse(let message): return .usage(message)
        case RunStateError.unusable(let message): return .state(message)
        case is CancellationError: return .interrupted(recordPath: recordPath)
        case let error as HTTPTransportError: return .unreachable("\(error.url): \(error.message)")
        default: return .internalFailure("\(error)")
        }
    }

    func adoptInFlightCreates() async throws -> Int {
        let lock = try store.acquire()
        defer { close(lock) }
        guard let (saved, savedSecrets) = try withStateErrors({ try store.load() }) else { return 0 }
        let inFlight = tutorial.requests.filter { request in
            request.lookup != nil && request.cleanup != nil
                && saved.request(named: request.name)?.outcome == .inFlight
        }
        guard !inFlight.isEmpty else { return 0 }
        for (name, value) in saved.inputs where value != RunRecord.redacted { variables[name] = value }
        for (name, value) in saved.captures where value != RunRecord.redacted { variables[name] = value }
        for (name, value) in savedSecrets.variables { variables[name] = value }
        try await identifyTenant(token: try await tokens.token())
        carried = saved
        previous = saved
        secrets = savedSecrets
        record = saved
        let before = record.resources.count
        for request in inFlight {
            guard
                let stepIndex = tutorial.steps.firstIndex(where: { $0.requests.contains { $0.name == request.name } }),
                let lookup = request.lookup, let cleanup = request.cleanup,
                let found = try await recheck(lookup, request, stepIndex: stepIndex)
            else { continue }
            try applyCaptures(request, from: found, viaLookup: lookup, stepIndex: stepIndex)
            addToLedger(cleanup, request: request, scope: variables)
        }
        try save(wait: true)
        return record.resources.count - before
    }

    func summary() -> RunSummary {
        RunSummary(
            status: record.status, duration: clock.now - started,
            outputs: tutorial.outputs.compactMap { output in
                record.outputs[output.name].map { (output.name, $0) }
            },
            subdomain: connection.subdomain,
            secretsPath: store.secretsURL.path, recordPath: store.recordURL.path,
            stateDirectory: store.directory.path, requestsSent: graph.requestsSent, resourcesCreated: resourcesCreated,
            connectionsOpened: (runner.transport as? any ConnectionCounting)?.connectionsOpened,
            projectOutput: options.projectOutput)
    }
}
