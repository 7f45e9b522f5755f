import Foundation

/// How long to wait between attempts: `Retry-After` when the server gives it, else exponential
/// backoff with jitter, always within a total budget per request.
public struct RetryPolicy: Sendable {
    /// The answers that mean "the service is busy or hiccupped, try again": request timeout,
    /// throttling and server errors. The runner, the token requests and cleanup share this list.
    public static let transientStatuses: Set<Int> = [408, 429, 500, 502, 503, 504]

    /// Whether `status` is worth the same request again later.
    public static func isTransient(_ status: Int) -> Bool { transientStatuses.contains(status) }

    /// First backoff delay.
    public var initialDelay: Duration
    /// Longest single backoff delay for throttling and server errors without `Retry-After`.
    public var maximumDelay: Duration
    /// Longest single delay while polling for replication lag. The run learns that an object is
    /// visible at most one poll delay plus two round trips after it is (the poll in flight fails,
    /// the next one succeeds): 125 ms keeps that under 250 ms at 50 ms per request, for about
    /// seven polls a second while one request waits.
    public var maximumPollDelay: Duration
    /// Total time one request may spend retrying.
    public var budget: Duration

    /// The defaults: from 200 ms, doubling, at most 8 s (125 ms when polling), 2 minutes in all.
    public init(
        initialDelay: Duration = .milliseconds(200), maximumDelay: Duration = .seconds(8),
        maximumPollDelay: Duration = .milliseconds(125), budget: Duration = .seconds(120)
    ) {
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.maximumPollDelay = maximumPollDelay
        self.budget = budget
    }

    /// The backoff before retry number `attempt` (1 = first retry): the capped exponential delay
    /// scaled by a random factor in [0.5, 1].
    public func backoff<G: RandomNumberGenerator>(attempt: Int, polling: Bool = false, using generator: inout G)
        -> Duration
    {
        let cap = polling ? maximumPollDelay : maximumDelay
        let exponent = min(max(attempt - 1, 0), 20)
        let full = min(initialDelay * (1 << exponent), cap)
        let factor = Double.random(in: 0.5...1.0, using: &generator)
        return full * factor
    }

    /// The backoff with the system's random numbers.
    public func backoff(attempt: Int, polling: Bool = false) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return backoff(attempt: attempt, polling: polling, using: &generator)
    }

    /// Parses `Retry-After`: whole or fractional seconds, or an HTTP date (relative to `now`).
    /// Negative or past values give zero; text that is neither gives nil.
    public static func retryAfter(_ value: String, now: Date = Date()) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed), seconds.isFinite {
            return .milliseconds(Int64((max(seconds, 0) * 1000).rounded()))
        }
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: trimmed) {
                let seconds = max(date.timeIntervalSince(now), 0)
                return .milliseconds(Int64((seconds * 1000).rounded()))
            }
        }
        return nil
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    public var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }

    /// The duration in whole milliseconds.
    public var milliseconds: Int {
        let (whole, fraction) = components
        return Int(whole) * 1000 + Int(fraction / 1_000_000_000_000_000)
    }
}
