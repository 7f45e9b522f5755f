import Foundation

/// One file of a generated project, ready to be written.
public struct RenderedFile: Sendable, Equatable {
    /// Its path inside the output, relative, `/`-separated, without `..`.
    public var path: String
    /// Its bytes.
    public var contents: Data
    /// Its permission bits.
    public var mode: UInt16

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

    /// A value every template may use and no one can give with `--var`: `"true"` when the values
    /// come from a run's state folder (`--state-dir`, `tutor run --out`), absent otherwise.
    public static let renderedFromRun = "RENDERED_FROM_RUN"

    /// The variable a run's sandbox CA file reaches a template through (`record.json` keeps it
    /// as `tenant.caFile`): Python's `requests`, and so MSAL, read a CA bundle from it.
    public static let tenantCAFile = "REQUESTS_CA_BUNDLE"

    /// Reads and checks `folder/template.json`; refuses a template holding a symbolic link.
    public init(folder: URL) throws {
        self.folder = folder
        let manifestPath = folder.appendingPathComponent(TemplateManifest.fileName).path
        let data: Data
        do {
            data = try TemplateFileReader.read(TemplateManifest.fileName, in: folder)
        } catch .missing {
            throw ScaffoldError.templateNotFound("no \(TemplateManifest.fileName) in \(folder.path)")
        } catch {
            throw Self.sourceError(error, folder: folder, file: manifestPath)
        }
        try TemplateFileReader.refuseSymbolicLinks(in: folder)
        manifest = try TemplateManifest.parse(data, origin: manifestPath)
    }

    /// A template file that cannot be used, as the error `tutor render` reports.
    private static func sourceError(_ failure: TemplateFileReader.Failure, folder: URL, file: String)
        -> ScaffoldError
    {
        switch failure {
        case .symbolicLink(let relative):
            return TemplateFileReader.symbolicLinkError(folder: folder, relative: relative)
        case .notRegular(let relative):
            return .invalidTemplateFile(path: folder.path + "/" + relative, reason: "is not a regular file")
        case .missing: return .invalidTemplateFile(path: file, reason: "does not exist")
        case .system(let reason): return .invalidTemplateFile(path: file, reason: "cannot be read: \(reason)")
        }
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
                    problems.append(
                        variable.secret
                            ? .missingSecret(name: variable.name, description: variable.description)
                            : .missingVariable(name: variable.name, description: variable.description))
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
        if values[Self.renderedFromRun] == "true" { resolved[Self.renderedFromRun] = "true" }
        return resolved
    }

    /// A file of the template, read and (when rendered) checked and parsed.
    public enum Source: Sendable {
        /// Copied as it is.
        case verbatim(Data)
        /// Rendered with Mustache.
        case mustache(MustacheSource)
    }

    /// Reads every file the manifest lists (never through a symbolic link) and checks and parses
    /// every Mustache file, in manifest order. The first problem is thrown; nothing is rendered.
    public func loadSources() throws -> [(file: TemplateManifest.File, source: Source)] {
        var sources: [(file: TemplateManifest.File, source: Source)] = []
        for file in manifest.files {
            let relative = TemplateManifest.filesFolder + "/" + file.source
            let data: Data
            do {
                data = try TemplateFileReader.read(relative, in: folder)
            } catch .missing {
                throw ScaffoldError.invalidManifest(
                    manifest: folder.appendingPathComponent(TemplateManifest.fileName).path,
                    reason: "\(file.path): its source \(relative) cannot be read: it does not exist")
            } catch {
                throw Self.sourceError(error, folder: folder, file: sourceURL(of: file).path)
            }
            let path = sourceURL(of: file).path
            let source: Source =
                file.rendering == .verbatim
                ? .verbatim(data) : .mustache(try MustacheSource(data: data, path: path, rendering: file.rendering))
            sources.append((file, source))
        }
        return sources
    }

    /// Produces every file of the project from `values` (checked with `resolveVariables`), sorted
    /// by path. The whole template is checked first (`loadSources`), so a broken template fails
    /// the same way whatever the values. Nothing is written.
    public func render(values: [String: String]) throws -> [RenderedFile] {
        let sources = try loadSources()
        let variables = try resolveVariables(values)
        let declared = Set(manifest.variables.map(\.name) + manifest.derived.map(\.name) + [Self.renderedFromRun])
        var files: [RenderedFile] = []
        for (file, source) in sources {
            let contents: Data
            switch source {
            case .verbatim(let data): contents = data
            case .mustache(let template):
                contents = Data(try template.render(variables: variables, declared: declared).utf8)
            }
            files.append(RenderedFile(path: file.path, contents: contents, mode: file.mode))
        }
        return files.sorted { $0.path < $1.path }
    }
}
