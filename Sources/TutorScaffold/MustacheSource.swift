import Foundation
import Mustache

/// One Mustache file of a template, checked and parsed: `MustacheTagScanner` has refused deep
/// nesting, partials and pragmas, and swift-mustache has parsed the rest. Nothing is rendered
/// until every file of a template has got this far.
public struct MustacheSource: Sendable {
    /// The largest Mustache file accepted (1 MiB). swift-mustache keeps a copy of every
    /// section's text, so memory grows with size times nesting depth; this bounds it (with the
    /// depth cap) to about 100 MiB for a hostile file, while starter projects need a few KiB.
    public static let maximumSize = 1 << 20
    /// The file, for messages.
    public let path: String
    private let template: MustacheTemplate

    /// Checks and parses `data` (UTF-8) with the escaping of `rendering`; throws
    /// `ScaffoldError.invalidTemplateFile` at `path:line:column`.
    public init(data: Data, path: String, rendering: TemplateManifest.Rendering) throws {
        guard data.count <= Self.maximumSize else {
            throw ScaffoldError.invalidTemplateFile(
                path: path, reason: "is \(data.count) bytes; a Mustache file may be at most \(Self.maximumSize)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ScaffoldError.invalidTemplateFile(path: path, reason: "not UTF-8 text")
        }
        try self.init(text: text, path: path, rendering: rendering)
    }

    /// Checks and parses `text` with the escaping of `rendering`.
    public init(text: String, path: String, rendering: TemplateManifest.Rendering) throws {
        self.path = path
        do {
            try MustacheTagScanner.check(text)
        } catch {
            throw ScaffoldError.invalidTemplateFile(path: "\(path):\(error.line):\(error.column)", reason: error.reason)
        }
        // The pragma picks the escaping for the whole file; it sits before the first line so
        // that line numbers in parse errors stay right (columns on line 1 are corrected below).
        let pragma = "{{% CONTENT_TYPE: \(ContentTypes.name(of: rendering))}}"
        do {
            template = try MustacheTemplate(string: pragma + text)
        } catch let error as MustacheTemplate.ParserError {
            let line = error.context.lineNumber
            let column = line == 1 ? max(1, error.context.columnNumber - pragma.count) : error.context.columnNumber
            throw ScaffoldError.invalidTemplateFile(
                path: "\(path):\(line):\(column)", reason: "Mustache syntax: \(error.error)")
        } catch {
            throw ScaffoldError.invalidTemplateFile(path: path, reason: "Mustache syntax: \(error)")
        }
    }

    /// Renders with `variables`; a name the template asks for that is not in `declared` is an
    /// error (Mustache itself would quietly render it as nothing).
    public func render(variables: [String: String], declared: Set<String>) throws -> String {
        let context = RecordingContext(values: variables, declared: declared)
        let output = template.render(context)
        if let unknown = context.undeclared.sorted().first {
            throw ScaffoldError.invalidTemplateFile(
                path: path, reason: "uses {{\(unknown)}}, which the manifest does not declare")
        }
        return output
    }
}

/// The Mustache context: the values, and a note of every name a template asked for that the
/// manifest does not declare (Mustache itself would quietly render such a name as nothing).
private final class RecordingContext: MustacheParent {
    let values: [String: String]
    let declared: Set<String>
    var undeclared = Set<String>()

    init(values: [String: String], declared: Set<String>) {
        self.values = values
        self.declared = declared
    }

    func child(named name: String) -> Any? {
        if let value = values[name] { return value }
        if !declared.contains(name) { undeclared.insert(name) }
        return nil
    }
}

/// The Mustache content types (escaping rules) that the manifest's `render` kinds select.
enum ContentTypes {
    /// Registers the dotenv escaping once, before the first template needs it.
    private static let registered: Bool = {
        MustacheContentTypes.register(DotenvContentType(), named: "TUTOR_DOTENV")
        return true
    }()

    static func name(of rendering: TemplateManifest.Rendering) -> String {
        switch rendering {
        case .html: return "HTML"
        case .dotenv:
            _ = registered
            return "TUTOR_DOTENV"
        case .text, .verbatim: return "TEXT"
        }
    }
}

/// Escapes a value for the inside of a single-quoted python-dotenv value, where only `\\` and
/// `\'` are escapes.
struct DotenvContentType: MustacheContentType {
    func escapeText(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
    }
}
