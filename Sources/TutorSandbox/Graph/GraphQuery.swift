import Foundation
import TutorSupport

/// The OData query options of a list or get request: `$filter`, `$select`, `$top`, `$skiptoken`,
/// `$count`, `$orderby`.
struct GraphQuery: Sendable {
    var filter: FilterExpression?
    var select: [String]?
    var top: Int?
    var offset = 0
    var count = false
    var orderBy: (property: String, descending: Bool)?
    var search: SearchExpression?
    /// `$expand`: navigation properties, as given, each with its nested options.
    var expand: [GraphExpandItem]?
    /// Whether the request asked for an advanced query (`ConsistencyLevel: eventual`).
    var consistencyLevelEventual = false
    /// The other options, kept for `@odata.nextLink`.
    var passThrough: [(String, String)] = []

    static let maximumTop = 999

    /// Parses the query string; unknown `$` options and malformed values are Graph's 400s.
    init(query: String, consistencyLevelEventual: Bool) throws(GraphFailure) {
        self.consistencyLevelEventual = consistencyLevelEventual
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(String(parts[0]))
            let value = parts.count > 1 ? Self.decode(String(parts[1])) : ""
            let option = name.hasPrefix("$") ? name.lowercased() : "$" + name.lowercased()
            switch option {
            case "$filter":
                var parser = try FilterParser(text: value)
                filter = try parser.parse()
                passThrough.append(("$filter", value))
            case "$select":
                select = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                passThrough.append(("$select", value))
            case "$expand":
                expand = try GraphExpandItem.parseList(value)
                passThrough.append(("$expand", value))
            case "$top":
                guard let number = Int(value), (1...Self.maximumTop).contains(number) else {
                    throw GraphFailure.badRequest(
                        "Invalid page size specified: '\(value)'. Must be between 1 and \(Self.maximumTop) inclusive.")
                }
                top = number
                passThrough.append(("$top", value))
            case "$skiptoken":
                guard let decoded = Data(base64Encoded: Self.padded(value)),
                    let text = String(data: decoded, encoding: .utf8),
                    text.hasPrefix("offset:"), let number = Int(text.dropFirst(7)), number >= 0
                else { throw GraphFailure.badRequest("The specified page token value has expired or is not valid.") }
                offset = number
            case "$count":
                guard value.lowercased() == "true" || value.lowercased() == "false" else {
                    throw GraphFailure(400, "BadRequest", "Invalid value '\(value)' for $count.")
                }
                count = value.lowercased() == "true"
                if count, !consistencyLevelEventual {
                    throw GraphFailure.badRequest(
                        "$count is not currently supported without the header ConsistencyLevel: eventual.")
                }
                passThrough.append(("$count", value))
            case "$search":
                guard consistencyLevelEventual else {
                    throw GraphFailure.badRequest(
                        "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'"
                    )
                }
                search = try SearchExpression(text: value)
                passThrough.append(("$search", value))
            case "$orderby":
                let words = value.split(separator: " ").map(String.init)
                guard let property = words.first, words.count <= 2,
                    words.count == 1 || ["asc", "desc"].contains(words[1].lowercased())
                else { throw GraphFailure(400, "BadRequest", "Invalid $orderby clause '\(value)'.") }
                orderBy = (property, words.count == 2 && words[1].lowercased() == "desc")
                passThrough.append(("$orderby", value))
            default:
                if name.hasPrefix("$") {
                    throw GraphFailure(400, "BadRequest", "Query option '\(name)' is not allowed here.")
                }
                // Graph ignores query parameters that are not OData options.
                passThrough.append((name, value))
            }
        }
    }

    static func skipToken(offset: Int) -> String {
        Data("offset:\(offset)".utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    private static func padded(_ text: String) -> String {
        text + String(repeating: "=", count: (4 - text.count % 4) % 4)
    }

    static func decode(_ text: String) -> String {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? text
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~$,'():/")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// The query string for the next page.
    func nextQuery(offset: Int) -> String {
        (passThrough.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" } + [
            "$skiptoken=\(Self.skipToken(offset: offset))"
        ])
        .joined(separator: "&")
    }
}

/// A parsed `$filter` expression.
indirect enum FilterExpression: Sendable {
    case compare(path: String, op: String, value: JSONValue)
    case startsWith(path: String, prefix: String)
    case any(collection: String, variable: String, inner: FilterExpression)
    case and(FilterExpression, FilterExpression)
    case or(FilterExpression, FilterExpression)
    case not(FilterExpression)

    /// The property paths the expression reads (for checking they are filterable).
    var paths: [String] {
        switch self {
        case .compare(let path, _, _), .startsWith(let path, _): return [path]
        case .any(let collection, _, _): return [collection]
        case .and(let left, let right), .or(let left, let right): return left.paths + right.paths
        case .not(let inner): return inner.paths
        }
    }

    /// Whether `object` satisfies the expression; strings compare case-insensitively, as directory queries do.
    func matches(_ object: JSONValue) -> Bool {
        switch self {
        case .compare(let path, let op, let value):
            let actual = FilterExpression.resolve(path, in: object)
            let equal = FilterExpression.equal(actual, value)
            return op == "eq" ? equal : !equal
        case .startsWith(let path, let prefix):
            guard let text = FilterExpression.resolve(path, in: object)?.stringValue else { return false }
            return text.lowercased().hasPrefix(prefix.lowercased())
        case .any(let collection, let variable, let inner):
            let elements = FilterExpression.resolve(collection, in: object)?.arrayElements ?? []
            return elements.contains { element in
                inner.matches(.object([.init(variable, element)]))
            }
        case .and(let left, let right): return left.matches(object) && right.matches(object)
        case .or(let left, let right): return left.matches(object) || right.matches(object)
        case .not(let inner): return !inner.matches(object)
        }
    }

    static func resolve(_ path: String, in object: JSONValue) -> JSONValue? {
        var current: JSONValue? = object
        for segment in path.split(separator: "/") where !segment.lowercased().hasPrefix("microsoft.graph.") {
            guard let members = current?.objectMembers else { return nil }
            current = members.first { $0.key.equalsIgnoringCase(segment) }?.value
        }
        return current
    }

    static func equal(_ actual: JSONValue?, _ expected: JSONValue) -> Bool {
        switch (actual ?? .null, expected) {
        case (.string(let left), .string(let right)): return left.equalsIgnoringCase(right)
        case (let left, let right): return left == right
        }
    }
}

/// A recursive-descent parser for the `$filter` subset Graph's directory supports.
struct FilterParser {
    enum Token: Equatable {
        case word(String)
        case literal(JSONValue)
        case open, close, comma, colon
    }

    var tokens: [Token] = []
    var position = 0
    let text: String

    init(text: String) throws(GraphFailure) {
        self.text = text
        tokens = try Self.tokenize(text)
    }

    func invalid() -> GraphFailure {
        GraphFailure(400, "BadRequest", "Invalid filter clause: \(text)")
    }

    mutating func parse() throws(GraphFailure) -> FilterExpression {
        let expression = try parseOr()
        guard position == tokens.count else { throw invalid() }
        return expression
    }

    mutating func parseOr() throws(GraphFailure) -> FilterExpression {
        var left = try parseAnd()
        while peekWord("or") {
            position += 1
            left = .or(left, try parseAnd())
        }
        return left
    }

    mutating func parseAnd() throws(GraphFailure) -> FilterExpression {
        var left = try parseUnary()
        while peekWord("and") {
            position += 1
            left = .and(left, try parseUnary())
        }
        return left
    }

    mutating func parseUnary() throws(GraphFailure) -> FilterExpression {
        if peekWord("not") {
            position += 1
            return .not(try parseUnary())
        }
        guard position < tokens.count else { throw invalid() }
        switch tokens[position] {
        case .open:
            position += 1
            let inner = try parseOr()
            try expect(.close)
            return inner
        case .word(let word):
            position += 1
            if word.lowercased() == "startswith" {
                try expect(.open)
                let path = try parseWord()
                try expect(.comma)
                guard case .string(let prefix) = try parseLiteral() else { throw invalid() }
                try expect(.close)
                return .startsWith(path: path, prefix: prefix)
            }
            if word.lowercased().hasSuffix("/any") {
                let collection = String(word.dropLast(4))
                try expect(.open)
                let variable = try parseWord()
                try expect(.colon)
                let inner = try parseOr()
                try expect(.close)
                return .any(collection: collection, variable: variable, inner: inner)
            }
            let op = try parseWord().lowercased()
            guard ["eq", "ne"].contains(op) else {
                throw GraphFailure(400, "Request_UnsupportedQuery", "Unsupported Query: operator '\(op)'.")
            }
            return .compare(path: word, op: op, value: try parseLiteral())
        default:
            throw invalid()
        }
    }

    func peekWord(_ word: String) -> Bool {
        guard position < tokens.count, case .word(let found) = tokens[position] else { return false }
        return found.lowercased() == word
    }

    mutating func expect(_ token: Token) throws(GraphFailure) {
        guard position < tokens.count, tokens[position] == token else { throw invalid() }
        position += 1
    }

    mutating func parseWord() throws(GraphFailure) -> String {
        guard position < tokens.count, case .word(let word) = tokens[position] else { throw invalid() }
        position += 1
        return word
    }

    mutating func parseLiteral() throws(GraphFailure) -> JSONValue {
        guard position < tokens.count else { throw invalid() }
        let token = tokens[position]
        position += 1
        switch token {
        case .literal(let value): return value
        case .word(let word):
            switch word.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null": return .null
            default:
                if let number = Double(word) { return .number(number) }
                if isGUID(word) { return .string(word) }
                throw invalid()
            }
        default: throw invalid()
        }
    }

    static func tokenize(_ text: String) throws(GraphFailure) -> [Token] {
        var tokens: [Token] = []
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            switch character {
            case " ", "\t": index += 1
            case "(": tokens.append(.open); index += 1
            case ")": tokens.append(.close); index += 1
            case ",": tokens.append(.comma); index += 1
            case ":": tokens.append(.colon); index += 1
            case "'":
                var value = ""
                index += 1
                var closed = false
                while index < characters.count {
                    if characters[index] == "'" {
                        if index + 1 < characters.count, characters[index + 1] == "'" {
                            value.append("'")
                            index += 2
                            continue
                        }
                        closed = true
                        index += 1
                        break
                    }
                    value.append(characters[index])
                    index += 1
                }
                guard closed else {
                    throw GraphFailure(400, "BadRequest", "Invalid filter clause: unterminated string in \(text)")
                }
                tokens.append(.literal(.string(value)))
            default:
                var word = ""
                while index < characters.count, !" \t(),:'".contains(characters[index]) {
                    word.append(characters[index])
                    index += 1
                }
                tokens.append(.word(word))
            }
        }
        return tokens
    }
}

/// A parsed `$search`: quoted `"property:term"` clauses joined by `AND` / `OR` (AND binds
/// tighter). A clause matches when a word of the property starts with the term, ignoring case:
/// Graph tokenizes `displayName` and `description` for search.
struct SearchExpression: Sendable {
    struct Term: Sendable {
        var property: String
        var text: String
    }

    /// Alternatives (OR) of conjunctions (AND) of terms.
    var alternatives: [[Term]]

    var terms: [Term] { alternatives.flatMap { $0 } }

    init(text: String) throws(GraphFailure) {
        let invalid = GraphFailure(400, "Request_UnsupportedQuery", "Syntax error: invalid $search clause \(text).")
        var alternatives: [[Term]] = [[]]
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        var expectTerm = true
        while !rest.isEmpty {
            if expectTerm {
                guard rest.first == "\"", let close = rest.dropFirst().firstIndex(of: "\"") else { throw invalid }
                let clause = rest[rest.index(after: rest.startIndex)..<close]
                guard let colon = clause.firstIndex(of: ":") else { throw invalid }
                let property = String(clause[..<colon]).trimmingCharacters(in: .whitespaces)
                let term = String(clause[clause.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
                guard !property.isEmpty, !term.isEmpty else { throw invalid }
                alternatives[alternatives.count - 1].append(Term(property: property, text: term))
                rest = rest[rest.index(after: close)...].drop { $0 == " " }
                expectTerm = false
                continue
            }
            let word = rest.prefix { $0 != " " }
            switch word {
            case "AND": break
            case "OR": alternatives.append([])
            default: throw invalid
            }
            rest = rest.dropFirst(word.count).drop { $0 == " " }
            expectTerm = true
        }
        guard !expectTerm else { throw invalid }
        self.alternatives = alternatives
    }

    func matches(_ object: JSONValue) -> Bool {
        alternatives.contains { conjunction in
            conjunction.allSatisfy { term in
                guard let value = FilterExpression.resolve(term.property, in: object)?.stringValue else { return false }
                return Self.wordStarts(in: value, with: term.text)
            }
        }
    }

    /// Whether `text` has `prefix` at its start or after a character that is not a letter or digit.
    static func wordStarts(in text: String, with prefix: String) -> Bool {
        let haystack = Array(text.lowercased())
        let needle = Array(prefix.lowercased())
        guard needle.count <= haystack.count else { return false }
        for start in 0...(haystack.count - needle.count)
        where start == 0 || !(haystack[start - 1].isLetter || haystack[start - 1].isNumber) {
            if Array(haystack[start..<start + needle.count]) == needle { return true }
        }
        return false
    }
}
