/// Why a `pattern` or capture `match` is refused: the offending place (in Unicode scalars from
/// the start of the pattern) and what to write instead.
public struct PatternError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 0-based offset, in Unicode scalars, of the problem in the pattern.
    public var offset: Int
    /// What is wrong.
    public var reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    /// `reason (at character N)`, N 1-based.
    public var description: String { "\(reason) (at character \(offset + 1))" }
}

/// A set of Unicode scalars: inclusive ranges, possibly negated.
struct ScalarSet: Sendable, Hashable {
    var ranges: [ClosedRange<UInt32>] = []
    var isNegated = false

    func contains(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        var found = false
        for range in ranges where range.contains(value) {
            found = true
            break
        }
        return found != isNegated
    }

    static func single(_ scalar: Unicode.Scalar) -> ScalarSet { ScalarSet(ranges: [scalar.value...scalar.value]) }

    /// `.`: anything but a line terminator (as ICU and Swift Regex read it without flags).
    static let anyButNewline = ScalarSet(
        ranges: [0x0A...0x0D, 0x85...0x85, 0x2028...0x2029], isNegated: true)
    static let digits: [ClosedRange<UInt32>] = [0x30...0x39]
    static let word: [ClosedRange<UInt32>] = [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A]
    static let space: [ClosedRange<UInt32>] = [0x09...0x0D, 0x20...0x20]

    /// The complement of sorted, possibly overlapping ranges over all scalar values.
    static func complement(_ ranges: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
        var result: [ClosedRange<UInt32>] = []
        var next: UInt32 = 0
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if range.lowerBound > next { result.append(next...(range.lowerBound - 1)) }
            next = max(next, range.upperBound &+ 1)
        }
        if next <= 0x10FFFF { result.append(next...0x10FFFF) }
        return result
    }
}

/// The parsed form of a pattern.
indirect enum PatternNode: Sendable {
    case empty
    case set(ScalarSet)
    case sequence([PatternNode])
    case alternation([PatternNode])
    /// A group; `index` is its capture number (1-based), nil for `(?:…)`.
    case group(PatternNode, index: Int?)
    case repetition(PatternNode, minimum: Int, maximum: Int?, isGreedy: Bool)
    case textStart
    case textEnd
}

/// Reads the pattern subset tutor supports: literals, `.`, classes `[…]` with ranges and `\d \w
/// \s` (and negations), groups `(…)` and `(?:…)`, `|`, `? * + {m} {m,} {m,n}` (lazy with a
/// trailing `?`), and the anchors `^` and `$`. Everything else is refused rather than guessed at.
struct PatternParser {
    /// Longest pattern accepted, in Unicode scalars.
    static let maximumLength = 1000
    /// Largest repetition bound (`{m,n}`) accepted.
    static let maximumRepetition = 1000
    /// Deepest group nesting accepted.
    static let maximumNesting = 32

    private let scalars: [Unicode.Scalar]
    private var position = 0
    private var depth = 0
    private(set) var groupCount = 0

    init(_ source: String) {
        scalars = Array(source.unicodeScalars)
    }

    /// The pattern's tree, or why it is refused.
    static func parse(_ source: String) throws(PatternError) -> (node: PatternNode, groupCount: Int) {
        var parser = PatternParser(source)
        guard parser.scalars.count <= maximumLength else {
            throw PatternError(offset: maximumLength, reason: "pattern is longer than \(maximumLength) characters")
        }
        let node = try parser.alternation()
        if parser.position < parser.scalars.count {
            throw parser.error("')' closes no group; write \\) for a literal parenthesis")
        }
        return (node, parser.groupCount)
    }

    private func error(_ reason: String, at offset: Int? = nil) -> PatternError {
        PatternError(offset: offset ?? position, reason: reason)
    }

    private var current: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

    private func peek(_ ahead: Int) -> Unicode.Scalar? {
        position + ahead < scalars.count ? scalars[position + ahead] : nil
    }

    private mutating func alternation() throws(PatternError) -> PatternNode {
        var branches = [try sequence()]
        while current == "|" {
            position += 1
            branches.append(try sequence())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func sequence() throws(PatternError) -> PatternNode {
        var items: [PatternNode] = []
        while let scalar = current, scalar != "|", scalar != ")" {
            let start = position
            var atom = try self.atom()
            while let quantifier = current, "*+?{".unicodeScalars.contains(quantifier) {
                if case .repetition = atom {
                    throw error("a repetition cannot be repeated again (possessive or nested quantifier); use a group")
                }
                if case .textStart = atom { throw error("'^' cannot be repeated") }
                if case .textEnd = atom { throw error("'$' cannot be repeated") }
                atom = try repetition(of: atom, atomStart: start)
            }
            items.append(atom)
        }
        if items.isEmpty { return .empty }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    private mutating func repetition(of atom: PatternNode, atomStart: Int) throws(PatternError) -> PatternNode {
        guard let scalar = current else { return atom }
        let minimum: Int
        let maximum: Int?
        switch scalar {
        case "*": (minimum, maximum) = (0, nil); position += 1
        case "+": (minimum, maximum) = (1, nil); position += 1
        case "?": (minimum, maximum) = (0, 1); position += 1
        default: (minimum, maximum) = try bounds()
        }
        var isGreedy = true
        if current == "?" {
            isGreedy = false
            position += 1
        } else if current == "+" {
            throw error("possessive quantifiers ('*+', '++', '?+', '}+') are not supported")
        }
        return .repetition(atom, minimum: minimum, maximum: maximum, isGreedy: isGreedy)
    }

    /// `{m}`, `{m,}` or `{m,n}`.
    private mutating func bounds() throws(PatternError) -> (Int, Int?) {
        let open = position
        position += 1
        func number(_ parser: inout PatternParser) -> Int? {
            var value: Int?
            while let digit = parser.current, ("0"..."9").contains(digit) {
                value = min((value ?? 0) * 10 + Int(digit.value - 48), Int(Int32.max))
                parser.position += 1
            }
            return value
        }
        let malformed = "'{' must start a repetition such as {2}, {2,} or {0,5}; write \\{ for a literal brace"
        guard let minimum = number(&self) else { throw error(malformed, at: open) }
        var maximum: Int? = minimum
        if current == "," {
            position += 1
            maximum = number(&self)
        }
        guard current == "}" else { throw error(malformed, at: open) }
        position += 1
        if let maximum, maximum < minimum {
            throw error("repetition {\(minimum),\(maximum)} has its bounds reversed", at: open)
        }
        if max(minimum, maximum ?? 0) > Self.maximumRepetition {
            throw error("repetition bounds above \(Self.maximumRepetition) are not supported", at: open)
        }
        return (minimum, maximum)
    }

    private mutating func atom() throws(PatternError) -> PatternNode {
        guard let scalar = current else { return .empty }
        switch scalar {
        case "(": return try group()
        case "[": return .set(try characterClass())
        case ".":
            position += 1
            return .set(.anyButNewline)
        case "^":
            position += 1
            return .textStart
        case "$":
            position += 1
            return .textEnd
        case "\\": return .set(try escape(inClass: false))
        case "*", "+", "?": throw error("'\(scalar)' has nothing to repeat")
        case "{": throw error("'{' has nothing to repeat; write \\{ for a literal brace")
        default:
            position += 1
            return .set(.single(scalar))
        }
    }

    private mutating func group() throws(PatternError) -> PatternNode {
        let open = position
        position += 1
        var index: Int?
        if current == "?" {
            guard peek(1) == ":" else {
                let what: String
                switch peek(1) {
                case "=", "!": what = "lookahead"
                case "<" where peek(2) == "=" || peek(2) == "!": what = "lookbehind"
                case "<", "P", "'": what = "named groups"
                case ">": what = "atomic groups"
                default: what = "inline options and other (?…) groups"
                }
                throw error("\(what) are not supported; only (…) and (?:…) groups are", at: open)
            }
            position += 2
        } else {
            groupCount += 1
            index = groupCount
        }
        depth += 1
        guard depth <= Self.maximumNesting else {
            throw error("groups nest deeper than \(Self.maximumNesting) levels", at: open)
        }
        let inner = try alternation()
        depth -= 1
        guard current == ")" else { throw error("'(' is never closed", at: open) }
        position += 1
        return .group(inner, index: index)
    }

    /// `\d \D \w \W \s \S`, `\t \n \r \f \v`, and an escaped ASCII punctuation character.
    private mutating func escape(inClass: Bool) throws(PatternError) -> ScalarSet {
        let start = position
        position += 1
        guard let scalar = current else { throw error("the pattern ends with a lone '\\'", at: start) }
        position += 1
        switch scalar {
        case "d": return ScalarSet(ranges: ScalarSet.digits)
        case "D": return ScalarSet(ranges: ScalarSet.digits, isNegated: true)
        case "w": return ScalarSet(ranges: ScalarSet.word)
        case "W": return ScalarSet(ranges: ScalarSet.word, isNegated: true)
        case "s": return ScalarSet(ranges: ScalarSet.space)
        case "S": return ScalarSet(ranges: ScalarSet.space, isNegated: true)
        case "t": return .single("\t")
        case "n": return .single("\n")
        case "r": return .single("\r")
        case "f": return .single("\u{0C}")
        case "v": return .single("\u{0B}")
        case "1"..."9": throw error("backreferences (\\\(scalar)) are not supported", at: start)
        case "b", "B", "A", "z", "Z", "G":
            throw error("the anchor \\\(scalar) is not supported; use ^ and $", at: start)
        case "p", "P": throw error("Unicode properties (\\\(scalar){…}) are not supported", at: start)
        default:
            guard scalar.isASCII, !scalar.properties.isAlphabetic, !("0"..."9").contains(scalar) else {
                throw error("unknown escape \\\(scalar)", at: start)
            }
            return .single(scalar)
        }
    }

    /// `[…]` or `[^…]`: single characters, ranges `a-z`, and `\d \w \s` (negations too).
    private mutating func characterClass() throws(PatternError) -> ScalarSet {
        let open = position
        position += 1
        var result = ScalarSet()
        if current == "^" {
            result.isNegated = true
            position += 1
        }
        var isEmpty = true
        while let scalar = current, scalar != "]" {
            isEmpty = false
            if scalar == "[" { throw error("'[' inside a class is not supported; write \\[") }
            if (scalar == "&" && peek(1) == "&") || (scalar == "-" && peek(1) == "-")
                || (scalar == "~" && peek(1) == "~")
            {
                throw error("set operations ('&&', '--', '~~') in a class are not supported")
            }
            let lower: Unicode.Scalar
            if scalar == "\\" {
                let escaped = try escape(inClass: true)
                guard !escaped.isNegated, escaped.ranges.count == 1, let only = escaped.ranges.first,
                    only.lowerBound == only.upperBound, let single = Unicode.Scalar(only.lowerBound)
                else {
                    result.ranges += escaped.isNegated ? ScalarSet.complement(escaped.ranges) : escaped.ranges
                    continue
                }
                lower = single
            } else {
                lower = scalar
                position += 1
            }
            guard current == "-", let upperScalar = peek(1), upperScalar != "]" else {
                result.ranges.append(lower.value...lower.value)
                continue
            }
            position += 1
            let upper: Unicode.Scalar
            if upperScalar == "\\" {
                let escaped = try escape(inClass: true)
                guard !escaped.isNegated, escaped.ranges.count == 1, let only = escaped.ranges.first,
                    only.lowerBound == only.upperBound, let single = Unicode.Scalar(only.lowerBound)
                else { throw error("a range in a class must end with a single character") }
                upper = single
            } else {
                upper = upperScalar
                position += 1
            }
            guard lower.value <= upper.value else { throw error("the class range \(lower)-\(upper) is reversed") }
            result.ranges.append(lower.value...upper.value)
        }
        guard current == "]" else { throw error("'[' is never closed with ']'", at: open) }
        if isEmpty { throw error("an empty class [] matches nothing; write \\] for a literal bracket", at: open) }
        position += 1
        return result
    }
}
