import Foundation
import TutorSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The run state directory: `record.json` and `secrets.json`, each replaced atomically.
public struct RunStateStore: Sendable {
    public let directory: URL

    /// A store in `directory` (created when first saved).
    public init(directory: URL) {
        self.directory = directory
    }

    /// `record.json`.
    public var recordURL: URL { directory.appendingPathComponent("record.json") }
    /// `secrets.json`.
    public var secretsURL: URL { directory.appendingPathComponent("secrets.json") }

    /// Takes the directory for this process (an advisory lock the system drops when the process
    /// ends, even by SIGKILL) and removes half-written files a killed run left behind.
    /// Returns the descriptor that holds the lock; close it to release.
    public func acquire() throws -> Int32 {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw RunStateError.unusable("cannot create \(directory.path): \(error.localizedDescription)")
        }
        let path = lockURL.path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw RunStateError.unusable("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        // Tried again for a moment: a process being started elsewhere in this one holds a copy of
        // every descriptor until it runs its program (`O_CLOEXEC` closes them only then), and with
        // it a lock a run of this process has just released.
        var locked = Self.tryLock(descriptor)
        for _ in 0..<20 where !locked {
            usleep(10_000)
            locked = Self.tryLock(descriptor)
        }
        guard locked else {
            close(descriptor)
            throw RunStateError.inUse(
                "another tutor run is using \(directory.path); wait for it or use another --state-dir")
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names
        where (name.hasPrefix(".secrets.json.") || name.hasPrefix(".record.json.")) && name.hasSuffix(".tmp") {
            unlink(directory.appendingPathComponent(name).path)
        }
        return descriptor
    }

    /// `.lock`, the file a run holds locked while it uses the folder.
    var lockURL: URL { directory.appendingPathComponent(".lock") }

    /// Whether a run holds the folder now (its lock is taken).
    public var isInUse: Bool {
        let descriptor = open(lockURL.path, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return !Self.tryLock(descriptor)
    }

    /// The one place the state lock is taken: exclusive, never waiting.
    private static func tryLock(_ descriptor: Int32) -> Bool {
        flock(descriptor, LOCK_EX | LOCK_NB) == 0
    }

    /// The saved record and secrets, or nil when there is none.
    public func load() throws -> (RunRecord, SecretsFile)? {
        guard let data = FileManager.default.contents(atPath: recordURL.path) else { return nil }
        let record: RunRecord
        do {
            record = try RunRecord.decode(data)
        } catch {
            throw RunStateError.unusable("\(recordURL.path) cannot be read (\(error)); use --fresh to start over")
        }
        var secrets = SecretsFile()
        if let secretData = FileManager.default.contents(atPath: secretsURL.path) {
            do {
                secrets = try SecretsFile.decode(secretData)
            } catch {
                throw RunStateError.unusable("\(secretsURL.path) cannot be read; use --fresh to start over")
            }
        }
        return (record, secrets)
    }

    /// Writes both files atomically (secrets first, so the record never names a secret that is not saved).
    public func save(_ record: RunRecord, _ secrets: SecretsFile) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try AtomicFile.write(try secrets.encoded(), to: secretsURL, permissions: 0o600)
            try AtomicFile.write(try record.encoded(), to: recordURL, permissions: 0o644)
        } catch let error as AtomicFile.WriteError {
            throw RunStateError.unusable(error.description)
        } catch let error as RunStateError {
            throw error
        } catch {
            throw RunStateError.unusable("cannot save the run state in \(directory.path): \(error)")
        }
    }
}

/// Why the state folder cannot be used.
public enum RunStateError: Error, Sendable, CustomStringConvertible, ExitStatusProviding {
    /// The files cannot be created, read or written (exit 73).
    case unusable(String)
    /// Another run holds the folder (exit 64: pick another `--state-dir` or wait).
    case inUse(String)

    public var description: String {
        switch self {
        case .unusable(let message): return "error: run state: \(message)"
        case .inUse(let message): return "error: \(message)"
        }
    }

    /// 73 or 64.
    public var exitStatus: ExitStatus {
        switch self {
        case .unusable: return .cannotCreate
        case .inUse: return .usage
        }
    }
}
