import TutorSupport

/// A small JSONPath: `$`, `.name`, `['name']`, `[n]`, `[*]` and filters `[?(@.a.b=='v')]`
/// (also `!=`, and numbers, `true`, `false`, `null` on the right).
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    /// A path that cannot be read.
    public struct SyntaxError: Error, Sendable, CustomStringConvertible {
        /// The path text.
        public var path: String
        /// What is wrong.
        public var reason: String
        /// `invalid JSONPath '…': reason`.
        public var description: String { "invalid JSONPath '\(path)': \(reason)" }
    }

    enum Segment: Sendable, Hashable {
        case member(String)
        case index(Int)
        case wildcard
        case filter(path: [String], equals: Bool, value: JSONValue)
    }

    /// The text of the path.
    public let description: String
    let segments: [Segment]

    /// Parses a path such as `$.value[0].id`.
    public init(_ text: String) throws {
        description = text
        var scanner = Scanner(text: Array(text), path: text)
        segments = try scanner.parsePath()
    }

    /// Every value the path selects, in document order.
    public func select(in root: JSONValue) -> [JSONValue] {
        var current = [root]
        for segment in segments {
            var next: [JSONValue] = []
            for value in current {
                switch segment {
                case .member(let name):
                    if let member = value[name] { next.append(member) }
                case .index(let index):
                    if let elements = value.arrayElements {
                        let position = index < 0 ? elements.count + index : index
                        if elements.indices.contains(position) { next.append(elements[position]) }
                    }
                case .wildcard:
                    if let elements = value.arrayElements {
                        next += elements
                    } else if let members = value.objectMembers {
                        next += members.map(\.value)
                    }
                case .filter(let path, let equals, let expected):
                    let candidates = value.arrayElements ?? (value.objectMembers != nil ? [value] : [])
                    for candidate in candidates {
                        var field: JSONValue? = candidate
                        for name in path { field = field?[name] }
                        let matches = field.map { Self.equal($0, expected) } ?? false
                        if matches == equals, field != nil || !equals { next.append(candidate) }
                    }
                }
            }
            current = next
        }
        return current
    }

    /// The first value the path selects, if any.
    public func first(in root: JSONValue) -> JSONValue? {
        select(in: root).first
    }

    private static func equal(_ left: JSONValue, _ right: JSONValue) -> Bool {
        if case .string(let a) = left, case .string(let b) = right { return a == b }
        if case .number(let a) = left, case .number(let b) = right { return a == b }
        return left == right
    }

    private struct Scanner {
        let text: [Character]
        let path: String
        var index = 0

        func failure(_ reason: String) -> SyntaxError {
            SyntaxError(path: path, reason: "\(reason) at offset \(index)")
        }

        var atEnd: Bool { index >= text.count }
        var current: Character? { atEnd ? nil : text[index] }

        mutating func expect(_ character: Character) throws {
            guard current == character else { throw failure("expected '\(character)'") }
            index += 1
        }

        mutating func skipSpaces() {
            while current == " " { index += 1 }
        }

        mutating func parsePath() throws -> [Segment] {
            skipSpaces()
            try expect("$")
            var segments: [Segment] = []
            while !atEnd {
                switch current {
                case ".":
                    index += 1
                    if current == "*" {
                        index += 1
                        segments.append(.wildcard)
                    } else {
                        segments.append(.member(try name()))
                    }
                case "[":
                    index += 1
                    skipSpaces()
                    segments.append(try bracket())
                    skipSpaces()
                    try expect("]")
                case " ":
                    skipSpaces()
                    guard atEnd else { throw failure("unexpected space") }
                default:
                    throw failure("unexpected '\(current!)'")
                }
            }
            return segments
        }

        mutating func name() throws -> String {
            let start = index
            while let character = current, !".[ =!)".contains(character) { index += 1 }
            guard index > start else { throw failure("expected a member name") }
            return String(text[start..<index])
        }

        mutating func quoted() throws -> String {
            guard let quote = current, quote == "'" || quote == "\"" else { throw failure("expected a quote") }
            index += 1
            var value = ""
            while let character = current, character != quote {
                if character == "\\", index + 1 < text.count {
                    index += 1
                }
                value.append(text[index])
                index += 1
            }
            try expect(quote)
            return value
        }

        mutating func bracket() throws -> Segment {
            switch current {
            case "'", "\"": return .member(try quoted())
            case "*":
                index += 1
                return .wildcard
            case "?": return try filter()
            default:
                let start = index
                if current == "-" { index += 1 }
                while let character = current, character.isNumber { index += 1 }
                guard let number = Int(String(text[start..<index])) else { throw failure("expected an index") }
                return .index(number)
            }
        }

        mutating func filter() throws -> Segment {
            try expect("?")
            skipSpaces()
            try expect("(")
            skipSpaces()
            try expect("@")
            var fields: [String] = []
            while current == "." || current == "[" {
                if current == "." {
                    index += 1
                    fields.append(try name())
                } else {
                    index += 1
                    fields.append(try quoted())
                    try expect("]")
                }
            }
            guard !fields.isEmpty else { throw failure("expected @.member in a filter") }
            skipSpaces()
            let equals: Bool
            if text[index...].starts(with: ["=", "="]) {
                equals = true
            } else if text[index...].starts(with: ["!", "="]) {
                equals = false
            } else {
                throw failure("expected == or != in a filter")
            }
            index += 2
            skipSpaces()
            let value: JSONValue
            if current == "'" || current == "\"" {
                value = .string(try quoted())
            } else {
                let start = index
                while let character = current, character != ")", character != " " { index += 1 }
                let word = String(text[start..<index])
                switch word {
                case "true": value = .bool(true)
                case "false": value = .bool(false)
                case "null": value = .null
                default:
                    guard let number = Double(word) else { throw failure("expected a literal in a filter") }
                    value = .number(number)
                }
            }
            skipSpaces()
            try expect(")")
            return .filter(path: fields, equals: equals, value: value)
        }
    }
}

extension JSONValue {
    /// The value as text for a variable: strings as they are, other values as JSON.
    var capturedText: String {
        switch self {
        case .string(let string): return string
        default: return serialized()
        }
    }
}
