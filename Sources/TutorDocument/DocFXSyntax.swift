/// A DocFX `[!INCLUDE [title](path)]` found in a file.
struct IncludeDirective: Sendable, Equatable {
    /// The link text.
    var title: String
    /// The path as written.
    var path: String
    /// 1-based line of the `[`.
    var line: Int
    /// 1-based byte column of the `[`.
    var column: Int
    /// Whether the directive stands alone on its line (a block include) rather than inside a sentence.
    var isBlock: Bool
}

/// A directive that starts like `[!INCLUDE` but does not finish as one.
struct MalformedDirective: Sendable, Equatable {
    var line: Int
    var column: Int
}

/// Recognisers for the DocFX extensions of Microsoft Learn Markdown.
enum DocFXSyntax {
    /// The include directives on lines `lines` of `source`, skipping code spans.
    static func includes(
        inLines lines: ClosedRange<Int>, of source: SourceText
    ) -> (includes: [IncludeDirective], malformed: [MalformedDirective]) {
        var includes: [IncludeDirective] = []
        var malformed: [MalformedDirective] = []
        for number in lines {
            let line = source.line(number)
            guard line.contains(UInt8(ascii: "!")) else { continue }
            let bytes = Array(line)
            var index = 0
            var found: [(IncludeDirective, Range<Int>)] = []
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "`") {
                    index = endOfCodeSpan(in: bytes, from: index)
                    continue
                }
                if byte == UInt8(ascii: "["), startsInclude(bytes, at: index) {
                    if let (directive, end) = parseInclude(bytes, at: index, line: number) {
                        found.append((directive, index..<end))
                        index = end
                        continue
                    }
                    malformed.append(MalformedDirective(line: number, column: index + 1))
                }
                index += 1
            }
            for (directive, range) in found {
                var rest = bytes
                rest.replaceSubrange(range, with: [])
                var block = directive
                block.isBlock =
                    found.count == 1
                    && rest.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == UInt8(ascii: ">") || $0 == 0x0D }
                includes.append(block)
            }
        }
        return (includes, malformed)
    }

    private static func startsInclude(_ bytes: [UInt8], at index: Int) -> Bool {
        let keyword = Array("[!include".utf8)
        guard index + keyword.count <= bytes.count else { return false }
        for offset in 0..<keyword.count where bytes[index + offset] | 0x20 != keyword[offset] | 0x20 {
            return false
        }
        return true
    }

    private static func endOfCodeSpan(in bytes: [UInt8], from start: Int) -> Int {
        var runEnd = start
        while runEnd < bytes.count, bytes[runEnd] == UInt8(ascii: "`") { runEnd += 1 }
        let runLength = runEnd - start
        var index = runEnd
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "`") {
                var closeEnd = index
                while closeEnd < bytes.count, bytes[closeEnd] == UInt8(ascii: "`") { closeEnd += 1 }
                if closeEnd - index == runLength { return closeEnd }
                index = closeEnd
            } else {
                index += 1
            }
        }
        return runEnd
    }

    /// Parses `[!INCLUDE [title](path "optional title")]` starting at `start`.
    private static func parseInclude(_ bytes: [UInt8], at start: Int, line: Int) -> (IncludeDirective, Int)? {
        var index = start + 9
        func skipSpaces() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
        }
        skipSpaces()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "[") else { return nil }
        index += 1
        let titleStart = index
        var depth = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "[") { depth += 1 }
            if bytes[index] == UInt8(ascii: "]") {
                if depth == 0 { break }
                depth -= 1
            }
            index += 1
        }
        guard index < bytes.count else { return nil }
        let title = bytes[titleStart..<index][...].text
        index += 1
        guard index < bytes.count, bytes[index] == UInt8(ascii: "(") else { return nil }
        index += 1
        skipSpaces()
        var path: String
        if index < bytes.count, bytes[index] == UInt8(ascii: "<") {
            let pathStart = index + 1
            while index < bytes.count, bytes[index] != UInt8(ascii: ">") { index += 1 }
            guard index < bytes.count else { return nil }
            path = bytes[pathStart..<index][...].text
            index += 1
        } else {
            let pathStart = index
            while index < bytes.count, bytes[index] != UInt8(ascii: ")"), bytes[index] != 0x20, bytes[index] != 0x09 {
                index += 1
            }
            path = bytes[pathStart..<index][...].text
        }
        skipSpaces()
        if index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") {
            let quote = bytes[index]
            index += 1
            while index < bytes.count, bytes[index] != quote { index += 1 }
            guard index < bytes.count else { return nil }
            index += 1
            skipSpaces()
        }
        guard index < bytes.count, bytes[index] == UInt8(ascii: ")") else { return nil }
        index += 1
        skipSpaces()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "]") else { return nil }
        index += 1
        path = path.removingPercentEscapes
        return (IncludeDirective(title: title, path: path, line: line, column: start + 1, isBlock: false), index)
    }

    /// Whether a heading is a DocFX tab (`# [Title](#tab/id)`): such headings are not steps.
    static func isTabHeading(_ heading: MarkdownNode) -> Bool {
        let meaningful = heading.children.filter { child in
            !(child.kind == .text && child.literal.allSatisfy { $0 == " " || $0 == "\t" })
        }
        guard meaningful.count == 1, meaningful[0].kind == .link else { return false }
        return meaningful[0].url.hasPrefix("#tab/")
    }
}

extension String {
    /// The string with `%XX` escapes decoded (left as is when they do not form UTF-8).
    var removingPercentEscapes: String {
        guard contains("%") else { return self }
        var output: [UInt8] = []
        let bytes = Array(utf8)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
                let value = UInt8(String(decoding: bytes[(index + 1)...(index + 2)], as: UTF8.self), radix: 16)
            {
                output.append(value)
                index += 3
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(validating: output, as: UTF8.self) ?? self
    }
}
