import Synchronization
import TutorHTTP

/// Several transports used as one, so that overlapping requests do not queue behind each other
/// on a transport that sends one request at a time (libcurl's client, on its serial queue): a
/// chain's poll would otherwise wait for another chain's exchange, and learn late that its object
/// became visible. A transport is made only when every one made so far is busy, up to `limit`,
/// so a serial run uses the first one only.
public final class TransportPool: HTTPTransport, ConnectionCounting {
    private struct State {
        var all: [any HTTPTransport]
        var idle: [Int]
    }

    private let limit: Int
    private let make: @Sendable () throws -> any HTTPTransport
    private let state: Mutex<State>

    /// A pool that starts with `first` and makes up to `limit - 1` more with `make`.
    public init(first: any HTTPTransport, limit: Int, make: @escaping @Sendable () throws -> any HTTPTransport) {
        self.limit = max(1, limit)
        self.make = make
        self.state = Mutex(State(all: [first], idle: [0]))
    }

    /// Transports made so far.
    public var count: Int { state.withLock { $0.all.count } }

    /// Connections opened by every transport of the pool that counts them.
    public var connectionsOpened: Int {
        state.withLock { $0.all }.reduce(0) { $0 + (($1 as? any ConnectionCounting)?.connectionsOpened ?? 0) }
    }

    /// Sends on an idle transport (a new one if none is idle and the pool may grow; else the
    /// first, where it waits its turn).
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let index = checkOut()
        defer { if let index { state.withLock { $0.idle.append(index) } } }
        let transport = state.withLock { $0.all[index ?? 0] }
        return try await transport.send(request)
    }

    /// The index of the transport to use, reserved; nil for the first one, shared, when all are busy.
    private func checkOut() -> Int? {
        state.withLock { state in
            if let index = state.idle.popLast() { return index }
            guard state.all.count < limit, let made = try? make() else { return nil }
            state.all.append(made)
            return state.all.count - 1
        }
    }
}
