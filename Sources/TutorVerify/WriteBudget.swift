import Foundation
import Synchronization
import TutorDocument
import TutorHTTP
import TutorRunner

/// Microsoft Entra ID's documented write quota for one application in one tenant: 3,000 writes
/// (POST, PATCH, PUT, DELETE; each costs 1 unless the table of costs says otherwise) per 2
/// minutes 30 seconds ("Identity and access service limits" in Microsoft Graph's
/// service-specific throttling limits, learn.microsoft.com/graph/throttling-limits, source
/// microsoftgraph/microsoft-graph-docs-contrib concepts/throttling-limits.md). The tenant-wide
/// write quota for all applications (18,000 per 5 minutes) and the per-application quota
/// (70,000 per 5 minutes) are larger, so this one binds a verify run.
public enum EntraWriteQuota {
    /// Writes allowed in one window.
    public static let writes = 3_000
    /// The window.
    public static let window: Duration = .seconds(150)
}

/// A token bucket for Graph writes, shared by every tutorial a verify run executes in parallel
/// against one tenant, so that together they stay under Graph's write throttling instead of
/// tripping it. A 429 pauses the whole bucket for its `Retry-After`: when the tenant says slow
/// down, every parallel run slows down, not only the one that was told.
public actor WriteBudget {
    /// The default rate: half of the quota refilled over its window (10 writes a second).
    public static let defaultWritesPerSecond =
        Double(EntraWriteQuota.writes / 2) / Double(EntraWriteQuota.window.components.seconds)
    /// The default burst: the other half of the quota (1,500 writes at once). With burst +
    /// rate × window = quota, no 150 s ever hold more writes than Entra allows, whether it counts
    /// them in a sliding window or in a bucket of 3,000 refilled at 20 a second; half and half
    /// lets a verify run's burst through at once and still sustains 10 writes a second after it.
    public static let defaultBurst = EntraWriteQuota.writes / 2

    /// Writes per second in the long run.
    public let writesPerSecond: Double
    /// Writes that may go at once after a quiet spell.
    public let burst: Int
    private var available: Double
    private var refilledAt: ContinuousClock.Instant
    private var pausedUntil: ContinuousClock.Instant?
    private let clock = ContinuousClock()

    /// A bucket of `burst` writes refilled at `writesPerSecond`.
    public init(writesPerSecond: Double, burst: Int) {
        self.writesPerSecond = writesPerSecond
        self.burst = max(burst, 1)
        self.available = Double(max(burst, 1))
        self.refilledAt = ContinuousClock().now
    }

    /// Takes one write from the bucket and returns how long the caller must wait before sending it.
    /// Waits are handed out in order, so writes leave at the budget's rate.
    public func reserve() -> Duration {
        reserve(at: clock.now)
    }

    /// `reserve()` at a given instant (tests step a clock through it).
    func reserve(at now: ContinuousClock.Instant) -> Duration {
        let elapsed = now - refilledAt
        available = min(Double(burst), available + elapsed.seconds * writesPerSecond)
        refilledAt = now
        available -= 1
        var wait = available >= 0 ? Duration.zero : .milliseconds(Int64((-available / writesPerSecond) * 1000))
        if let pausedUntil, pausedUntil > now {
            wait = max(wait, pausedUntil - now)
        }
        return wait
    }

    /// Holds every write back until `delay` from now (a 429's `Retry-After`).
    public func pause(for delay: Duration) {
        let until = clock.now + delay
        if let pausedUntil, pausedUntil >= until { return }
        pausedUntil = until
    }
}

/// Counts of what went over the wire: writes, 429s, time spent waiting for the write budget.
public struct TrafficCounts: Sendable, Codable, Equatable {
    /// Graph requests sent.
    public var requests = 0
    /// Graph writes (POST, PATCH, PUT, DELETE) sent.
    public var writes = 0
    /// HTTP 429 answers received.
    public var throttled = 0
    /// HTTP 429 answers to writes.
    public var throttledWrites = 0
    /// Time writes waited for the budget, in milliseconds (summed over parallel runs).
    public var budgetWaitMs = 0

    public init() {}

    static func + (left: TrafficCounts, right: TrafficCounts) -> TrafficCounts {
        var sum = left
        sum.requests += right.requests
        sum.writes += right.writes
        sum.throttled += right.throttled
        sum.throttledWrites += right.throttledWrites
        sum.budgetWaitMs += right.budgetWaitMs
        return sum
    }
}

/// The transport one tutorial's run uses: Graph writes wait for the shared `WriteBudget`, and
/// what goes over the wire is counted (429s, the kind of the last transport failure).
public final class BudgetedTransport: HTTPTransport {
    private let inner: any HTTPTransport
    private let budget: WriteBudget?
    private let graphPrefixes: [String]
    private let state = Mutex<(counts: TrafficCounts, lastFailure: HTTPTransportError.Kind?)>((TrafficCounts(), nil))

    /// Wraps `inner`; requests to `graphURL`'s `/v1.0` and `/beta` are Graph requests.
    public init(inner: any HTTPTransport, budget: WriteBudget?, graphURL: String) {
        self.inner = inner
        self.budget = budget
        let base = graphURL.lowercased()
        self.graphPrefixes = [base + "/v1.0", base + "/beta"]
    }

    /// What this transport has sent so far.
    public var counts: TrafficCounts { state.withLock { $0.counts } }

    /// The kind of the latest transport failure, if the latest exchange failed without an answer.
    public var lastFailure: HTTPTransportError.Kind? { state.withLock { $0.lastFailure } }

    /// Sends `request`, first waiting for the budget when it is a Graph write.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let url = request.url.lowercased()
        let isGraph = graphPrefixes.contains { url.hasPrefix($0) }
        let isWrite = isGraph && RequestEffect(method: request.method) != .reads
        var waited = Duration.zero
        if isWrite, let budget {
            waited = await budget.reserve()
            if waited > .zero { try? await Task.sleep(for: waited) }
        }
        do {
            let response = try await inner.send(request)
            state.withLock { state in
                state.lastFailure = nil
                if isGraph { state.counts.requests += 1 }
                if isWrite {
                    state.counts.writes += 1
                    state.counts.budgetWaitMs += waited.milliseconds
                }
                if response.status == 429 {
                    state.counts.throttled += 1
                    if isWrite { state.counts.throttledWrites += 1 }
                }
            }
            if response.status == 429, let budget {
                let delay = response.header("Retry-After").flatMap { RetryPolicy.retryAfter($0) } ?? .seconds(1)
                await budget.pause(for: delay)
            }
            return response
        } catch let error as HTTPTransportError {
            state.withLock { state in
                state.lastFailure = error.kind
                if isGraph { state.counts.requests += 1 }
                if isWrite {
                    state.counts.writes += 1
                    state.counts.budgetWaitMs += waited.milliseconds
                }
            }
            throw error
        }
    }
}
