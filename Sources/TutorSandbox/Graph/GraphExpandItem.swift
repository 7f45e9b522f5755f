import Foundation

/// One item of `$expand`: a navigation property and the query options written in parentheses
/// after it (`owners($select=id,displayName)`).
struct GraphExpandItem: Sendable, Equatable {
    /// One nested option: its lower-cased name with `$` (`$select`) and its value as written.
    struct Option: Sendable, Equatable {
        var name: String
        var value: String
    }

    var name: String
    var options: [Option] = []

    /// The items of an `$expand` value: split at the commas outside parentheses, each item's
    /// options at the semicolons inside its parentheses. Unbalanced parentheses, an empty item
    /// or an option without `=` are OData's syntax error, at the position where it was found.
    static func parseList(_ text: String) throws(GraphFailure) -> [GraphExpandItem] {
        var items: [GraphExpandItem] = []
        for (piece, start) in try split(text, at: ",", offset: 0, whole: text) {
            items.append(try parseItem(piece, offset: start, whole: text))
        }
        return items
    }

    private static func parseItem(_ text: Substring, offset: Int, whole: String) throws(GraphFailure) -> GraphExpandItem
    {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let open = trimmed.firstIndex(of: "(") else {
            guard !trimmed.isEmpty, !trimmed.contains(")") else { throw syntaxError(at: offset, in: whole) }
            return GraphExpandItem(name: trimmed)
        }
        let name = trimmed[..<open].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, trimmed.hasSuffix(")") else { throw syntaxError(at: offset, in: whole) }
        let inner = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]
        var options: [Option] = []
        for (piece, start) in try split(inner, at: ";", offset: offset, whole: whole) {
            let parts = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let optionName = parts[0].trimmingCharacters(in: .whitespaces).lowercased()
            guard parts.count == 2, !optionName.isEmpty else { throw syntaxError(at: start, in: whole) }
            options.append(
                Option(
                    name: optionName.hasPrefix("$") ? optionName : "$" + optionName,
                    value: parts[1].trimmingCharacters(in: .whitespaces)))
        }
        return GraphExpandItem(name: name, options: options)
    }

    /// `text` cut at `separator` where no parenthesis is open, with each piece's position in
    /// `whole`; a parenthesis closed before it opens, or left open, is a syntax error.
    private static func split(_ text: some StringProtocol, at separator: Character, offset: Int, whole: String)
        throws(GraphFailure) -> [(Substring, Int)]
    {
        let text = Substring(text)
        var pieces: [(Substring, Int)] = []
        var depth = 0
        var start = text.startIndex
        var position = offset
        var pieceOffset = offset
        for index in text.indices {
            switch text[index] {
            case "(": depth += 1
            case ")":
                depth -= 1
                if depth < 0 { throw syntaxError(at: position, in: whole) }
            case separator where depth == 0:
                pieces.append((text[start..<index], pieceOffset))
                start = text.index(after: index)
                pieceOffset = position + 1
            default: break
            }
            position += 1
        }
        guard depth == 0 else { throw syntaxError(at: position, in: whole) }
        pieces.append((text[start...], pieceOffset))
        return pieces
    }

    /// OData's lexer error ("Syntax error at position n in '…'"), inside Graph's `$expand` wrapper.
    static func syntaxError(at position: Int, in text: String) -> GraphFailure {
        GraphFailure(
            400, "BadRequest",
            "Parsing OData Select and Expand failed: Syntax error at position \(position) in '\(text)'.")
    }
}
