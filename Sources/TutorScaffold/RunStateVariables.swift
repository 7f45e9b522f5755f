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
        startedAt = Self.date(fromTimestamp: record.startedAt)
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

    /// `RunRecord.date(fromTimestamp:)` without ICU: Foundation's `ISO8601DateFormatter` loads
    /// ICU's calendar data on first use (2.5 ms, a tenth of a render). The record writes UTC
    /// times as `YYYY-MM-DDTHH:MM:SS[.fff]Z`, which are read here by hand; any other form
    /// still goes to the record's own parser.
    static func date(fromTimestamp text: String) -> Date? {
        utcDate(text) ?? RunRecord.date(fromTimestamp: text)
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fff]Z` (one to nine fraction digits), or nil.
    static func utcDate(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        let separators: [(Int, Character)] = [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":")]
        guard separators.allSatisfy({ bytes[$0.0] == $0.1.asciiValue }),
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), hour < 24, minute < 60, second < 60
        else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...monthDays[month - 1]).contains(day) else { return nil }
        var fraction = 0.0
        if bytes.count > 20 {
            let digits = 20..<(bytes.count - 1)
            guard bytes[19] == UInt8(ascii: "."), (1...9).contains(digits.count), let value = number(digits) else {
                return nil
            }
            fraction = Double(value) / pow(10, Double(digits.count))
        }
        // Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's days_from_civil).
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
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
