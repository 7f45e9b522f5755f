import Foundation
import TutorDocument
import TutorHTTP
import TutorSupport

/// What one request came to after its retries.
public struct GraphExchange: Sendable {
    /// The final answer (or what a lost write's lookup found).
    public var response: HTTPResponse
    /// Attempts made.
    public var attempts: Int
    /// Whether the answer came from the lookup run after a write's answer was lost.
    public var foundByLookup: Bool
}

/// The one retrying client tutor talks to a tenant with: the runner's requests, its lookups and
/// `tutor cleanup`'s deletes all go through `send`, so they share one idea of what is transient.
///
/// - The token goes only to the tenant's Graph origin; the sign-in host gets requests without
///   it; any other host is refused before a byte is sent (docs/ledger.md, "A token goes only to
///   the host it was issued for").
/// - A 401 renews the token once.
/// - `RetryPolicy.transientStatuses` wait for `Retry-After`, else an exponential backoff; the
///   caller's `waitFor` names other answers worth polling (replication lag).
/// - A write whose answer was lost (connection dropped, timeout, or a 500 on POST) is first
///   looked for with `onLostWrite` rather than sent again.
/// - Everything stops at `deadline`: a response is then returned as it is, a transport failure
///   becomes `RunnerError.unreachable`.
///
/// Used from one isolation domain (a run's `RunSession`, or a cleanup's task); not shared.
/// `send` runs on its caller's actor, so that a run's overlapping requests share the client.
public final class GraphClient {
    public let connection: TenantConnection
    /// The HTTP seam.
    public let transport: any HTTPTransport
    /// Tokens for Graph.
    public let tokens: TokenProvider
    /// Retry timing.
    public let policy: RetryPolicy
    /// Progress events (`exchange`, `retrying`).
    let emit: (RunEvent) -> Void
    /// Hides secrets in what is emitted and thrown; asked each time, as a run learns secrets.
    let redact: (String) -> String
    /// Requests that reached (or may have reached) the tenant.
    public private(set) var requestsSent = 0
    /// The kind of the last transport failure, for telling a flaky network from a dead one.
    public private(set) var lastTransportFailure: HTTPTransportError.Kind?
    private let clock = ContinuousClock()

    public init(
        connection: TenantConnection, transport: any HTTPTransport, tokens: TokenProvider, policy: RetryPolicy,
        emit: @escaping (RunEvent) -> Void = { _ in }, redact: @escaping (String) -> String = { $0 }
    ) {
        self.connection = connection
        self.transport = transport
        self.tokens = tokens
        self.policy = policy
        self.emit = emit
        self.redact = redact
    }

    /// Sends `request` (named `name` in events) with the retries above.
    /// - Parameters:
    ///   - waitFor: for an answer that is not final yet (a create not replicated), why; nil when
    ///     the answer stands.
    ///   - onLostWrite: looks for what a POST whose answer was lost created.
    public func send(
        _ request: HTTPRequest, name: String, deadline: ContinuousClock.Instant,
        waitFor: (HTTPResponse) -> String? = { _ in nil },
        onLostWrite: (() async throws -> HTTPResponse?)? = nil,
        isolation: isolated (any Actor)? = #isolation
    ) async throws -> GraphExchange {
        var attempt = 0
        var refreshed = false
        var unreachableCount = 0
        let carriesToken = connection.sendsToken(to: request.url)
        guard carriesToken || connection.isSignInURL(request.url) else {
            throw RunnerError.document(
                "\(name): refusing to send to \(redact(request.url)): only the tenant's Graph (\(connection.graphURL)) and sign-in (\(connection.loginURL)) hosts are allowed, over https"
            )
        }
        let isPost = request.method.uppercased() == "POST"
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
                response = try await transport.send(authorized)
                requestsSent += 1
            } catch let error as HTTPTransportError {
                lastTransportFailure = error.kind
                if error.mayHaveReachedServer { requestsSent += 1 }
                emit(
                    .exchange(
                        request: name, method: request.method, url: redact(request.url), status: nil,
                        duration: clock.now - sentAt, note: redact(error.message)))
                switch error.kind {
                case .tls:
                    throw RunnerError.unreachable(
                        redact("\(error.url): TLS failed (\(error.message)); is the CA trusted? (--ca-file)"))
                case .other:
                    throw RunnerError.unreachable(redact("\(error.url): \(error.message)"))
                case .unreachable:
                    unreachableCount += 1
                    if unreachableCount >= 3 { throw RunnerError.unreachable(redact("\(error.url): \(error.message)")) }
                case .connectionLost, .timedOut:
                    if error.mayHaveReachedServer, isPost, let onLostWrite, let found = try await onLostWrite() {
                        return GraphExchange(response: found, attempts: attempt, foundByLookup: true)
                    }
                }
                let delay = policy.backoff(attempt: attempt)
                guard clock.now + delay < deadline else {
                    throw RunnerError.unreachable(
                        redact("\(error.url): \(error.message) (gave up after \(attempt) attempts)"))
                }
                emit(.retrying(request: name, reason: redact(error.message), delay: delay))
                try await Task.sleep(for: delay)
                continue
            }
            emit(
                .exchange(
                    request: name, method: request.method, url: redact(request.url), status: response.status,
                    duration: response.duration, note: nil))
            if response.status == 401, carriesToken, !refreshed {
                refreshed = true
                _ = try await tokens.token(forceRefresh: true)
                continue
            }
            if response.status == 500, isPost, let onLostWrite, let found = try await onLostWrite() {
                // A POST that failed inside the service may still have created the object.
                return GraphExchange(response: found, attempts: attempt, foundByLookup: true)
            }
            let delay: Duration
            let reason: String
            if RetryPolicy.isTransient(response.status) {
                delay =
                    response.header("Retry-After").flatMap { RetryPolicy.retryAfter($0) }
                    ?? policy.backoff(attempt: attempt)
                reason = "HTTP \(response.status)"
            } else if let waiting = waitFor(response) {
                delay = policy.backoff(attempt: attempt, polling: true)
                reason = waiting
            } else {
                return GraphExchange(response: response, attempts: attempt, foundByLookup: false)
            }
            guard clock.now + delay < deadline else {
                return GraphExchange(response: response, attempts: attempt, foundByLookup: false)
            }
            emit(.retrying(request: name, reason: reason, delay: delay))
            try await Task.sleep(for: delay)
        }
    }
}
