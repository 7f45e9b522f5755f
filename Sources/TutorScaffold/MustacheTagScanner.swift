/// Walks a Mustache text's tags the way swift-mustache's parser does, before that parser sees it,
/// and refuses what would make the parser or renderer misbehave on an untrusted template:
///
/// - sections nested deeper than `maximumDepth` (the parser and the renderer recurse once per
///   open section, so thousands of levels overflow the stack and kill the process);
/// - transform calls nested deeper than `maximumDepth` (`{{a(b(c(…)))}}` recurses the same way);
/// - partials (`{{>…}}`), inheritance (`{{<…}}`, `{{$…}}`) and pragmas (`{{%…}}`): there is no
///   partial library, so the first three would silently render as nothing, and a pragma would
///   switch off the escaping that the manifest's `render` kind chose.
///
/// The walk mirrors the parser step for step (characters, delimiters scoped to the section that
/// sets them, the name characters, how a comment's end is found), so the depth it measures is the
/// depth the parser would reach. Where the parser would stop with a syntax error, the walk stops
/// too and leaves the error to the parser, which then has recursed no deeper than the walk has.
enum MustacheTagScanner {
    /// The deepest nesting of sections (and of transform calls) a template may use.
    static let maximumDepth = 100

    /// A reason to refuse a text, at a 1-based line and column (in characters).
    struct Refusal: Error, Equatable {
        var line: Int
        var column: Int
        var reason: String
    }

    /// Throws a `Refusal` at the first tag that goes too deep or is not supported.
    static func check(_ text: String) throws(Refusal) {
        var walk = Walk(Array(text))
        try walk.run()
    }

    private struct Delimiters {
        var start: [Character] = ["{", "{"]
        var end: [Character] = ["}", "}"]
    }

    /// One open section: the raw text of its name (which its closing tag must repeat) and the
    /// delimiters in force inside it (a set-delimiter tag lasts until its section closes).
    private struct Frame {
        var name: [Character]
        var delimiters: Delimiters
    }

    private struct Walk {
        let characters: [Character]
        var position = 0
        var root = Delimiters()
        var open: [Frame] = []

        init(_ characters: [Character]) { self.characters = characters }

        var delimiters: Delimiters {
            get { open.last?.delimiters ?? root }
            set {
                if open.isEmpty { root = newValue } else { open[open.count - 1].delimiters = newValue }
            }
        }

        mutating func run() throws(Refusal) {
            while let tagStart = nextTag() {
                guard position < characters.count else { return }
                let kind = characters[position]
                switch kind {
                case "#", "^":
                    position += 1
                    guard let name = try readName(tagStart: tagStart) else { return }
                    open.append(Frame(name: name, delimiters: delimiters))
                    if open.count > maximumDepth {
                        throw refusal(
                            at: tagStart,
                            "sections nest deeper than \(maximumDepth) levels; a template may nest at most \(maximumDepth)"
                        )
                    }
                case "/":
                    position += 1
                    guard let name = try readName(tagStart: tagStart), let innermost = open.last, innermost.name == name
                    else { return }
                    open.removeLast()
                case "!":
                    position += 1
                    guard skipComment() else { return }
                case "=":
                    position += 1
                    guard let changed = readDelimiters() else { return }
                    delimiters = changed
                case "{":
                    position += 1
                    guard try readName(tagStart: tagStart) != nil, position < characters.count,
                        characters[position] == "}"
                    else { return }
                    position += 1
                case "&":
                    position += 1
                    guard try readName(tagStart: tagStart) != nil else { return }
                case ">":
                    throw refusal(at: tagStart, "partials ({{>name}}) are not supported in templates")
                case "<", "$":
                    throw refusal(at: tagStart, "template inheritance ({{<name}}, {{$name}}) is not supported")
                case "%":
                    throw refusal(
                        at: tagStart, "pragmas ({{%…}}) are not allowed: the manifest's \"render\" picks the escaping")
                default:
                    guard try readName(tagStart: tagStart) != nil else { return }
                }
            }
        }

        /// Moves past the next start delimiter and returns where it began; nil at the end.
        mutating func nextTag() -> Int? {
            let start = delimiters.start
            guard let first = start.first else { return nil }
            while position < characters.count {
                if characters[position] == first, position + start.count <= characters.count,
                    String(characters[position..<position + start.count]) == String(start)
                {
                    let tagStart = position
                    position += start.count
                    return tagStart
                }
                position += 1
            }
            return nil
        }

        /// Reads whitespace, name characters, whitespace and the end delimiter, as the parser's
        /// `parseName` does; nil where the parser would throw. Refuses a name whose transform calls
        /// nest too deep, since `parseName` recurses once per `(`.
        mutating func readName(tagStart: Int) throws(Refusal) -> [Character]? {
            skip(while: \.isWhitespace)
            let begin = position
            while position < characters.count, Self.nameCharacters.contains(characters[position]) { position += 1 }
            let name = Array(characters[begin..<position])
            skip(while: \.isWhitespace)
            guard read(delimiters.end) else { return nil }
            if name.count(where: { $0 == "(" }) > maximumDepth {
                throw refusal(at: tagStart, "transform calls nest deeper than \(maximumDepth) levels")
            }
            return name
        }

        /// Skips to just after the end delimiter, with the parser's search (which, after a
        /// partial match, does not look again at the character that broke it).
        mutating func skipComment() -> Bool {
            let end = delimiters.end
            var matched = 0
            while position < characters.count {
                if characters[position] == end[matched] {
                    matched += 1
                    if matched == end.count {
                        position += 1
                        return true
                    }
                } else {
                    matched = 0
                }
                position += 1
            }
            return false
        }

        /// Reads `START END=` and the current end delimiter; nil where the parser would throw.
        mutating func readDelimiters() -> Delimiters? {
            skip(while: \.isWhitespace)
            guard let start = read(until: { $0.isWhitespace }) else { return nil }
            skip(while: \.isWhitespace)
            guard let end = read(until: { $0 == "=" || $0.isWhitespace }) else { return nil }
            skip(while: \.isWhitespace)
            guard read(["="]), read(delimiters.end), !start.isEmpty, !end.isEmpty else { return nil }
            return Delimiters(start: start, end: end)
        }

        mutating func skip(while test: (Character) -> Bool) {
            while position < characters.count, test(characters[position]) { position += 1 }
        }

        /// The characters before the first one passing `test`; nil if none does before the end.
        mutating func read(until test: (Character) -> Bool) -> [Character]? {
            let begin = position
            while position < characters.count {
                if test(characters[position]) { return Array(characters[begin..<position]) }
                position += 1
            }
            position = begin
            return nil
        }

        /// Moves past `expected` when the text continues with it.
        mutating func read(_ expected: [Character]) -> Bool {
            guard position + expected.count <= characters.count,
                String(characters[position..<position + expected.count]) == String(expected)
            else { return false }
            position += expected.count
            return true
        }

        func refusal(at index: Int, _ reason: String) -> Refusal {
            var line = 1
            var column = 1
            for character in characters[..<index] {
                if character.isNewline {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            }
            return Refusal(line: line, column: column, reason: reason)
        }

        /// swift-mustache's section-name characters (transform brackets included).
        static let nameCharacters = Set<Character>(
            "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_?()*")
    }
}
