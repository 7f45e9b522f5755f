import Foundation
import Synchronization

/// What faults the sandbox injects; all off by default.
public struct FaultOptions: Sendable, Equatable {
    /// Delay added before every answer, in milliseconds.
    public var latencyMs: Int
    /// Share of requests answered 429 with `Retry-After`, 0…1.
    public var throttleRate: Double
    /// Share of requests answered 500/503/504 or whose connection is dropped, 0…1.
    public var faultRate: Double
    /// How long a created object stays invisible to other requests, in milliseconds.
    public var replicationLagMs: Int
    /// A random extra lag per object, up to this many milliseconds, drawn from the seed: real
    /// directories replicate some objects in a second and others in many.
    public var replicationLagSpreadMs: Int
    /// Seed of the random choices, so that a run can be replayed.
    public var seed: UInt64
    /// Share of Graph creates (POST answered 201) whose change is committed but whose connection
    /// is then closed without an answer, 0…1: "created, but the connection dropped".
    public var lostAnswerRate: Double

    /// Options with every fault off unless given.
    public init(
        latencyMs: Int = 0, throttleRate: Double = 0, faultRate: Double = 0, replicationLagMs: Int = 0,
        seed: UInt64 = 0, lostAnswerRate: Double = 0, replicationLagSpreadMs: Int = 0
    ) {
        self.latencyMs = latencyMs
        self.throttleRate = throttleRate
        self.faultRate = faultRate
        self.replicationLagMs = replicationLagMs
        self.replicationLagSpreadMs = replicationLagSpreadMs
        self.seed = seed
        self.lostAnswerRate = lostAnswerRate
    }

    /// No faults at all.
    public static let none = FaultOptions()

    /// What `tutor verify` gives the sandbox it starts itself: each new object stays invisible
    /// to other requests for 1 to 4 seconds, as on a real tenant where replication takes seconds,
    /// so that a tutorial missing a wait fails in CI before it fails for a learner.
    public static func realisticReplication(seed: UInt64) -> FaultOptions {
        FaultOptions(replicationLagMs: 1000, seed: seed, replicationLagSpreadMs: 3000)
    }

    /// Whether any knob is on.
    public var isActive: Bool {
        latencyMs > 0 || throttleRate > 0 || faultRate > 0 || replicationLagMs > 0 || replicationLagSpreadMs > 0
            || lostAnswerRate > 0
    }

    /// A description of a knob that is out of range, or nil when all are acceptable.
    public var problem: String? {
        if latencyMs < 0 { return "--latency-ms must be 0 or more" }
        if !(0...1).contains(throttleRate) { return "--throttle-rate must be between 0 and 1" }
        if !(0...1).contains(faultRate) { return "--fault-rate must be between 0 and 1" }
        if replicationLagMs < 0 { return "--replication-lag-ms must be 0 or more" }
        if replicationLagSpreadMs < 0 { return "--replication-lag-spread-ms must be 0 or more" }
        if !(0...1).contains(lostAnswerRate) { return "--lost-answer-rate must be between 0 and 1" }
        return nil
    }
}

/// What to do with one request.
public enum FaultAction: Sendable, Equatable {
    /// Answer normally.
    case proceed
    /// Answer 429 Too Many Requests with this `Retry-After`, in seconds (may be fractional).
    case throttle(retryAfterSeconds: Double)
    /// Answer with this server error status (500, 503 or 504).
    case serverError(status: Int)
    /// Close the connection without answering.
    case dropConnection
}

/// Draws the faults for each request from a seeded generator: the same seed and the same order
/// of requests give the same faults.
public final class FaultInjector: Sendable {
    public let options: FaultOptions
    private let generator: LockedGenerator

    /// An injector for `options`.
    public init(options: FaultOptions = .none) {
        self.options = options
        self.generator = LockedGenerator(seed: options.seed)
    }

    /// The delay to add before answering.
    public var latency: Duration { .milliseconds(options.latencyMs) }

    /// How long the next new object stays invisible to other requests: the fixed lag plus, with a
    /// spread, a seeded random share of it. Draws only when there is a spread, so that runs
    /// without one replay as before.
    public func nextReplicationLag() -> Duration {
        guard options.replicationLagSpreadMs > 0 else { return .milliseconds(options.replicationLagMs) }
        let extra = generator.withGenerator { Int($0.nextUnit() * Double(options.replicationLagSpreadMs + 1)) }
        return .milliseconds(options.replicationLagMs + min(extra, options.replicationLagSpreadMs))
    }

    /// The fate of the next request.
    public func nextAction() -> FaultAction {
        guard options.throttleRate > 0 || options.faultRate > 0 else { return .proceed }
        return generator.withGenerator { random in
            let throttleDraw = random.nextUnit()
            let faultDraw = random.nextUnit()
            let pick = random.nextUnit()
            if throttleDraw < options.throttleRate {
                // 100–500 ms, in hundredths of a second: "a few hundred ms".
                let hundredths = 10 + Int(pick * 41)
                return .throttle(retryAfterSeconds: Double(hundredths) / 100)
            }
            if faultDraw < options.faultRate {
                switch Int(pick * 4) {
                case 0: return .serverError(status: 500)
                case 1: return .serverError(status: 503)
                case 2: return .serverError(status: 504)
                default: return .dropConnection
                }
            }
            return .proceed
        }
    }

    /// Whether the answer to a create that just committed is lost. Draws from the generator only
    /// when the knob is on, so runs without it replay as before.
    public func losesAnswer() -> Bool {
        guard options.lostAnswerRate > 0 else { return false }
        return generator.withGenerator { $0.nextUnit() < options.lostAnswerRate }
    }

    /// `Retry-After` text for a delay: whole seconds as integers, others with two decimals.
    public static func retryAfterText(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.2f", seconds)
    }
}

/// SplitMix64: small, fast and good enough for choosing faults.
struct SeededGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    /// A number in [0, 1).
    mutating func nextUnit() -> Double {
        Double(next() >> 11) / Double(UInt64(1) << 53)
    }
}

/// The generator behind a lock, shared by concurrent requests.
final class LockedGenerator: Sendable {
    private let generator: Mutex<SeededGenerator>

    init(seed: UInt64) {
        generator = Mutex(SeededGenerator(state: seed))
    }

    func withGenerator<T: Sendable>(_ body: (inout SeededGenerator) -> T) -> T {
        generator.withLock { body(&$0) }
    }
}
