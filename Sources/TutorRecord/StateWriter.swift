import Foundation
import Synchronization
import TutorSupport

/// Writes the run state in the background so that flushing files to disk overlaps the next
/// request. Only the newest state matters: saves that pile up while the disk is slow are folded
/// into one. `save(wait: true)` returns only once that state is on disk (used before a create
/// without a lookup is sent, so that a crash can never lose the mark that it was sent).
public final class StateWriter: Sendable {
    private struct State {
        /// The newest state not yet written.
        var pending: (record: Data, secrets: Data)?
        /// Whether a drain is queued or running.
        var draining = false
        /// The first write that failed; later saves report it.
        var failure: RunStateError?
        /// What secrets.json holds now, so that it is rewritten only when it changes.
        var lastSecrets: Data?
    }

    private let store: RunStateStore
    /// Files are written only by the blocks of this serial queue.
    private let queue = DispatchQueue(label: "tutor.run.state")
    private let state = Mutex(State())

    /// A writer for `store`.
    public init(store: RunStateStore) {
        self.store = store
    }

    /// Queues the state (secrets.json is written only when it changed); throws an earlier write's error.
    public func save(_ record: RunRecord, _ secrets: SecretsFile, wait: Bool) throws {
        let encoded: (record: Data, secrets: Data)
        do {
            encoded = (try record.encoded(), try secrets.encoded())
        } catch {
            throw RunStateError.unusable("cannot encode the run state: \(error)")
        }
        let schedule = state.withLock { state in
            state.pending = encoded
            defer { state.draining = true }
            return !state.draining
        }
        if schedule { queue.async { self.drain() } }
        if wait { try flush() }
    }

    /// Waits until everything saved so far is on disk; throws the first failure.
    public func flush() throws {
        queue.sync {}
        if let failure = state.withLock({ $0.failure }) { throw failure }
    }

    private func drain() {
        while true {
            let next: (record: Data, secrets: Data)? = state.withLock { state in
                let next = state.pending
                state.pending = nil
                if next == nil || state.failure != nil { state.draining = false }
                return state.failure == nil ? next : nil
            }
            guard let next else { return }
            do {
                try FileManager.default.createDirectory(at: store.directory, withIntermediateDirectories: true)
                // Secrets first, so that the record never names a secret that is not saved.
                if next.secrets != state.withLock({ $0.lastSecrets }) {
                    try AtomicFile.write(next.secrets, to: store.secretsURL, permissions: 0o600)
                    state.withLock { $0.lastSecrets = next.secrets }
                }
                try AtomicFile.write(next.record, to: store.recordURL, permissions: 0o644)
            } catch {
                let failure =
                    (error as? AtomicFile.WriteError).map { RunStateError.unusable($0.description) }
                    ?? RunStateError.unusable("cannot save the run state in \(store.directory.path): \(error)")
                state.withLock { $0.failure = failure }
            }
        }
    }
}
