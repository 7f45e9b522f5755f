import TutorSupport

/// One `{{name}}` in a template, or a `{{` that does not start a valid variable.
struct VariableReference: Sendable, Equatable {
    /// The variable's name (empty for a malformed reference).
    var name: String
    /// Byte offset of the `{{` within the template.
    var offset: Int
    /// Byte offset just past the closing `}}` (past the `{{` for a malformed reference).
    var end: Int
    /// Whether the reference is well formed.
    var isValid: Bool { !name.isEmpty }
}

/// How a variable's value is written into a template.
public enum TemplateContext: Sendable {
    /// As is (headers, outputs).
    case plain
    /// JSON-escaped, for values inside JSON strings in bodies.
    case json
    /// Percent-encoded, for values in URLs; the literal text gets the characters a URL may not hold encoded.
    case url
}

/// `{{variable}}` templates, the one grammar `plan` checks and `run` expands: names are ASCII
/// letters, digits and underscores, not starting with a digit. A `{{` that does not start a
/// valid reference is an error at plan time and literal text when expanded.
public enum Template {
    /// A template that names a variable with no value.
    public struct UnknownVariable: Error, Sendable, Hashable {
        /// The variable's name.
        public var name: String
    }

    /// Every `{{…}}` in `text`, in order, with byte offsets.
    static func references(in text: String) -> [VariableReference] {
        let bytes = Array(text.utf8)
        var references: [VariableReference] = []
        var index = 0
        while index + 1 < bytes.count {
            guard bytes[index] == UInt8(ascii: "{"), bytes[index + 1] == UInt8(ascii: "{") else {
                index += 1
                continue
            }
            let start = index
            var cursor = index + 2
            while cursor + 1 < bytes.count,
                !(bytes[cursor] == UInt8(ascii: "}") && bytes[cursor + 1] == UInt8(ascii: "}")),
                cursor - start < 200
            {
                cursor += 1
            }
            guard cursor + 1 < bytes.count, bytes[cursor] == UInt8(ascii: "}") else {
                references.append(VariableReference(name: "", offset: start, end: start + 2))
                index = start + 2
                continue
            }
            let name = bytes[(start + 2)..<cursor].trimmingBlanks
            if isIdentifier(name) {
                references.append(VariableReference(name: name.text, offset: start, end: cursor + 2))
            } else {
                references.append(VariableReference(name: "", offset: start, end: start + 2))
            }
            index = cursor + 2
        }
        return references
    }

    /// Names of the variables `text` uses, in order of first use.
    public static func variables(in text: String) -> [String] {
        var seen = Set<String>()
        return references(in: text).compactMap { reference in
            guard reference.isValid, seen.insert(reference.name).inserted else { return nil }
            return reference.name
        }
    }

    /// Whether `bytes` is a variable name.
    static func isIdentifier<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool {
        guard let first = bytes.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return bytes.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
    }

    /// Whether `name` is a variable name.
    static func isIdentifier(_ name: String) -> Bool { isIdentifier(Array(name.utf8)) }

    /// `text` with every variable replaced by `replacement`, to check the JSON around it.
    static func replacingVariables(in text: String, with replacement: String) -> String {
        substitute(in: text) { _ in replacement }
    }

    /// Expands `template` with `values`, escaping each value for `context`; throws the first
    /// variable that has no value.
    public static func expand(_ template: String, with values: [String: String], context: TemplateContext)
        throws(UnknownVariable) -> String
    {
        var missing: String?
        let output = substitute(in: template, literal: { context == .url ? PercentEncoding.urlLiteral($0) : $0 }) {
            name in
            guard let value = values[name] else {
                if missing == nil { missing = name }
                return ""
            }
            switch context {
            case .plain: return value
            case .json: return JSONValue.escape(value)
            case .url: return PercentEncoding.unreserved(value)
            }
        }
        if let missing { throw UnknownVariable(name: missing) }
        return output
    }

    /// `text` with each valid reference replaced by `value(name)` and the text between them passed
    /// through `literal`; malformed references stay literal text.
    private static func substitute(
        in text: String, literal: (String) -> String = { $0 }, value: (String) -> String
    ) -> String {
        let references = self.references(in: text).filter(\.isValid)
        guard !references.isEmpty else { return literal(text) }
        let bytes = Array(text.utf8)
        var output = ""
        var index = 0
        for reference in references {
            output += literal(String(decoding: bytes[index..<reference.offset], as: UTF8.self))
            output += value(reference.name)
            index = reference.end
        }
        output += literal(String(decoding: bytes[index...], as: UTF8.self))
        return output
    }
}

extension StringProtocol {
    /// The text without `character` at either end.
    func trimmed(_ character: Character) -> String {
        var slice = self[...]
        while slice.first == character { slice = slice.dropFirst() }
        while slice.last == character { slice = slice.dropLast() }
        return String(slice)
    }
}
