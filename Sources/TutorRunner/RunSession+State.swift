import Foundation
import TutorDocument
import TutorHTTP
import TutorRecord
import TutorSupport

/// Inputs, the tenant, the saved state, the outputs.
extension RunSession {
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
                    "the tutorial needs a value for \(input.name)\(input.description.map { " (\($0))" } ?? ""): pass --var \(input.name)=VALUE",
                    at: input.location)
            }
            // The pattern the parser compiled (a linear-time matcher): the runner evaluates what
            // `plan` checked, never a second regex engine.
            if let pattern = input.pattern, let value = values[input.name] {
                guard let matcher = input.matcher else {
                    throw RunnerError.document(
                        "\(input.location): input \(input.name) has an invalid pattern \(pattern)", at: input.location)
                }
                if !matcher.matches(value) {
                    throw RunnerError.usage(
                        "\(input.name)=\(value) does not match \(pattern) (\(input.location))", at: input.location)
                }
            }
        }
        return values
    }

    /// Fills in the tenant id and subdomain (from the token and `/organization`) for the record and
    /// the closing summary; a tutorial that needs them captures them itself (there are no built-ins).
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
    }

    func loadState(inputs: [String: String]) throws {
        let now = RunRecord.timestamp()
        let saved = try withStateErrors { try store.load() }
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
                sandbox: connection.isSandbox,
                caFile: connection.isSandbox
                    ? connection.caFile.map { URL(fileURLWithPath: $0).standardizedFileURL.path } : nil),
            status: .running, startedAt: previous?.startedAt ?? now, finishedAt: nil,
            steps: tutorial.steps.map { step in
                let old = previous?.steps.first { $0.title == step.title }
                return RunRecord.StepEntry(
                    title: step.title, source: step.location.fileAndLine,
                    status: step.isManual ? .manual : (old?.status ?? .pending), durationMs: old?.durationMs ?? 0,
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
                if forcing || outcome?.isDone != true { pending.insert(request.name) }
            }
        }
        return pending
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
        try withStateErrors { try writer.save(record, secrets, wait: wait) }
    }
}
