import Foundation
import TutorDocument
import TutorHTTP
import TutorRecord
import TutorSupport

/// One request: expanded, checked, sent, recorded.
extension RunSession {
    // MARK: - One request

    func location(of stepIndex: Int, _ request: RequestBlock) -> (String, String) {
        (tutorial.steps[stepIndex].title, request.location.fileAndLine)
    }

    func expand(_ template: String, _ context: TemplateContext, _ request: RequestBlock, _ stepIndex: Int) throws
        -> String
    {
        do {
            return try Template.expand(template, with: variables, context: context)
        } catch {
            throw RunnerError.document(
                "\(request.location): request \(request.name) uses {{\(error.name)}}, which no input, --var or earlier capture sets",
                at: request.location)
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
                "\(request.location): request \(request.name) uses Microsoft Graph /beta, which the sandbox does not serve (it serves v1.0); run this tutorial against a real tenant",
                at: request.location)
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
            source: source, outcome: .pending)

        // Get-or-create: when the object exists, nothing is sent. After a crash between sending and
        // recording, the object may still be replicating: look for it a little longer.
        let wasInFlight = carried?.request(named: request.name)?.outcome == .inFlight
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
            entry.outcome = .found
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
            entry.outcome = .inFlight
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
            entry.outcome = .found
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

        func fail(_ detail: String, _ mismatch: AnswerMismatch) throws -> Never {
            let code = mismatch == .httpError ? "HTTP\(response.status)" : mismatch.rawValue
            entry.outcome = .failed
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
                StepFailure(
                    step: stepTitle, request: request.name, phase: .request, method: request.method,
                    url: redactor.redact(url), status: response.status,
                    graphError: graphError.map { GraphError(code: $0.code, message: redactor.redact($0.message)) },
                    requestId: response.requestId, location: request.location, mismatch: mismatch,
                    detail: redactor.redact(detail)))
        }

        if let expectation = request.expectation {
            if response.status != expectation.status {
                try fail("expected status \(expectation.status), got \(response.status)", .status)
            }
        } else if !(200..<300).contains(response.status) {
            try fail("", .httpError)
        }
        // Captures first, so that a captured secret is redacted from the recorded body.
        do {
            try applyCaptures(request, from: response, viaLookup: nil, stepIndex: stepIndex)
        } catch let error as CaptureFailure {
            try fail(error.message, .capture)
        }
        if let expectation = request.expectation, let expectedText = expectation.body {
            let expectedJSON = try expand(expectedText, .json, request, stepIndex)
            guard let expected = try? JSONValue.parse(expectedJSON) else {
                throw RunnerError.document(
                    "\(expectation.location): the expected response body of \(request.name) is not JSON",
                    at: expectation.location)
            }
            guard let actual = responseJSON else {
                try fail("the response body is not JSON", .body)
            }
            if let problem = SubsetMatcher.mismatch(expected: expected, actual: actual) {
                try fail("response does not match the expected body: \(problem)", .body)
            }
        }
        entry.outcome = .sent
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
}
