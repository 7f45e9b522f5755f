import Foundation
import TutorSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `record.json`: everything a run did, with every secret replaced by `[REDACTED]` (docs/ledger.md).
public struct RunRecord: Codable, Sendable {
    /// The value that stands for a secret anywhere in the record.
    public static let redacted = "[REDACTED]"

    /// The tool that wrote the record.
    public struct Tool: Codable, Sendable {
        /// Always `tutor`.
        public var name: String
        /// Tool version.
        public var version: String
    }

    /// The tutorial that ran.
    public struct TutorialInfo: Codable, Sendable {
        /// Path as given.
        public var path: String
        /// SHA-256 of the top-level file.
        public var sha256: String
    }

    /// The tenant it ran against.
    public struct TenantInfo: Codable, Sendable {
        /// Tenant id.
        public var id: String?
        /// Subdomain.
        public var subdomain: String?
        /// Graph base URL.
        public var graphURL: String
        /// Whether it is the sandbox.
        public var sandbox: Bool
    }

    /// A Graph error code and message.
    public struct ErrorInfo: Codable, Sendable, Hashable {
        /// Graph's code (or the runner's, e.g. `ExpectationFailed`).
        public var code: String
        /// The message.
        public var message: String
    }

    /// One request of a step.
    public struct RequestEntry: Codable, Sendable {
        /// Request name.
        public var name: String
        /// Method.
        public var method: String
        /// URL as sent (rebased, interpolated).
        public var url: String
        /// Final HTTP status.
        public var status: Int?
        /// Total time including retries.
        public var durationMs: Int
        /// Attempts made (0 when a lookup found the object).
        public var attempts: Int
        /// Graph's `request-id` of the final response.
        public var requestId: String?
        /// Graph's error, if the request failed.
        public var error: ErrorInfo?
        /// Body sent (secrets redacted).
        public var requestBody: JSONValue?
        /// Body received (secrets redacted).
        public var responseBody: JSONValue?
        /// `file:line` of the request block.
        public var source: String
        /// `sent` (done), `found` (lookup found it, nothing sent), `inFlight` (sent, answer not yet
        /// recorded), `failed`, `skipped` (`skipIfCaptured` and its captures were already set).
        public var outcome: String
    }

    /// One step.
    public struct StepEntry: Codable, Sendable {
        /// Heading.
        public var title: String
        /// `file:line` of the heading.
        public var source: String
        /// `pending`, `succeeded`, `failed`, `manual`, `interrupted`.
        public var status: String
        /// Time spent on the step in this run.
        public var durationMs: Int
        /// Its requests.
        public var requests: [RequestEntry]
    }

    /// A resource the run created, and how to delete it.
    public struct Resource: Codable, Sendable, Hashable {
        /// Kind, e.g. `application`.
        public var type: String
        /// Its id (last path segment of the cleanup URL).
        public var id: String
        /// The request that created it.
        public var createdBy: String
        /// How to delete it.
        public var cleanup: CleanupEntry
    }

    /// The request that deletes a resource.
    public struct CleanupEntry: Codable, Sendable, Hashable {
        /// Usually DELETE.
        public var method: String
        /// Absolute URL on the tenant.
        public var url: String
    }

    /// Tool name and version.
    public var tool: Tool
    /// Tutorial path and hash.
    public var tutorial: TutorialInfo
    /// Tenant.
    public var tenant: TenantInfo
    /// `running`, `succeeded`, `failed`, `interrupted`.
    public var status: String
    /// ISO 8601 time the first run started.
    public var startedAt: String
    /// ISO 8601 time the latest run ended.
    public var finishedAt: String?
    /// Steps in order.
    public var steps: [StepEntry]
    /// Variables from inputs and `--var` (secrets redacted).
    public var inputs: [String: String]
    /// Captured variables (secrets redacted).
    public var captures: [String: String]
    /// The ledger of created resources.
    public var resources: [Resource]
    /// Values for the template (secrets redacted).
    public var outputs: [String: String]

    /// The record as pretty, key-sorted JSON.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }

    /// Reads a record.
    public static func decode(_ data: Data) throws -> RunRecord {
        try JSONDecoder().decode(RunRecord.self, from: data)
    }

    /// The request entry named `name`, if recorded.
    public func request(named name: String) -> RequestEntry? {
        for step in steps {
            if let entry = step.requests.first(where: { $0.name == name }) { return entry }
        }
        return nil
    }
}

/// `secrets.json` (mode 0600): the secret values a resumed run and `tutor render` need.
public struct SecretsFile: Codable, Sendable, Equatable {
    /// Secret variables by name.
    public var variables: [String: String]
    /// Secret outputs by name.
    public var outputs: [String: String]

    /// An empty file.
    public init(variables: [String: String] = [:], outputs: [String: String] = [:]) {
        self.variables = variables
        self.outputs = outputs
    }

    /// Key-sorted JSON.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }
}

/// The run state directory: `record.json` and `secrets.json`, each replaced atomically.
public struct RunStateStore: Sendable {
    /// The directory.
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
            throw RunnerError.state("cannot create \(directory.path): \(error.localizedDescription)")
        }
        let path = directory.appendingPathComponent(".lock").path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw RunnerError.state("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw RunnerError.usage(
                "another tutor run is using \(directory.path); wait for it or use another --state-dir")
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names
        where (name.hasPrefix(".secrets.json.") || name.hasPrefix(".record.json.")) && name.hasSuffix(".tmp") {
            unlink(directory.appendingPathComponent(name).path)
        }
        return descriptor
    }

    /// The saved record and secrets, or nil when there is none.
    public func load() throws -> (RunRecord, SecretsFile)? {
        guard let data = FileManager.default.contents(atPath: recordURL.path) else { return nil }
        let record: RunRecord
        do {
            record = try RunRecord.decode(data)
        } catch {
            throw RunnerError.state("\(recordURL.path) cannot be read (\(error)); use --fresh to start over")
        }
        var secrets = SecretsFile()
        if let secretData = FileManager.default.contents(atPath: secretsURL.path) {
            do {
                secrets = try JSONDecoder().decode(SecretsFile.self, from: secretData)
            } catch {
                throw RunnerError.state("\(secretsURL.path) cannot be read; use --fresh to start over")
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
            throw RunnerError.state(error.description)
        } catch let error as RunnerError {
            throw error
        } catch {
            throw RunnerError.state("cannot save the run state in \(directory.path): \(error)")
        }
    }
}

/// Writes the run state in the background so that flushing files to disk overlaps the next
/// request. Only the newest state matters: saves that pile up while the disk is slow are folded
/// into one. `save(wait: true)` returns only once that state is on disk (used before a create
/// without a lookup is sent, so that a crash can never lose the mark that it was sent).
final class StateWriter: @unchecked Sendable {
    // @unchecked Sendable: `pending`, `draining`, `failure` and `lastSecrets` are guarded by
    // `lock`; the files are written only by the blocks of the serial `queue`.
    private let store: RunStateStore
    private let queue = DispatchQueue(label: "tutor.run.state")
    private let lock = NSLock()
    private var pending: (record: Data, secrets: Data)?
    private var draining = false
    private var failure: (any Error)?
    private var lastSecrets: Data?

    init(store: RunStateStore) {
        self.store = store
    }

    /// Queues the state (secrets.json is written only when it changed); throws an earlier write's error.
    func save(_ record: RunRecord, _ secrets: SecretsFile, wait: Bool) throws {
        let state: (record: Data, secrets: Data)
        do {
            state = (try record.encoded(), try secrets.encoded())
        } catch {
            throw RunnerError.state("cannot encode the run state: \(error)")
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
    func flush() throws {
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
                lock.withLock { failure = RunnerError.state(error.description) }
            } catch {
                lock.withLock {
                    failure = RunnerError.state("cannot save the run state in \(store.directory.path): \(error)")
                }
            }
        }
    }
}

/// Replaces secret values wherever they appear: as they are, and in the forms a request gives
/// them (percent-encoded in a URL, escaped in a JSON string).
struct Redactor: Sendable {
    var secrets: Set<String>

    init(secrets: Set<String>) {
        var forms: Set<String> = []
        for secret in secrets where !secret.isEmpty {
            forms.insert(secret)
            forms.insert(Template.percentEncode(secret))
            forms.insert(JSONValue.escape(secret))
        }
        // Longest first, so that a secret inside another is not replaced before the longer one.
        self.secrets = forms
        self.ordered = forms.sorted { $0.count > $1.count }
    }

    private var ordered: [String]

    /// The text with every secret replaced by `[REDACTED]`.
    func redact(_ text: String) -> String {
        var text = text
        for secret in ordered where text.contains(secret) {
            text = text.replacingOccurrences(of: secret, with: RunRecord.redacted)
        }
        return text
    }

    /// Member names whose string values are secrets whatever the tutorial declares.
    static let secretKeys: Set<String> = [
        "secrettext", "password", "client_secret", "access_token", "refresh_token", "id_token",
    ]

    /// The value with every string that holds a secret redacted.
    func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let string): return .string(redact(string))
        case .array(let elements): return .array(elements.map(redact))
        case .object(let members):
            return .object(
                members.map { member in
                    if Self.secretKeys.contains(member.key.lowercased()), case .string = member.value {
                        return .init(member.key, .string(RunRecord.redacted))
                    }
                    return .init(redact(member.key), redact(member.value))
                })
        default: return value
        }
    }

    /// A body as JSON for the record: parsed when it is JSON, else a string; redacted.
    func recordedBody(_ data: Data?) -> JSONValue? {
        guard let data, !data.isEmpty else { return nil }
        if let value = try? JSONValue.parse(data) { return redact(value) }
        return .string(redact(String(decoding: data, as: UTF8.self)))
    }
}
