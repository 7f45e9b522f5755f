import TutorSupport
import Yams

/// YAML front matter (`---` … `---` at the top of a file), read as JSON values.
struct FrontMatter {
    /// The members of the front matter, in order.
    var members: [JSONValue.JSONMember] = []
    /// Line of the opening `---`.
    var line = 1

    /// Problems found in the front matter: line, column, message.
    struct Problem: Error {
        var line: Int
        var column: Int
        var message: String
    }

    /// Reads the front matter of `source`, if any, and blanks it out (keeping line breaks) so
    /// that Markdown positions stay those of the file.
    static func extract(from source: inout SourceText) -> Result<FrontMatter?, Problem> {
        guard source.line(1).trimmingBlanks.elementsEqual("---".utf8) else { return .success(nil) }
        var closingLine: Int?
        var number = 2
        while number <= source.lineCount {
            let line = source.line(number)
            if line.count <= 8 {
                let trimmed = line.trimmingBlanks
                if trimmed.elementsEqual("---".utf8) || trimmed.elementsEqual("...".utf8) {
                    closingLine = number
                    break
                }
            }
            number += 1
        }
        guard let closingLine else {
            return .failure(Problem(line: 1, column: 1, message: "front matter opened here is never closed with '---'"))
        }
        let yamlStart = source.lineStarts[1]
        let yamlEnd = source.lineStarts[closingLine - 1]
        let yaml = String(decoding: source.bytes[yamlStart..<yamlEnd], as: UTF8.self)
        let blankEnd = closingLine < source.lineStarts.count ? source.lineStarts[closingLine] : source.bytes.count
        for offset in 0..<blankEnd where source.bytes[offset] != UInt8(ascii: "\n") {
            source.bytes[offset] = UInt8(ascii: " ")
        }
        if let found = YAMLAnchors.first(in: yaml) {
            return .failure(
                Problem(
                    line: found.line + 1, column: found.column,
                    message:
                        "front matter uses the YAML \(found.written.hasPrefix("*") ? "alias" : "anchor") '\(found.written)': anchors and aliases are not allowed (they let a few bytes expand without bound)"
                ))
        }
        let node: Node?
        do {
            // The basic resolver: Yams's default one compiles a dozen NSRegularExpressions on first use,
            // which costs more than reading a whole tutorial; plain scalars are typed below instead.
            node = try Yams.compose(yaml: yaml, .basic, .default, .utf8)
        } catch let error as YamlError {
            return .failure(problem(from: error, firstLine: 2))
        } catch {
            return .failure(Problem(line: 2, column: 1, message: "front matter is not YAML: \(error)"))
        }
        guard let node else { return .success(FrontMatter(members: [], line: 1)) }
        guard case .object(let members) = jsonValue(node) else {
            return .failure(
                Problem(line: 2, column: 1, message: "front matter must be a YAML mapping of keys to values"))
        }
        return .success(FrontMatter(members: members, line: 1))
    }

    private static func problem(from error: YamlError, firstLine: Int) -> Problem {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return Problem(
                line: firstLine + mark.line - 1, column: max(1, mark.column),
                message: "front matter is not YAML: \(problem)")
        default:
            return Problem(line: firstLine, column: 1, message: "front matter is not YAML: \(error)")
        }
    }

    /// Types a plain (unquoted) scalar as the YAML 1.2 core schema does: null, booleans, numbers.
    static func plainScalar(_ text: String) -> JSONValue {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN":
            return .string(text)
        default: break
        }
        let numberCharacters = Set("0123456789+-.eE")
        guard let first = text.first, "0123456789+-.".contains(first), text.allSatisfy(numberCharacters.contains)
        else {
            if text.hasPrefix("0x"), let value = Int(text.dropFirst(2), radix: 16) { return .number(Double(value)) }
            if text.hasPrefix("0o"), let value = Int(text.dropFirst(2), radix: 8) { return .number(Double(value)) }
            return .string(text)
        }
        guard text.contains(where: \.isNumber), let value = Double(text), value.isFinite else { return .string(text) }
        return .number(value)
    }

    /// Converts a YAML node into a JSON value (scalars by their resolved tag; aliases become null).
    static func jsonValue(_ node: Node) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            guard scalar.style == .plain else { return .string(scalar.string) }
            return plainScalar(scalar.string)
        case .mapping(let mapping):
            return .object(
                mapping.map { key, value in JSONValue.JSONMember(key.string ?? "", jsonValue(value)) })
        case .sequence(let sequence):
            return .array(sequence.map(jsonValue))
        case .alias:
            return .null
        }
    }
}
