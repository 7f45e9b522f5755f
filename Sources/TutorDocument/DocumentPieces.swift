import TutorSupport

/// A JSON annotation comment (`<!-- {"blockType": …} -->`) found in a file.
struct Annotation: Sendable {
    /// The parsed JSON object.
    var value: JSONValue
    /// Its `blockType`.
    var blockType: String
    /// Where the `<!--` is.
    var location: SourceLocation
}

/// One line of a code block's content with the place of its first byte.
struct CodeLine: Sendable {
    var text: String
    var location: SourceLocation

    /// The location `offset` bytes into the line.
    func location(atOffset offset: Int) -> SourceLocation {
        var result = location
        result.column += offset
        return result
    }
}

/// A fenced or indented code block.
struct CodeBlock: Sendable {
    /// The first word of the info string, lowercased (`http`, `json`).
    var language: String
    /// Content lines.
    var lines: [CodeLine]
    /// Where the opening fence is.
    var location: SourceLocation

    /// The content as one text, lines joined with `\n`.
    var text: String { lines.map(\.text).joined(separator: "\n") }

    /// The place of byte `offset` of `text`.
    func location(ofOffset offset: Int) -> SourceLocation {
        var remaining = offset
        for line in lines {
            let length = line.text.utf8.count
            if remaining <= length { return line.location(atOffset: remaining) }
            remaining -= length + 1
        }
        return lines.last.map { $0.location(atOffset: $0.text.utf8.count) } ?? location
    }
}

/// A use of a `{{variable}}` and where it is.
struct VariableUse: Sendable {
    var name: String
    var location: SourceLocation
}

/// What the document walk produces, in document order, with includes expanded.
enum DocumentItem: Sendable {
    /// A heading; `isStep` when it is an H2 that starts a step.
    case heading(level: Int, title: String, location: SourceLocation, isStep: Bool, isTopLevelFile: Bool)
    /// An annotation and the code block right after it, if there is one.
    case annotated(Annotation, CodeBlock?)
    /// `inputs` or `outputs` from a file's front matter.
    case frontMatterDeclarations(key: String, value: JSONValue, location: SourceLocation)
}

/// Collects diagnostics while a tutorial is read.
struct DiagnosticLog: Sendable {
    var diagnostics: [DocumentDiagnostic] = []

    mutating func error(_ location: SourceLocation, _ message: String) {
        diagnostics.append(DocumentDiagnostic(location: location, severity: .error, message: message))
    }

    mutating func warning(_ location: SourceLocation, _ message: String) {
        diagnostics.append(DocumentDiagnostic(location: location, severity: .warning, message: message))
    }

    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}
