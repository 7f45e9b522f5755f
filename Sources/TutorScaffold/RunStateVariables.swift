import Foundation
import TutorRecord
import TutorSupport

/// The template variables a run left in its state folder (docs/ledger.md): `record.json`'s
/// `outputs`, with every `[REDACTED]` value taken from `secrets.json`'s `outputs`.
public struct RunStateVariables: Sendable {
    /// The variables, secrets included.
    public var variables: [String: String]
    /// The run's `startedAt`, when the record has a valid one (the fallback time for archives).
    public var startedAt: Date?

    /// Reads `stateDirectory/record.json` and, when a value is redacted, `secrets.json`.
    public init(stateDirectory: URL) throws {
        let store = RunStateStore(directory: stateDirectory)
        let record = try Self.read(store.recordURL) { try JSONDecoder().decode(RenderedPart.self, from: $0) }
        var variables: [String: String] = [:]
        var redactedNames: [String] = []
        for (name, value) in record.outputs {
            if value == RunRecord.redacted {
                redactedNames.append(name)
            } else {
                variables[name] = value
            }
        }
        if !redactedNames.isEmpty {
            let secrets = try Self.read(store.secretsURL, SecretsFile.decode)
            for name in redactedNames.sorted() {
                guard let value = secrets.outputs[name] else {
                    throw ScaffoldError.invalidState(
                        path: store.secretsURL.path, reason: "has no value for the secret output \(name)")
                }
                variables[name] = value
            }
        }
        // An app run against the sandbox must trust its CA: the template's `.env` sets it.
        if let caFile = record.tenant.caFile, variables[ProjectTemplate.tenantCAFile] == nil {
            variables[ProjectTemplate.tenantCAFile] = caFile
        }
        // The template may then say what the run prepared (and must not claim it otherwise).
        variables[ProjectTemplate.renderedFromRun] = "true"
        self.variables = variables
        startedAt = RunRecord.date(fromTimestamp: record.startedAt)
    }

    /// The part of `record.json` a render reads. Decoding the whole `RunRecord` (every step,
    /// request and response) took most of `tutor render`'s own time; the run's identity
    /// (`tool`, `status`) is still checked, so a file that is not a run's record is refused.
    private struct RenderedPart: Decodable {
        struct Tenant: Decodable {
            var caFile: String?
        }
        var tool: RunRecord.Tool
        var status: RunStatus
        var tenant: Tenant
        var startedAt: String
        var outputs: [String: String]
    }

    private static func read<Value>(_ url: URL, _ decode: (Data) throws -> Value) throws -> Value {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ScaffoldError.invalidState(path: url.path, reason: "cannot be read; is this a run's --state-dir?")
        }
        do {
            return try decode(data)
        } catch {
            // A decoding error names keys and offsets, never values, so no secret can leak here.
            throw ScaffoldError.invalidState(path: url.path, reason: "is not a run's state file (\(error))")
        }
    }
}
