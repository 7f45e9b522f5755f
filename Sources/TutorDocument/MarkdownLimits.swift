/// Cheap checks, before cmark-gfm sees a file, for the shapes that make it slow out of all
/// proportion to their size (measured on Debian's libcmark-gfm 0.29.0.gfm.6; numbers in
/// docs/documents.md). Real tutorials are nowhere near these bounds.
enum MarkdownLimits {
    /// Most block containers (`>` quotes and list markers) one line may open.
    static let maximumContainerDepth = 32
    /// Most cells one table may have (columns of its delimiter row × its rows): cmark-gfm pads every
    /// row to the header's width, so a wide header over many short rows costs their product.
    static let maximumTableCells = 50_000

    struct Problem: Equatable {
        var line: Int
        var column: Int
        var message: String
    }

    /// The first shape in `source` over a limit, or nil.
    static func problem(in source: SourceText) -> Problem? {
        var number = 1
        while number <= source.lineCount {
            let line = source.line(number)
            if let column = overDeepContainers(line) {
                return Problem(
                    line: number, column: column,
                    message:
                        "block quotes and lists nest deeper than \(maximumContainerDepth) levels on this line, more than tutor reads"
                )
            }
            if number > 1, let columns = delimiterRowColumns(line), !source.line(number - 1).isBlank {
                var rows = 2
                var next = number + 1
                while next <= source.lineCount, !source.line(next).isBlank {
                    rows += 1
                    next += 1
                }
                if columns * rows > maximumTableCells {
                    return Problem(
                        line: number - 1, column: 1,
                        message:
                            "table of \(columns) columns × \(rows) rows has more than \(maximumTableCells) cells, more than tutor reads"
                    )
                }
                number = next
                continue
            }
            number += 1
        }
        return nil
    }

    /// The column where the line opens one container too many, or nil. Counts `>` and list
    /// markers (`-`, `+`, `*`, `1.`, `1)` followed by a blank) at the start of the line.
    static func overDeepContainers(_ line: ArraySlice<UInt8>) -> Int? {
        var index = line.startIndex
        var depth = 0
        while index < line.endIndex {
            var spaces = 0
            while index < line.endIndex, line[index] == 0x20 || line[index] == 0x09, spaces < 8 {
                index += 1
                spaces += 1
            }
            guard index < line.endIndex else { return nil }
            let byte = line[index]
            var markerEnd = index
            if byte == UInt8(ascii: ">") {
                markerEnd = index + 1
            } else if byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "*") {
                markerEnd = index + 1
                guard markerEnd == line.endIndex || line[markerEnd] == 0x20 || line[markerEnd] == 0x09 else {
                    return nil
                }
            } else if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                var end = index
                while end < line.endIndex, end - index < 9, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(line[end])
                {
                    end += 1
                }
                guard end < line.endIndex, line[end] == UInt8(ascii: ".") || line[end] == UInt8(ascii: ")") else {
                    return nil
                }
                markerEnd = end + 1
                guard markerEnd == line.endIndex || line[markerEnd] == 0x20 || line[markerEnd] == 0x09 else {
                    return nil
                }
            } else {
                return nil
            }
            depth += 1
            if depth > maximumContainerDepth { return index - line.startIndex + 1 }
            index = markerEnd
        }
        return nil
    }

    /// The number of columns when the line is a GFM table delimiter row (`| --- | :-: |`), else nil.
    static func delimiterRowColumns(_ line: ArraySlice<UInt8>) -> Int? {
        let trimmed = line.trimmingBlanks
        guard trimmed.contains(UInt8(ascii: "-")),
            trimmed.allSatisfy({
                $0 == UInt8(ascii: "|") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ":") || $0 == 0x20
                    || $0 == 0x09
            })
        else { return nil }
        var cells = trimmed.split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: false)
        if trimmed.first == UInt8(ascii: "|") { cells.removeFirst() }
        if trimmed.last == UInt8(ascii: "|"), !cells.isEmpty { cells.removeLast() }
        guard cells.count >= 1, cells.allSatisfy({ $0.contains(UInt8(ascii: "-")) }) else { return nil }
        // A lone `---` is a thematic break or a setext underline, not a table.
        guard trimmed.contains(UInt8(ascii: "|")) else { return nil }
        return cells.count
    }
}
