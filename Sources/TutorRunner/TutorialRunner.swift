import Foundation
import TutorDocument
import TutorHTTP
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

    /// Creates options.
    public init(
        variables: [String: String] = [:], stateDirectory: URL, fresh: Bool = false, from: String? = nil,
        retryPolicy: RetryPolicy = RetryPolicy(), lostResponseRecheck: Duration = .seconds(5),
        toolVersion: String, projectOutput: String? = nil
    ) {
        self.projectOutput = projectOutput
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
    /// The tutorial.
    public let tutorial: Tutorial
    /// The tenant.
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

    /// Creates a runner.
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

/// The mutable state of one run; lives in one task.
final class RunSession {
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
    var requestsSent = 0
    var resourcesCreated = 0
    /// Ids of objects this run created, and when: a 400/404 naming one of them soon after is
    /// replication lag, not a mistake.
    var recentCreations: [(id: String, at: ContinuousClock.Instant)] = []
    /// How long after a create such errors are retried.
    let replicationWindow: Duration = .seconds(60)

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

    func emit(_ event: RunEvent) {
        runner.observer.handle(event)
    }

    static func timestamp(_ date: Date = Date()) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    // MARK: - The run

    func run() async throws -> RunSummary {
        let lock = try store.acquire()
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
        record.status = "running"
        record.finishedAt = nil
        try save()
        do {
            try await runSteps(pending: pending)
            computeOutputs()
            record.status = "succeeded"
            record.finishedAt = Self.timestamp()
            try save(wait: true)
        } catch {
            // Every way a run ends leaves a finished record and a `runFinished` event; an error
            // that is not the runner's own (a cancelled sleep, a transport's) becomes one.
            let ending = Self.runnerError(for: error, recordPath: store.recordURL.path)
            if case .interrupted = ending {
                record.status = "interrupted"
            } else {
                record.status = "failed"
            }
            record.finishedAt = Self.timestamp()
            try? save(wait: true)
            emit(.runFinished(summary()))
            throw ending
        }
        let result = summary()
        emit(.runFinished(result))
        return result
    }

    /// The runner's error for any error a run ends on: cancellation is an interruption; other
    /// errors keep their message.
    static func runnerError(for error: any Error, recordPath: String) -> RunnerError {
        switch error {
        case let error as RunnerError: return error
        case is CancellationError: return .interrupted(recordPath: recordPath)
        case let error as HTTPTransportError: return .unreachable("\(error.url): \(error.message)")
        default: return .internalFailure("\(error)")
        }
    }

    func adoptInFlightCreates() async throws -> Int {
        let lock = try store.acquire()
        defer { close(lock) }
        guard let (saved, savedSecrets) = try store.load() else { return 0 }
        let inFlight = tutorial.requests.filter { request in
            request.lookup != nil && request.cleanup != nil
                && saved.request(named: request.name)?.outcome == "inFlight"
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
            clientId: record.outputs["CLIENT_ID"] ?? variables["clientId"] ?? variables["appId"],
            authority: record.outputs["AUTHORITY"], subdomain: connection.subdomain,
            secretsPath: store.secretsURL.path, recordPath: store.recordURL.path,
            stateDirectory: store.directory.path, requestsSent: requestsSent, resourcesCreated: resourcesCreated,
            connectionsOpened: (runner.transport as? any ConnectionCounting)?.connectionsOpened,
            outputs: record.outputs, projectOutput: options.projectOutput)
    }

    func resolveInputs() throws -> [String: String] {
        let declared = tutorial.inputs.map(\.name)
        // A misspelled --var would otherwise run with the default and fail far from the cause.
        for name in options.variables.keys.sorted() where !declared.contains(name) {
            throw RunnerError.usage(
                "--var \(name): " + Suggestion.unknownName(name, kind: "input", known: declared)
                    + "; --var sets the tutorial's inputs only")
        }
        var values: [String: String] = [:]
        for input in tutorial.inputs {
            if let given = options.variables[input.name] {
                values[input.name] = given
            } else if let defaultValue = input.defaultValue {
                values[input.name] = defaultValue
            } else {
                throw RunnerError.usage(
                    "the tutorial needs a value for \(input.name)\(input.description.map { " (\($0))" } ?? ""): pass --var \(input.name)=VALUE"
                )
            }
            // The pattern the parser compiled (a linear-time matcher): the runner evaluates what
            // `plan` checked, never a second regex engine.
            if let pattern = input.pattern, let value = values[input.name] {
                guard let matcher = input.matcher else {
                    throw RunnerError.document(
                        "\(input.location): input \(input.name) has an invalid pattern \(pattern)")
                }
                if !matcher.matches(value) {
                    throw RunnerError.usage("\(input.name)=\(value) does not match \(pattern) (\(input.location))")
                }
            }
        }
        return values
    }

    /// Fills in the tenant id and subdomain (from the token and `/organization`) and the built-in variables.
    func identifyTenant(token: String) async throws {
        if connection.tenantId == nil {
            connection.tenantId = AccessTokenClaims(token: token)?.tenantId
        }
        if connection.subdomain == nil || connection.tenantId == nil {
            let url = "\(connection.graphURL)/v1.0/organization?$select=id,verifiedDomains"
            let response = try await exchange(
                HTTPRequest(method: "GET", url: url, headers: [HTTPHeader("Accept", "application/json")]),
                name: "organization", retryRule: nil, deadline: clock.now + policy.budget
            ).response
            if response.status == 401 || response.status == 403 {
                throw RunnerError.authenticationFailed("Graph refused the token (HTTP \(response.status))")
            }
            if let body = try? JSONValue.parse(response.body), let organization = body["value"]?.arrayElements?.first {
                connection.tenantId = connection.tenantId ?? organization["id"]?.stringValue
                let initial = organization["verifiedDomains"]?.arrayElements?.first {
                    $0["isInitial"]?.boolValue == true
                }
                if let name = initial?["name"]?.stringValue {
                    connection.subdomain = String(name.split(separator: ".").first ?? "")
                }
            }
        }
        let builtIns: [String: String?] = [
            "tenantId": connection.tenantId, "tenantSubdomain": connection.subdomain, "subdomain": connection.subdomain,
            "tenantDomain": connection.subdomain.map { "\($0).onmicrosoft.com" }, "graphURL": connection.graphURL,
            "loginURL": connection.loginURL, "authority": connection.authority,
        ]
        for (name, value) in builtIns {
            if let value, variables[name] == nil { variables[name] = value }
        }
    }

    func loadState(inputs: [String: String]) throws {
        let now = Self.timestamp()
        let saved = try store.load()
        if let (savedRecord, _) = saved, let savedTenant = savedRecord.tenant.id, let tenantId = connection.tenantId,
            savedTenant.lowercased() != tenantId.lowercased(), !options.fresh || !savedRecord.resources.isEmpty
        {
            // The ledger names objects of the other tenant: carrying it here would lose them.
            throw RunnerError.usage(
                "\(store.recordURL.path) belongs to tenant \(savedTenant), not \(tenantId)"
                    + (savedRecord.resources.isEmpty
                        ? "; use --fresh or another --state-dir"
                        : "; its ledger still holds \(savedRecord.resources.count) resources there: run tutor cleanup on it, or use another --state-dir")
            )
        }
        carried = saved?.0
        if !options.fresh, let (saved, savedSecrets) = saved {
            let changed = inputs.keys.sorted().filter { name in
                guard let old = saved.inputs[name] else { return false }
                return old != inputs[name] && old != RunRecord.redacted
            }
            if !changed.isEmpty {
                throw RunnerError.usage(
                    "inputs changed since the recorded run (\(changed.joined(separator: ", "))); use --fresh to start a new run"
                )
            }
            previous = saved
            secrets = savedSecrets
            for (name, value) in saved.captures where value != RunRecord.redacted { variables[name] = value }
            for (name, value) in savedSecrets.variables { variables[name] = value }
        }
        let redactor = self.redactor
        record = RunRecord(
            tool: .init(name: "tutor", version: options.toolVersion),
            tutorial: .init(path: tutorial.path, sha256: tutorial.sha256),
            tenant: .init(
                id: connection.tenantId, subdomain: connection.subdomain, graphURL: connection.graphURL,
                sandbox: connection.isSandbox),
            status: "running", startedAt: previous?.startedAt ?? now, finishedAt: nil,
            steps: tutorial.steps.map { step in
                let old = previous?.steps.first { $0.title == step.title }
                return RunRecord.StepEntry(
                    title: step.title, source: step.location.fileAndLine,
                    status: step.isManual ? "manual" : (old?.status ?? "pending"), durationMs: old?.durationMs ?? 0,
                    requests: step.requests.compactMap { request in previous?.request(named: request.name) })
            },
            inputs: inputs.mapValues { redactor.redact($0) },
            captures: previous?.captures ?? [:],
            // The ledger is carried over even by --fresh: what earlier runs of this state folder
            // created stays tracked until `tutor cleanup` deletes it.
            resources: carried?.resources ?? [], outputs: previous?.outputs ?? [:]
        )
    }

    /// Requests that will run: not recorded as done, or at/after `--from`.
    func pendingRequestNames() -> Set<String> {
        var pending: Set<String> = []
        var forcing = false
        for step in tutorial.steps {
            if let from = options.from, step.title == from { forcing = true }
            for request in step.requests {
                if let from = options.from, request.name == from { forcing = true }
                let outcome = previous?.request(named: request.name)?.outcome
                if forcing || !(outcome == "sent" || outcome == "found") { pending.insert(request.name) }
            }
        }
        return pending
    }

    func runSteps(pending: Set<String>) async throws {
        if let from = options.from,
            !tutorial.steps.contains(where: { $0.title == from || $0.requests.contains { $0.name == from } })
        {
            throw RunnerError.usage(
                "--from \(from): no request or step of that name (requests: \(tutorial.requests.map(\.name).joined(separator: ", ")))"
            )
        }
        for (index, step) in tutorial.steps.enumerated() {
            if step.isManual {
                record.steps[index].status = "manual"
                emit(.stepManual(index: index, title: step.title))
                continue
            }
            if step.requests.allSatisfy({ !pending.contains($0.name) }) {
                record.steps[index].status = "succeeded"
                emit(.stepSkipped(index: index, title: step.title))
                continue
            }
            // Ctrl-C between steps: the next step is not started (nor shown as failed).
            if runner.interrupt.isRaised { throw RunnerError.interrupted(recordPath: store.recordURL.path) }
            emit(.stepStarted(index: index, title: step.title))
            let stepStarted = clock.now
            do {
                for request in step.requests where pending.contains(request.name) {
                    if runner.interrupt.isRaised {
                        record.steps[index].status = "interrupted"
                        throw RunnerError.interrupted(recordPath: store.recordURL.path)
                    }
                    try await execute(request, stepIndex: index)
                }
            } catch {
                if record.steps[index].status != "interrupted" { record.steps[index].status = "failed" }
                record.steps[index].durationMs = (clock.now - stepStarted).milliseconds
                emit(
                    .stepFinished(
                        index: index, title: step.title,
                        outcome: record.steps[index].status == "interrupted" ? .interrupted : .failed,
                        duration: clock.now - stepStarted))
                throw error
            }
            record.steps[index].status = "succeeded"
            record.steps[index].durationMs = (clock.now - stepStarted).milliseconds
            emit(.stepFinished(index: index, title: step.title, outcome: .succeeded, duration: clock.now - stepStarted))
            try save()
        }
    }

    func computeOutputs() {
        var plain: [String: String] = [:]
        var secretOutputs: [String: String] = [:]
        var redacted: [String: String] = [:]
        for output in tutorial.outputs {
            guard let value = try? Template.expand(output.value, with: variables, context: .plain) else {
                emit(.notice("output \(output.name) uses a variable that has no value (\(output.location))"))
                continue
            }
            let rebased = connection.rebaseLogin(value)
            let isSecret = output.isSecret || Template.variables(in: output.value).contains { secretNames.contains($0) }
            if isSecret {
                secretOutputs[output.name] = rebased
                redacted[output.name] = RunRecord.redacted
            } else {
                plain[output.name] = rebased
                redacted[output.name] = redactor.redact(rebased)
            }
        }
        if connection.isSandbox, let caFile = connection.caFile {
            redacted["REQUESTS_CA_BUNDLE"] = URL(fileURLWithPath: caFile).standardizedFileURL.path
        }
        record.outputs = redacted
        secrets.outputs = secretOutputs
    }

    /// Saves the state; `wait` returns only when it is on disk.
    func save(wait: Bool = false) throws {
        // Secret variables go to secrets.json; everything in the record is redacted.
        let redactor = self.redactor
        for name in secretNames {
            if let value = variables[name] { secrets.variables[name] = value }
        }
        record.captures = record.captures.mapValues { redactor.redact($0) }
        record.tenant.id = connection.tenantId
        record.tenant.subdomain = connection.subdomain
        try writer.save(record, secrets, wait: wait)
    }

    // MARK: - One request

    func location(of stepIndex: Int, _ request: RequestBlock) -> (String, String) {
        (tutorial.steps[stepIndex].title, request.location.fileAndLine)
    }

    func expand(_ template: String, _ context: TemplateContext, _ request: RequestBlock, _ stepIndex: Int) throws
        -> String
    {
        do {
            return try Template.expand(template, with: variables, context: context)
        } catch let error as Template.UnknownVariable {
            throw RunnerError.document(
                "\(request.location): request \(request.name) uses {{\(error.name)}}, which no input, --var or earlier capture sets"
            )
        }
    }

    func setEntry(_ entry: RunRecord.RequestEntry, stepIndex: Int) {
        if let position = record.steps[stepIndex].requests.firstIndex(where: { $0.name == entry.name }) {
            record.steps[stepIndex].requests[position] = entry
        } else {
            // Keep the tutorial's order.
            let order = tutorial.steps[stepIndex].requests.map(\.name)
            record.steps[stepIndex].requests.append(entry)
            record.steps[stepIndex].requests.sort {
                (order.firstIndex(of: $0.name) ?? 0) < (order.firstIndex(of: $1.name) ?? 0)
            }
        }
    }

    func execute(_ request: RequestBlock, stepIndex: Int) async throws {
        if try skipIfAlreadyCaptured(request, stepIndex: stepIndex) { return }
        let requestStarted = clock.now
        let (stepTitle, source) = location(of: stepIndex, request)
        let url = connection.rebase(try expand(request.url, .url, request, stepIndex))
        if connection.isSandbox, url.hasPrefix(connection.graphURL + "/beta/") {
            throw RunnerError.usage(
                "\(request.location): request \(request.name) uses Microsoft Graph /beta, which the sandbox does not serve (it serves v1.0); run this tutorial against a real tenant"
            )
        }
        var headers = [HTTPHeader("Accept", "application/json")]
        for header in request.headers {
            headers.append(HTTPHeader(header.name, try expand(header.value, .plain, request, stepIndex)))
        }
        let body = try request.body.map { try expand($0, .json, request, stepIndex) }
        if body != nil, !headers.contains(where: { $0.name.lowercased() == "content-type" }) {
            headers.append(HTTPHeader("Content-Type", "application/json"))
        }
        let http = HTTPRequest(method: request.method, url: url, headers: headers, body: body.map { Data($0.utf8) })
        let deadline =
            clock.now + (request.retry?.maxSeconds.map { Duration.milliseconds(Int64($0 * 1000)) } ?? policy.budget)
        var entry = RunRecord.RequestEntry(
            name: request.name, method: request.method, url: redactor.redact(url), status: nil, durationMs: 0,
            attempts: 0, requestId: nil, error: nil, requestBody: redactor.recordedBody(http.body), responseBody: nil,
            source: source, outcome: "pending")

        // Get-or-create: when the object exists, nothing is sent. After a crash between sending and
        // recording, the object may still be replicating: look for it a little longer.
        let wasInFlight = carried?.request(named: request.name)?.outcome == "inFlight"
        if let lookup = request.lookup,
            let found = wasInFlight
                ? try await recheck(lookup, request, stepIndex: stepIndex)
                : try await performLookup(lookup, request, stepIndex: stepIndex)
        {
            try applyCaptures(request, from: found, viaLookup: lookup, stepIndex: stepIndex)
            // A create that was in flight when an earlier run died made what the lookup found:
            // it is ours, and goes in the ledger.
            if wasInFlight, let cleanup = request.cleanup { addToLedger(cleanup, request: request, scope: variables) }
            entry.status = found.status
            entry.requestId = found.requestId
            entry.outcome = "found"
            entry.requestBody = nil
            entry.responseBody = redactor.recordedBody(found.body)
            entry.durationMs = (clock.now - requestStarted).milliseconds
            setEntry(entry, stepIndex: stepIndex)
            try save()
            return
        }

        if wasInFlight, Self.isAddPassword(url) {
            try await removeOrphanPasswords(addPasswordURL: url, body: body, request: request, stepIndex: stepIndex)
        }
        // A create is marked before it is sent, so that a resumed run looks for what it may have
        // made. Other writes (PATCH, PUT, DELETE) are idempotent and simply sent again. Without a
        // lookup (addPassword) the mark must be on disk first; with one, the lookup finds the
        // object on resume anyway, and the mark only makes it wait out replication lag.
        // The mark is on disk before the request leaves, lookup or not: a run killed after
        // sending must know on resume that what its lookup finds is its own.
        if request.method.uppercased() == "POST" {
            entry.outcome = "inFlight"
            setEntry(entry, stepIndex: stepIndex)
            try save(wait: true)
        }

        let result = try await exchange(
            http, name: request.name, retryRule: request.retry, deadline: deadline,
            onLostWrite: { [self] in
                if let lookup = request.lookup {
                    return try await self.recheck(lookup, request, stepIndex: stepIndex)
                }
                if Self.isAddPassword(url) {
                    try await self.removeOrphanPasswords(
                        addPasswordURL: url, body: body, request: request, stepIndex: stepIndex)
                }
                return nil
            })
        let response = result.response
        entry.attempts = result.attempts
        entry.status = response.status
        entry.requestId = response.requestId
        entry.durationMs = (clock.now - requestStarted).milliseconds
        let responseJSON = try? JSONValue.parse(response.body)
        let graphError = GraphError(body: responseJSON)

        if result.foundByLookup, let lookup = request.lookup {
            try applyCaptures(request, from: response, viaLookup: lookup, stepIndex: stepIndex)
            // Found after this run's own create lost its answer: ours.
            if let cleanup = request.cleanup { addToLedger(cleanup, request: request, scope: variables) }
            entry.outcome = "found"
            entry.responseBody = redactor.recordedBody(response.body)
            setEntry(entry, stepIndex: stepIndex)
            try save()
            return
        }

        // An answer that shows an object exists puts it in the ledger now, before its status,
        // captures and body are checked: a create that fails the document's expectations still
        // created something, and `cleanup` and `verify` must be able to delete it.
        if let cleanup = request.cleanup, Self.created(method: request.method, status: response.status) {
            addToLedger(
                cleanup, request: request, scope: provisionalScope(request, response: response, body: responseJSON),
                response: responseJSON, location: response.header("Location"))
            try save(wait: true)
        }

        func fail(_ detail: String, code: String) throws -> Never {
            entry.outcome = "failed"
            entry.error = .init(
                code: redactor.redact(graphError?.code ?? code), message: redactor.redact(graphError?.message ?? detail)
            )
            entry.responseBody = redactor.recordedBody(response.body)
            setEntry(entry, stepIndex: stepIndex)
            try? save()
            if response.status == 403 || response.status == 401 {
                throw RunnerError.permissionDenied(
                    step: stepTitle, request: request.name, requestId: response.requestId,
                    message: redactor.redact(
                        graphError.map { "\($0.code): \($0.message)" } ?? "HTTP \(response.status)"))
            }
            throw RunnerError.stepFailed(
                step: stepTitle, request: request.name, method: request.method, url: redactor.redact(url),
                status: response.status,
                graphError: graphError.map { GraphError(code: $0.code, message: redactor.redact($0.message)) },
                requestId: response.requestId, source: source, detail: redactor.redact(detail))
        }

        if let expectation = request.expectation {
            if response.status != expectation.status {
                try fail("expected status \(expectation.status), got \(response.status)", code: "UnexpectedStatus")
            }
        } else if !(200..<300).contains(response.status) {
            try fail("", code: "HTTP\(response.status)")
        }
        // Captures first, so that a captured secret is redacted from the recorded body.
        do {
            try applyCaptures(request, from: response, viaLookup: nil, stepIndex: stepIndex)
        } catch let error as CaptureFailure {
            try fail(error.message, code: "CaptureFailed")
        }
        if let expectation = request.expectation, let expectedText = expectation.body {
            let expectedJSON = try expand(expectedText, .json, request, stepIndex)
            guard let expected = try? JSONValue.parse(expectedJSON) else {
                throw RunnerError.document(
                    "\(expectation.location): the expected response body of \(request.name) is not JSON")
            }
            guard let actual = responseJSON else {
                try fail("the response body is not JSON", code: "ExpectationFailed")
            }
            if let problem = SubsetMatcher.mismatch(expected: expected, actual: actual) {
                try fail("response does not match the expected body: \(problem)", code: "ExpectationFailed")
            }
        }
        entry.outcome = "sent"
        entry.responseBody = redactor.recordedBody(response.body)
        entry.requestBody = redactor.recordedBody(http.body)
        if Self.created(method: request.method, status: response.status) {
            for capture in request.captures {
                if let value = variables[capture.variable], value.count >= 8, !secretNames.contains(capture.variable) {
                    recentCreations.append((value, clock.now))
                }
            }
        }
        setEntry(entry, stepIndex: stepIndex)
        try save()
    }

    static func created(method: String, status: Int) -> Bool {
        status == 201 || (method.uppercased() == "POST" && (200..<300).contains(status))
    }

    /// The variables with whatever the request's captures find in `body`, leniently: a capture
    /// that fails here fails the request later; the ledger needs what can be had.
    func provisionalScope(_ request: RequestBlock, response: HTTPResponse, body: JSONValue?) -> [String: String] {
        var scope = variables
        for capture in request.captures {
            if let value = try? captureValue(capture, request: request, response: response, root: body) {
                scope[capture.variable] = value
            }
        }
        return scope
    }

    /// Records how to delete what `request` created. The cleanup URL is filled from `scope`;
    /// when a variable it needs is missing (a capture path the answer does not have), the
    /// object's own `id` from the answer stands in for it, else Graph's `Location` header.
    func addToLedger(
        _ cleanup: CleanupRule, request: RequestBlock, scope: [String: String], response: JSONValue? = nil,
        location: String? = nil
    ) {
        var scope = scope
        let missing = Template.variables(in: cleanup.url).filter { scope[$0] == nil }
        if missing.count == 1, let id = response?["id"]?.stringValue, !id.isEmpty {
            scope[missing[0]] = id
        }
        var absolute: String
        if let url = try? Template.expand(cleanup.url, with: scope, context: .url) {
            // Kept in the tutorial's (Learn) form: the sandbox's port changes between runs;
            // consumers rebase it on `tenant.graphURL`.
            absolute = url
        } else if let location, connection.sendsToken(to: location) {
            absolute = location
        } else {
            emit(
                .notice(
                    "\(request.name) created something tutor cannot delete: its cleanup URL needs \(missing.joined(separator: ", ")), which the answer does not give"
                ))
            return
        }
        absolute = redactor.redact(absolute)
        guard !record.resources.contains(where: { $0.cleanup.url == absolute }) else { return }
        let path = String(absolute.split(separator: "?").first ?? "")
        var segments = path.split(separator: "/")
        if segments.last == "$ref" { segments.removeLast() }
        let id = segments.last.map(String.init) ?? absolute
        let type =
            cleanup.resourceType
            ?? segments.dropLast().last.map { String($0.split(separator: "(").first ?? $0) }
            ?? "resource"
        record.resources.append(
            .init(
                type: type, id: id, createdBy: request.name,
                cleanup: .init(method: cleanup.method, url: absolute)))
        resourcesCreated += 1
    }

    struct CaptureFailure: Error {
        var message: String
    }

    func applyCaptures(_ request: RequestBlock, from response: HTTPResponse, viaLookup lookup: Lookup?, stepIndex: Int)
        throws
    {
        let body = try? JSONValue.parse(response.body)
        var captured: [String: String] = [:]
        func value(_ capture: Capture, in root: JSONValue?) throws -> String? {
            try captureValue(capture, request: request, response: response, root: root)
        }
        if let lookup {
            for capture in lookup.captures {
                if let found = try value(capture, in: body) { captured[capture.variable] = found }
            }
            // The request's own captures, read from the found object (first element of a collection).
            let object = body?["value"]?.arrayElements?.first ?? body
            for capture in request.captures where captured[capture.variable] == nil {
                if let found = try value(capture, in: object) { captured[capture.variable] = found }
            }
        } else {
            for capture in request.captures {
                guard let found = try value(capture, in: body) else {
                    let place: String
                    switch capture.source {
                    case .body(let path): place = path
                    case .header(let name): place = "header \(name)"
                    }
                    throw CaptureFailure(message: "capture \(capture.variable): \(place) is not in the response")
                }
                captured[capture.variable] = found
            }
        }
        for (name, value) in captured {
            variables[name] = value
            record.captures[name] = secretNames.contains(name) ? RunRecord.redacted : value
        }
    }

    /// The value a capture takes from a response: JSONPath (with `{{variables}}` filled in) or
    /// header, then the capture's regular expression (group 1, else the whole match).
    func captureValue(_ capture: Capture, request: RequestBlock, response: HTTPResponse, root: JSONValue?) throws
        -> String?
    {
        var found: String?
        switch capture.source {
        case .header(let name):
            found = response.header(name)
        case .body(let template):
            let path: JSONPath
            do {
                path = try JSONPath(try Template.expand(template, with: variables, context: .plain))
            } catch let error as Template.UnknownVariable {
                throw RunnerError.document(
                    "\(request.location): capture \(capture.variable) uses {{\(error.name)}}, which has no value")
            } catch {
                throw RunnerError.document("\(request.location): \(error)")
            }
            found = root.flatMap { path.first(in: $0) }?.capturedText
        }
        guard let text = found, let pattern = capture.pattern else { return found }
        guard let matcher = capture.matcher else {
            throw RunnerError.document(
                "\(request.location): capture \(capture.variable) has an invalid pattern \(pattern)")
        }
        return matcher.capturedValue(in: text)
    }

    // MARK: - Lookups and lost answers

    /// Runs a lookup; returns the response when the object exists (all its captures resolve).
    func performLookup(_ lookup: Lookup, _ request: RequestBlock, stepIndex: Int) async throws -> HTTPResponse? {
        let url = connection.rebase(try expand(lookup.url, .url, request, stepIndex))
        let http = HTTPRequest(method: "GET", url: url, headers: [HTTPHeader("Accept", "application/json")])
        let response = try await exchange(
            http, name: "\(request.name) (lookup)", retryRule: nil, deadline: clock.now + policy.budget
        ).response
        if response.status == 404 { return nil }
        guard (200..<300).contains(response.status) else {
            let (stepTitle, source) = location(of: stepIndex, request)
            let graphError = GraphError(body: try? JSONValue.parse(response.body))
            if response.status == 403 || response.status == 401 {
                throw RunnerError.permissionDenied(
                    step: stepTitle, request: request.name, requestId: response.requestId,
                    message: graphError.map { "\($0.code): \($0.message)" } ?? "HTTP \(response.status)")
            }
            throw RunnerError.stepFailed(
                step: stepTitle, request: "\(request.name) (lookup)", method: "GET", url: url, status: response.status,
                graphError: graphError, requestId: response.requestId, source: source, detail: "")
        }
        guard let body = try? JSONValue.parse(response.body) else { return nil }
        for capture in lookup.captures {
            guard try captureValue(capture, request: request, response: response, root: body) != nil else { return nil }
        }
        if lookup.captures.isEmpty, let items = body["value"]?.arrayElements, items.isEmpty { return nil }
        return response
    }

    /// After a create's answer was lost: looks for the object for a while (replication lag) before it is sent again.
    func recheck(_ lookup: Lookup, _ request: RequestBlock, stepIndex: Int) async throws -> HTTPResponse? {
        let deadline = clock.now + options.lostResponseRecheck
        var attempt = 0
        while true {
            if let found = try await performLookup(lookup, request, stepIndex: stepIndex) { return found }
            attempt += 1
            let delay = policy.backoff(attempt: attempt, polling: true)
            if clock.now + delay > deadline { return nil }
            emit(.retrying(request: request.name, reason: "answer lost; looking for the object", delay: delay))
            try await Task.sleep(for: delay)
        }
    }

    static func isAddPassword(_ url: String) -> Bool {
        url.split(separator: "?").first?.lowercased().hasSuffix("/addpassword") ?? false
    }

    /// Removes password credentials that a lost `addPassword` may have created: same display name,
    /// key id unknown to the record.
    func removeOrphanPasswords(addPasswordURL: String, body: String?, request: RequestBlock, stepIndex: Int)
        async throws
    {
        let base = String(addPasswordURL.split(separator: "?").first!.dropLast("/addPassword".count))
        guard let body, let json = try? JSONValue.parse(body),
            let displayName = json["passwordCredential"]?["displayName"]?.stringValue
        else {
            emit(
                .notice(
                    "\(request.name): a secret may have been created without being recorded; give it a displayName so tutor can find it"
                ))
            return
        }
        let known = Set(variables.values)
        let listing = try await exchange(
            HTTPRequest(
                method: "GET", url: "\(base)?$select=id,passwordCredentials",
                headers: [HTTPHeader("Accept", "application/json")]),
            name: "\(request.name) (find lost secrets)", retryRule: RetryRule(statuses: [404]),
            deadline: clock.now + policy.budget
        ).response
        guard (200..<300).contains(listing.status), let listed = try? JSONValue.parse(listing.body) else { return }
        for credential in listed["passwordCredentials"]?.arrayElements ?? [] {
            guard credential["displayName"]?.stringValue == displayName, let keyId = credential["keyId"]?.stringValue,
                !known.contains(keyId)
            else { continue }
            let removal = try await exchange(
                HTTPRequest(
                    method: "POST", url: "\(base)/removePassword",
                    headers: [HTTPHeader("Content-Type", "application/json")],
                    body: Data("{\"keyId\":\"\(keyId)\"}".utf8)),
                name: "\(request.name) (remove lost secret)", retryRule: nil, deadline: clock.now + policy.budget
            ).response
            if (200..<300).contains(removal.status) || removal.status == 404 {
                emit(.notice("removed a client secret (key \(keyId)) whose creation was not recorded"))
            }
        }
    }

    // MARK: - Exchanges with retries

    struct ExchangeResult {
        var response: HTTPResponse
        var attempts: Int
        var foundByLookup: Bool
    }

    /// Sends with the token, retrying what is safe to retry, until the deadline.
    func exchange(
        _ request: HTTPRequest, name: String, retryRule: RetryRule?, deadline: ContinuousClock.Instant,
        onLostWrite: (() async throws -> HTTPResponse?)? = nil
    ) async throws -> ExchangeResult {
        var attempt = 0
        var refreshed = false
        var unreachableCount = 0
        // The token goes only to the Graph origin it was issued for; the tenant's sign-in host
        // gets the request without it; anything else is refused before a byte is sent.
        let carriesToken = connection.sendsToken(to: request.url)
        guard carriesToken || connection.isSignInURL(request.url) else {
            throw RunnerError.document(
                "\(name): refusing to send to \(redactor.redact(request.url)): only the tenant's Graph (\(connection.graphURL)) and sign-in (\(connection.loginURL)) hosts are allowed, over https"
            )
        }
        while true {
            attempt += 1
            var authorized = request
            if carriesToken {
                let token = try await tokens.token()
                authorized.headers.append(HTTPHeader("Authorization", "Bearer \(token)"))
            }
            let sentAt = clock.now
            let response: HTTPResponse
            do {
                response = try await runner.transport.send(authorized)
                requestsSent += 1
            } catch let error as HTTPTransportError {
                if error.mayHaveReachedServer { requestsSent += 1 }
                emit(
                    .exchange(
                        request: name, method: request.method, url: redactor.redact(request.url), status: nil,
                        duration: clock.now - sentAt, note: redactor.redact(error.message)))
                switch error.kind {
                case .tls:
                    throw RunnerError.unreachable(
                        redactor.redact("\(error.url): TLS failed (\(error.message)); is the CA trusted? (--ca-file)"))
                case .other:
                    throw RunnerError.unreachable(redactor.redact("\(error.url): \(error.message)"))
                case .unreachable:
                    unreachableCount += 1
                    if unreachableCount >= 3 {
                        throw RunnerError.unreachable(redactor.redact("\(error.url): \(error.message)"))
                    }
                case .connectionLost, .timedOut:
                    if error.mayHaveReachedServer, RequestEffect(method: request.method) == .writes,
                        request.method.uppercased() == "POST", let onLostWrite
                    {
                        if let found = try await onLostWrite() {
                            return ExchangeResult(response: found, attempts: attempt, foundByLookup: true)
                        }
                    }
                }
                let delay = policy.backoff(attempt: attempt)
                guard clock.now + delay < deadline else {
                    throw RunnerError.unreachable(
                        redactor.redact("\(error.url): \(error.message) (gave up after \(attempt) attempts)"))
                }
                emit(.retrying(request: name, reason: redactor.redact(error.message), delay: delay))
                try await Task.sleep(for: delay)
                continue
            }
            emit(
                .exchange(
                    request: name, method: request.method, url: redactor.redact(request.url), status: response.status,
                    duration: response.duration, note: nil))
            if response.status == 401, !refreshed {
                refreshed = true
                _ = try await tokens.token(forceRefresh: true)
                continue
            }
            var delay: Duration?
            var reason = ""
            if response.status == 500, request.method.uppercased() == "POST", let onLostWrite {
                // A POST that failed inside the service may still have created the object.
                if let found = try await onLostWrite() {
                    return ExchangeResult(response: found, attempts: attempt, foundByLookup: true)
                }
            }
            if [429, 500, 502, 503, 504].contains(response.status) {
                delay =
                    response.header("Retry-After").flatMap { RetryPolicy.retryAfter($0) }
                    ?? policy.backoff(attempt: attempt)
                reason = "HTTP \(response.status)"
            } else if let retryRule, Self.matches(retryRule, response) {
                delay = policy.backoff(attempt: attempt, polling: true)
                reason = "HTTP \(response.status) (waiting for replication)"
            } else if mentionsRecentCreation(response) {
                delay = policy.backoff(attempt: attempt, polling: true)
                reason = "HTTP \(response.status) naming an object created moments ago (waiting for replication)"
            }
            guard let delay else { return ExchangeResult(response: response, attempts: attempt, foundByLookup: false) }
            guard clock.now + delay < deadline else {
                return ExchangeResult(response: response, attempts: attempt, foundByLookup: false)
            }
            emit(.retrying(request: name, reason: reason, delay: delay))
            try await Task.sleep(for: delay)
        }
    }

    /// A 400 or 404 whose Graph message names an object this run created within the replication window.
    func mentionsRecentCreation(_ response: HTTPResponse) -> Bool {
        guard response.status == 400 || response.status == 404,
            let error = GraphError(body: try? JSONValue.parse(response.body))
        else { return false }
        let now = clock.now
        return recentCreations.contains { now - $0.at < replicationWindow && error.message.contains($0.id) }
    }

    static func matches(_ rule: RetryRule, _ response: HTTPResponse) -> Bool {
        if rule.statuses.contains(response.status) { return true }
        guard !rule.errorCodes.isEmpty, !(200..<300).contains(response.status),
            let error = GraphError(body: try? JSONValue.parse(response.body))
        else { return false }
        return rule.errorCodes.contains { error.hasCode($0) || error.message.contains($0) }
    }
}
