import Foundation
import TutorSupport

/// Writes the run state in the background so that flushing files to disk overlaps the next
/// request. Only the newest state matters: saves that pile up while the disk is slow are folded
/// into one. `save(wait: true)` returns only once that state is on disk (used before a create
/// without a lookup is sent, so that a crash can never lose the mark that it was sent).
public final class StateWriter: @unchecked Sendable {
    // @unchecked Sendable: `pending`, `draining`, `failure` and `lastSecrets` are guarded by
    // `lock`; the files are written only by the blocks of the serial `queue`.
    private let store: RunStateStore
    private let queue = DispatchQueue(label: "tutor.run.state")
    private let lock = NSLock()
    private var pending: (record: Data, secrets: Data)?
    private var draining = false
    private var failure: (any Error)?
    private var lastSecrets: Data?

    /// A writer for `store`.
    public init(store: RunStateStore) {
        self.store = store
    }

    /// Queues the state (secrets.json is written only when it changed); throws an earlier write's error.
    public func save(_ record: RunRecord, _ secrets: SecretsFile, wait: Bool) throws {
        let state: (record: Data, secrets: Data)
        do {
            state = (try record.encoded(), try secrets.encoded())
        } catch {
            throw RunStateError.unusable("cannot encode the run state: \(error)")
        }
        let schedule = lock.withLock {
            pending = state
            defer { draining = true }
            return !draining
        }
        if schedule { queue.async { self.drain() } }
        if wait { try flush() }
    }

    /// Waits until everything saved so far is on disk; throws the first failure.
    public func flush() throws {
        queue.sync {}
        if let failure = lock.withLock({ failure }) { throw failure }
    }

    private func drain() {
        while true {
            let next: (record: Data, secrets: Data)? = lock.withLock {
                let next = pending
                pending = nil
                if next == nil { draining = false }
                return failure == nil ? next : nil
            }
            guard let next else {
                lock.withLock { draining = false }
                return
            }
            do {
                try FileManager.default.createDirectory(at: store.directory, withIntermediateDirectories: true)
                // Secrets first, so that the record never names a secret that is not saved.
                if next.secrets != lock.withLock({ lastSecrets }) {
                    try AtomicFile.write(next.secrets, to: store.secretsURL, permissions: 0o600)
                    lock.withLock { lastSecrets = next.secrets }
                }
                try AtomicFile.write(next.record, to: store.recordURL, permissions: 0o644)
            } catch let error as AtomicFile.WriteError {
                lock.withLock { failure = RunStateError.unusable(error.description) }
            } catch {
                lock.withLock {
                    failure = RunStateError.unusable("cannot save the run state in \(store.directory.path): \(error)")
                }
            }
        }
    }
}
