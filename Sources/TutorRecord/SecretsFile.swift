import Foundation
import TutorSupport

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

    /// Reads a secrets file.
    public static func decode(_ data: Data) throws -> SecretsFile {
        try JSONDecoder().decode(SecretsFile.self, from: data)
    }

    /// Key-sorted JSON.
    public func encoded() throws -> Data { try StateFileEncoding.encode(self) }
}

/// The one JSON layout of the state files: pretty, key-sorted, slashes as they are, a final newline.
enum StateFileEncoding {
    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(0x0A)
        return data
    }
}
