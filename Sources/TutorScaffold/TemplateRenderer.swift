import Foundation
import Mustache

/// One file of a generated project, ready to be written.
public struct RenderedFile: Sendable, Equatable {
    /// Its path inside the output, relative, `/`-separated, without `..`.
    public var path: String
    /// Its bytes.
    public var contents: Data
    /// Its permission bits.
    public var mode: UInt16

    /// Creates a file.
    public init(path: String, contents: Data, mode: UInt16) {
        self.path = path
        self.contents = contents
        self.mode = mode
    }
}

/// A template folder: its manifest and the folder its files are read from.
public struct ProjectTemplate: Sendable {
    /// The template folder.
    public let folder: URL
    /// Its checked manifest.
    public let manifest: TemplateManifest

    /// Reads and checks `folder/template.json`; every listed source must exist and every Mustache
    /// file must parse.
    public init(folder: URL) throws {
        self.folder = folder
        let manifestURL = folder.appendingPathComponent(TemplateManifest.fileName)
        guard let data = FileManager.default.contents(atPath: manifestURL.path) else {
            throw ScaffoldError.templateNotFound("no \(TemplateManifest.fileName) in \(folder.path)")
        }
        manifest = try TemplateManifest.parse(data, origin: manifestURL.path)
    }

    /// The file a manifest entry is read from.
    public func sourceURL(of file: TemplateManifest.File) -> URL {
        folder.appendingPathComponent(TemplateManifest.filesFolder).appendingPathComponent(file.source)
    }

    /// Checks `values` against the manifest and returns the complete set of names a template can
    /// use: the given values that the manifest declares, plus the derived ones.
    public func resolveVariables(_ values: [String: String]) throws -> [String: String] {
        var resolved: [String: String] = [:]
        var problems: [ScaffoldError] = []
        for variable in manifest.variables {
            guard let value = values[variable.name] else {
                if variable.required {
                    problems.append(.missingVariable(name: variable.name, description: variable.description))
                }
                continue
            }
            guard variable.rule.accepts(value) else {
                problems.append(
                    .invalidVariable(
                        name: variable.name, rule: variable.rule.requirement, value: variable.secret ? nil : value))
                continue
            }
            resolved[variable.name] = value
        }
        // Every problem at once, so that one fix-and-retry is enough.
        if problems.count == 1 { throw problems[0] }
        if problems.count > 1 { throw ScaffoldError.variableProblems(problems) }
        for derived in manifest.derived {
            guard let base = resolved[derived.from] else { continue }
            resolved[derived.name] = derived.part.value(of: base)
        }
        return resolved
    }

    /// Produces every file of the project from `values` (checked with `resolveVariables`), sorted
    /// by path. Nothing is written.
    public func render(values: [String: String]) throws -> [RenderedFile] {
        let variables = try resolveVariables(values)
        let declared = Set(manifest.variables.map(\.name) + manifest.derived.map(\.name))
        var files: [RenderedFile] = []
        for file in manifest.files {
            let source = sourceURL(of: file)
            guard let data = FileManager.default.contents(atPath: source.path) else {
                throw ScaffoldError.invalidManifest(
                    manifest: folder.appendingPathComponent(TemplateManifest.fileName).path,
                    reason: "\(file.path): its source \(TemplateManifest.filesFolder)/\(file.source) cannot be read")
            }
            let contents: Data
            if file.rendering == .verbatim {
                contents = data
            } else {
                contents = Data(
                    try renderMustache(data, file: file, source: source, variables: variables, declared: declared).utf8)
            }
            files.append(RenderedFile(path: file.path, contents: contents, mode: file.mode))
        }
        return files.sorted { $0.path < $1.path }
    }

    private func renderMustache(
        _ data: Data, file: TemplateManifest.File, source: URL, variables: [String: String], declared: Set<String>
    ) throws -> String {
        guard let text = String(data: data, encoding: .utf8) else {
            throw ScaffoldError.invalidTemplateFile(path: source.path, reason: "not UTF-8 text")
        }
        let template: MustacheTemplate
        do {
            // The pragma picks the escaping for the whole file; it sits before the first line so
            // that line numbers in parse errors stay right.
            template = try MustacheTemplate(
                string: "{{% CONTENT_TYPE: \(ContentTypes.name(of: file.rendering))}}" + text)
        } catch let error as MustacheTemplate.ParserError {
            throw ScaffoldError.invalidTemplateFile(
                path: "\(source.path):\(error.context.lineNumber)", reason: "Mustache syntax: \(error.error)")
        } catch {
            throw ScaffoldError.invalidTemplateFile(path: source.path, reason: "Mustache syntax: \(error)")
        }
        let context = RecordingContext(values: variables, declared: declared)
        let output = template.render(context)
        if let unknown = context.undeclared.sorted().first {
            throw ScaffoldError.invalidTemplateFile(
                path: source.path, reason: "uses {{\(unknown)}}, which the manifest does not declare")
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
