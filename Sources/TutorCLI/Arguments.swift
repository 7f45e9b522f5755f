import ArgumentParser
import TutorVerify

/// `NAME=VALUE` from `--var`: a name before the first `=` (not empty) and a value after it
/// (may be empty, may hold more `=`).
public struct Assignment: ExpressibleByArgument, Sendable, Hashable {
    /// The variable's name.
    public var name: String
    /// Its value.
    public var value: String

    /// Nil (argument-parser's "invalid value" error) without `=` or with an empty name.
    public init?(argument: String) {
        guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else { return nil }
        name = String(argument[..<equals])
        value = String(argument[argument.index(after: equals)...])
    }

    /// The values of `assignments` by name, the last one winning.
    static func values(_ assignments: [Assignment]) -> [String: String] {
        Dictionary(assignments.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
    }
}

/// `NAME=ENV` from `--secret-env`: take variable NAME from environment variable ENV, so that a
/// secret never sits on the command line.
public struct SecretFromEnvironment: ExpressibleByArgument, Sendable, Hashable {
    /// The template variable.
    public var name: String
    /// The environment variable holding its value.
    public var environmentVariable: String

    /// Nil without `=`, or with an empty name on either side.
    public init?(argument: String) {
        guard let assignment = Assignment(argument: argument), !assignment.value.isEmpty else { return nil }
        name = assignment.name
        environmentVariable = assignment.value
    }
}

/// `--shard K/N`: verify share K of N.
extension Shard: ExpressibleByArgument {
    /// Nil unless `K/N` with 1 ≤ K ≤ N.
    public init?(argument: String) {
        try? self.init(parsing: argument)
    }
}
