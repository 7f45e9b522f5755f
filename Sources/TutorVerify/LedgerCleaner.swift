import Foundation
import TutorDocument
import TutorHTTP
import TutorRecord
import TutorRunner
import TutorSupport

/// Deletes what a run created, from its ledger, newest first; a resource already gone (404)
/// counts as deleted. Throttling and server errors are retried within the retry budget.
public struct LedgerCleaner: Sendable {
    public let connection: TenantConnection
    /// The HTTP seam (a `BudgetedTransport` in verify, so deletes share the write budget).
    public let transport: any HTTPTransport
    /// Tokens for the deletes.
    public let tokens: TokenProvider
    /// Retry timing.
    public let retryPolicy: RetryPolicy
    /// How long a deleted resource may stay visible (replication) before it counts as left.
    public var confirmationWindow: Duration = .seconds(10)

    public init(
        connection: TenantConnection, transport: any HTTPTransport, tokens: TokenProvider,
        retryPolicy: RetryPolicy = RetryPolicy()
    ) {
        self.connection = connection
        self.transport = transport
        self.tokens = tokens
        self.retryPolicy = retryPolicy
    }

    /// Deletes `resources` in reverse order (the ledger's order is creation order).
    public func delete(_ resources: [RunRecord.Resource], sources: [String: SourceLocation] = [:]) async
        -> [CleanupItem]
    {
        var items: [CleanupItem] = []
        for resource in resources.reversed() {
            var item = await delete(resource, source: sources[resource.createdBy])
            if item.outcome == .deleted, item.method.uppercased() == "DELETE", await isStillThere(resource) {
                // A report counts what is really left, not what a 2xx promised.
                item.outcome = .failed
                item.failure = VerifyFailure(
                    failureClass: .transient,
                    message: "\(resource.type) \(resource.id) is still in the tenant after its DELETE succeeded",
                    file: sources[resource.createdBy]?.file, line: sources[resource.createdBy]?.line,
                    request: resource.createdBy, status: item.status, errorCode: "StillThere")
            }
            items.append(item)
        }
        // A resource inside one that is gone now (a link under a deleted user flow) went with
        // it, even when its own delete failed; the failure stays attached for the report.
        let gone = items.filter { $0.outcome == .deleted || $0.outcome == .alreadyGone }.map(\.url)
        for index in items.indices where items[index].outcome == .failed {
            let url = items[index].url
            if gone.contains(where: { url.hasPrefix($0 + "/") }) { items[index].outcome = .alreadyGone }
        }
        return items
    }

    /// Whether a GET of the deleted resource's URL still finds it after the time a deletion
    /// may take to replicate (a few seconds); only a 2xx answer counts as still there.
    func isStillThere(_ resource: RunRecord.Resource) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + confirmationWindow
        let url = connection.rebase(resource.cleanup.url)
        guard connection.sendsToken(to: url) else { return false }
        var attempt = 0
        while true {
            attempt += 1
            guard let token = try? await tokens.token(),
                let response = try? await transport.send(
                    HTTPRequest(
                        method: "GET", url: url,
                        headers: [
                            HTTPHeader("Authorization", "Bearer \(token)"), HTTPHeader("Accept", "application/json"),
                        ]))
            else { return false }
            guard (200..<300).contains(response.status) else { return false }
            let delay = retryPolicy.backoff(attempt: attempt, polling: true)
            if clock.now + delay > deadline { return true }
            try? await Task.sleep(for: delay)
        }
    }

    /// Deletes one resource.
    func delete(_ resource: RunRecord.Resource, source: SourceLocation?) async -> CleanupItem {
        var item = CleanupItem(
            type: resource.type, id: resource.id, createdBy: resource.createdBy, method: resource.cleanup.method,
            url: resource.cleanup.url, outcome: .failed, status: nil, failure: nil)
        func failure(_ failureClass: FailureClass, _ message: String, status: Int?, code: String?, requestId: String?)
            -> VerifyFailure
        {
            VerifyFailure(
                failureClass: failureClass, message: "cannot delete \(resource.type) \(resource.id): \(message)",
                file: source?.file, line: source?.line,
                includedFrom: source.map(FailureClassifier.includeSites) ?? [], step: nil,
                request: resource.createdBy, status: status, errorCode: code, requestId: requestId)
        }
        let url = connection.rebase(resource.cleanup.url)
        guard connection.sendsToken(to: url) else {
            item.failure = failure(
                .doc, "its cleanup URL \(url) is not on the tenant's Graph host", status: nil, code: nil, requestId: nil
            )
            return item
        }
        let graph = GraphClient(connection: connection, transport: transport, tokens: tokens, policy: retryPolicy)
        let request = HTTPRequest(
            method: resource.cleanup.method, url: url, headers: [HTTPHeader("Accept", "application/json")])
        let response: HTTPResponse
        do {
            response = try await graph.send(
                request, name: "cleanup \(resource.type)", deadline: ContinuousClock.now + retryPolicy.budget
            ).response
        } catch RunnerError.authenticationFailed(let message) {
            item.failure = failure(.environment, "sign-in failed: \(message)", status: nil, code: nil, requestId: nil)
            return item
        } catch {
            // Lost connections retried until the budget ran out are the network's hiccup; a
            // refused connection or a TLS failure is the environment's.
            let lost = graph.lastTransportFailure == .connectionLost || graph.lastTransportFailure == .timedOut
            var message = "\(error)"
            if case .unreachable(let detail) = error as? RunnerError { message = detail }
            item.failure = failure(lost ? .transient : .environment, message, status: nil, code: nil, requestId: nil)
            return item
        }
        item.status = response.status
        if (200..<300).contains(response.status) {
            item.outcome = .deleted
        } else if response.status == 404 {
            item.outcome = .alreadyGone
        } else {
            let graphError = GraphError(body: try? JSONValue.parse(response.body))
            let failureClass: FailureClass =
                RetryPolicy.isTransient(response.status)
                ? .transient : [401, 403].contains(response.status) ? .environment : .doc
            item.failure = failure(
                failureClass,
                "HTTP \(response.status)" + (graphError.map { " \($0.code): \($0.message)" } ?? "")
                    + (failureClass == .transient ? " (retries used up)" : ""),
                status: response.status, code: graphError?.code, requestId: response.requestId)
        }
        return item
    }
}
