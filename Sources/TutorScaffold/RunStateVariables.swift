import Foundation
import TutorSupport

/// The template variables a run left in its state folder (docs/ledger.md): `record.json`'s
/// `outputs`, with every `[REDACTED]` value taken from `secrets.json`'s `outputs`.
public struct RunStateVariables: Sendable {
    /// What the records use in place of a secret.
    public static let redacted = "[REDACTED]"

    /// The variables, secrets included.
    public var variables: [String: String]
    /// The run's `startedAt`, when the record has a valid one (the fallback time for archives).
    public var startedAt: Date?

    /// Reads `stateDirectory/record.json` and, when a value is redacted, `secrets.json`.
    public init(stateDirectory: URL) throws {
        let recordURL = stateDirectory.appendingPathComponent("record.json")
        let record = try Self.readJSON(recordURL)
        guard let outputs = record["outputs"]?.objectMembers else {
            throw ScaffoldError.invalidState(
                path: recordURL.path,
                reason: "has no \"outputs\" object; did the run finish the steps that produce them?")
        }
        var variables: [String: String] = [:]
        var redactedNames: [String] = []
        for member in outputs {
            guard let value = member.value.stringValue else { continue }
            if value == Self.redacted {
                redactedNames.append(member.key)
            } else {
                variables[member.key] = value
            }
        }
        if !redactedNames.isEmpty {
            let secretsURL = stateDirectory.appendingPathComponent("secrets.json")
            let secrets = try Self.readJSON(secretsURL)
            for name in redactedNames {
                guard let value = secrets["outputs"]?[name]?.stringValue else {
                    throw ScaffoldError.invalidState(
                        path: secretsURL.path, reason: "has no value for the secret output \(name)")
                }
                variables[name] = value
            }
        }
        // The template may then say what the run prepared (and must not claim it otherwise).
        variables[ProjectTemplate.renderedFromRun] = "true"
        self.variables = variables
        if let text = record["startedAt"]?.stringValue {
            startedAt = ISO8601DateFormatter().date(from: text) ?? Self.fractionalFormatter().date(from: text)
        }
    }

    private static func fractionalFormatter() -> ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }

    private static func readJSON(_ url: URL) throws -> JSONValue {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ScaffoldError.invalidState(path: url.path, reason: "cannot be read; is this a run's --state-dir?")
        }
        do {
            return try JSONValue.parse(data)
        } catch {
            // The parse error gives only an offset, never the text, so no secret can leak here.
            throw ScaffoldError.invalidState(path: url.path, reason: "\(error)")
        }
    }
}
