import Foundation
import TutorDocument
import TutorHTTP
import TutorRecord
import TutorSupport

/// Lookups, lost answers and the exchanges that wait out replication.
extension RunSession {
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
            let (stepTitle, _) = location(of: stepIndex, request)
            let graphError = GraphError(body: try? JSONValue.parse(response.body))
            if response.status == 403 || response.status == 401 {
                throw RunnerError.permissionDenied(
                    step: stepTitle, request: request.name, requestId: response.requestId,
                    message: graphError.map { "\($0.code): \($0.message)" } ?? "HTTP \(response.status)")
            }
            throw RunnerError.stepFailed(
                StepFailure(
                    step: stepTitle, request: request.name, phase: .lookup, method: "GET", url: redactor.redact(url),
                    status: response.status, graphError: graphError, requestId: response.requestId,
                    location: request.location, mismatch: nil, detail: ""))
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

    // MARK: - Exchanges with retries

    /// Sends through the run's Graph client; besides the transient answers, waits out what
    /// looks like replication lag: the request's retry rule, or an error naming an object this
    /// run created moments ago.
    func exchange(
        _ request: HTTPRequest, name: String, retryRule: RetryRule?, deadline: ContinuousClock.Instant,
        onLostWrite: (() async throws -> HTTPResponse?)? = nil
    ) async throws -> GraphExchange {
        try await graph.send(
            request, name: name, deadline: deadline,
            waitFor: { response in
                if let retryRule, Self.matches(retryRule, response) {
                    return "HTTP \(response.status) (waiting for replication)"
                }
                if self.mentionsRecentCreation(response) {
                    return "HTTP \(response.status) naming an object created moments ago (waiting for replication)"
                }
                return nil
            }, onLostWrite: onLostWrite)
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
