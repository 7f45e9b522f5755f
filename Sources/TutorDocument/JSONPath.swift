import TutorSupport

/// The JSONPath subset captures use, parsed once when the tutorial is read and evaluated by the
/// runner: `$`, `.name`, `.*`, `['name']`, `[n]` (negative counts from the end), `[*]` and filters
/// `[?(@.a.b=='v')]` with `==` or `!=` and a quoted text, a number, `true`, `false` or `null`.
/// A quoted filter text may hold `{{variables}}`, filled in when the path is evaluated.
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
        case filter(path: [String], equals: Bool, value: FilterOperand)
    }

    /// The right-hand side of a filter.
    enum FilterOperand: Sendable, Hashable {
        case literal(JSONValue)
        /// Quoted text holding `{{variables}}`.
        case template(String)
    }

    /// The text of the path.
    public let description: String
    let segments: [Segment]

    /// Parses a path such as `$.value[0].id`.
    public init(_ text: String) throws(SyntaxError) {
        description = text
        var scanner = Scanner(text: Array(text), path: text)
        segments = try scanner.parsePath()
    }

    /// The variables the path's filters use, in order of first use.
    public var variables: [String] {
        var names: [String] = []
        for case .filter(_, _, .template(let text)) in segments {
            names += Template.variables(in: text).filter { !names.contains($0) }
        }
        return names
    }

    /// Every value the path selects, in document order; filter texts are filled in from `variables`.
    public func select(in root: JSONValue, variables: [String: String] = [:]) throws(Template.UnknownVariable)
        -> [JSONValue]
    {
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
                case .filter(let path, let equals, let operand):
                    let expected: JSONValue
                    switch operand {
                    case .literal(let value): expected = value
                    case .template(let text):
                        expected = .string(try Template.expand(text, with: variables, context: .plain))
                    }
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
    public func first(in root: JSONValue, variables: [String: String] = [:]) throws(Template.UnknownVariable)
        -> JSONValue?
    {
        try select(in: root, variables: variables).first
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
            SyntaxError(path: path, reason: "\(reason) at character \(index + 1)")
        }

        var atEnd: Bool { index >= text.count }
        var current: Character? { atEnd ? nil : text[index] }

        mutating func expect(_ character: Character) throws(SyntaxError) {
            guard current == character else { throw failure("expected '\(character)'") }
            index += 1
        }

        mutating func skipSpaces() {
            while current == " " { index += 1 }
        }

        mutating func parsePath() throws(SyntaxError) -> [Segment] {
            skipSpaces()
            guard current == "$" else { throw failure("a JSONPath starts with '$'") }
            index += 1
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
                    throw failure("unexpected '\(current.map(String.init) ?? "")'")
                }
            }
            return segments
        }

        mutating func name() throws(SyntaxError) -> String {
            let start = index
            while let character = current, !".[ =!)".contains(character) { index += 1 }
            guard index > start else { throw failure("expected a member name") }
            return String(text[start..<index])
        }

        mutating func quoted() throws(SyntaxError) -> String {
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

        mutating func bracket() throws(SyntaxError) -> Segment {
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

        mutating func filter() throws(SyntaxError) -> Segment {
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
            let value: FilterOperand
            if current == "'" || current == "\"" {
                let text = try quoted()
                value = Template.variables(in: text).isEmpty ? .literal(.string(text)) : .template(text)
            } else {
                let start = index
                while let character = current, character != ")", character != " " { index += 1 }
                let word = String(text[start..<index])
                switch word {
                case "true": value = .literal(.bool(true))
                case "false": value = .literal(.bool(false))
                case "null": value = .literal(.null)
                default:
                    guard let number = Double(word) else {
                        throw failure("expected 'text', a number, true, false or null in a filter")
                    }
                    value = .literal(.number(number))
                }
            }
            skipSpaces()
            try expect(")")
            return .filter(path: fields, equals: equals, value: value)
        }
    }
}
