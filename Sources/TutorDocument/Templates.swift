/// One `{{name}}` in a template, or a `{{` that does not start a valid variable.
struct VariableReference: Sendable, Equatable {
    /// The variable's name (empty for a malformed reference).
    var name: String
    /// Byte offset of the `{{` within the template.
    var offset: Int
    /// Whether the reference is well formed.
    var isValid: Bool { !name.isEmpty }
}

/// `{{variable}}` templates: names are ASCII letters, digits and underscores, not starting with a digit.
enum TemplateSyntax {
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
                references.append(VariableReference(name: "", offset: start))
                index = start + 2
                continue
            }
            let name = bytes[(start + 2)..<cursor].trimmingBlanks
            if isIdentifier(name) {
                references.append(VariableReference(name: name.text, offset: start))
            } else {
                references.append(VariableReference(name: "", offset: start))
            }
            index = cursor + 2
        }
        return references
    }

    /// Names of the variables `text` uses, in order of first use.
    static func variableNames(in text: String) -> [String] {
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
        let references = self.references(in: text).filter(\.isValid)
        guard !references.isEmpty else { return text }
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        for reference in references {
            output.append(contentsOf: bytes[index..<reference.offset])
            output.append(contentsOf: replacement.utf8)
            var end = reference.offset + 2
            while end + 1 < bytes.count, !(bytes[end] == UInt8(ascii: "}") && bytes[end + 1] == UInt8(ascii: "}")) {
                end += 1
            }
            index = min(bytes.count, end + 2)
        }
        output.append(contentsOf: bytes[index...])
        return String(decoding: output, as: UTF8.self)
    }
}

/// The JSONPath subset that captures use (the runner evaluates the same subset):
/// `$`, then any of `.name`, `['name']`, `[index]` (negative counts from the end), `[*]`,
/// and `[?(@.name==literal)]` (first match; literal is `'text'`, a number, `true`, `false` or `null`;
/// `@.a.b` paths are allowed). `{{variables}}` may appear inside a filter literal.
enum JSONPathSyntax {
    /// Why `path` is not in the subset, or nil when it is.
    static func problem(in path: String) -> String? {
        let bytes = Array(path.utf8)
        guard bytes.first == UInt8(ascii: "$") else { return "a JSONPath starts with '$'" }
        var index = 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "."):
                index += 1
                let start = index
                while index < bytes.count, bytes[index] != UInt8(ascii: "."), bytes[index] != UInt8(ascii: "[") {
                    index += 1
                }
                if index == start { return "empty member name at character \(start + 1)" }
            case UInt8(ascii: "["):
                guard let close = closingBracket(in: bytes, from: index) else {
                    return "'[' at character \(index + 1) is never closed"
                }
                let inside = bytes[(index + 1)..<close].text
                if let problem = bracketProblem(inside) { return problem }
                index = close + 1
            default:
                return "unexpected '\(Character(Unicode.Scalar(bytes[index])))' at character \(index + 1)"
            }
        }
        return nil
    }

    private static func closingBracket(in bytes: [UInt8], from start: Int) -> Int? {
        var quoted = false
        var index = start + 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "'") { quoted.toggle() }
            if byte == UInt8(ascii: "]"), !quoted { return index }
            index += 1
        }
        return nil
    }

    private static func bracketProblem(_ inside: String) -> String? {
        if inside == "*" { return nil }
        if inside.count >= 2, inside.hasPrefix("'"), inside.hasSuffix("'") { return nil }
        if Int(inside) != nil { return nil }
        if inside.hasPrefix("?(@."), inside.hasSuffix(")") {
            let condition = inside.dropFirst(4).dropLast()
            guard let equals = condition.firstRange(of: "==") else { return "a filter compares with '=='" }
            let member = condition[..<equals.lowerBound].trimmed(" ")
            let literal = condition[equals.upperBound...].trimmed(" ")
            guard !member.isEmpty, !member.contains(" ") else { return "a filter needs a member: [?(@.name==value)]" }
            if literal.count >= 2, literal.hasPrefix("'"), literal.hasSuffix("'") { return nil }
            if ["true", "false", "null"].contains(literal) || Double(literal) != nil { return nil }
            return "filter value '\(literal)' is not 'text', a number, true, false or null"
        }
        return "'[\(inside)]' is not an index, a quoted name, [*] or a filter [?(@.name==value)]"
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
