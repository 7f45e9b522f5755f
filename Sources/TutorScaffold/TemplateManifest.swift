import Foundation
import TutorSupport

/// The parsed and checked `template.json` of a template folder (format in docs/formats.md, "Template manifest").
public struct TemplateManifest: Sendable, Equatable {
    /// The manifest's file name inside a template folder.
    public static let fileName = "template.json"
    /// The folder, inside a template folder, that holds the files the manifest lists.
    public static let filesFolder = "files"

    /// A variable the template needs.
    public struct Variable: Sendable, Equatable {
        /// Its name, as used in `{{NAME}}` and `--var NAME=VALUE`.
        public var name: String
        /// The check its value must pass.
        public var rule: VariableRule
        /// Whether rendering fails without a value (optional ones render as empty sections).
        public var required: Bool
        /// Whether the value is secret: never printed, not even in an error.
        public var secret: Bool
        /// A short human description, used in error messages.
        public var description: String
    }

    /// A variable computed from another one (for example the port of REDIRECT_URI).
    public struct Derived: Sendable, Equatable {
        /// Its name.
        public var name: String
        /// The variable it is computed from.
        public var from: String
        /// Which part of that URL.
        public var part: DerivedPart
    }

    /// How a file is produced from its source.
    public enum Rendering: String, Sendable, Equatable {
        /// Copied byte for byte.
        case verbatim
        /// Rendered with Mustache, values inserted as they are (no escaping).
        case text
        /// Rendered with Mustache, values HTML-escaped.
        case html
        /// Rendered with Mustache, values escaped for a single-quoted python-dotenv value.
        case dotenv
    }

    /// One file of the generated project.
    public struct File: Sendable, Equatable {
        /// Where it goes in the output, relative and without `..`.
        public var path: String
        /// Where it comes from, relative to the template's `files/` folder.
        public var source: String
        /// Copied or rendered.
        public var rendering: Rendering
        /// Its permission bits (0o600 for `.env`).
        public var mode: UInt16
    }

    /// The template's name.
    public var name: String
    /// What the template generates.
    public var description: String
    /// The variables, in manifest order.
    public var variables: [Variable]
    /// The computed variables.
    public var derived: [Derived]
    /// Output folders whose files must be copied verbatim (for example Jinja's `templates/`).
    public var verbatimDirectories: [String]
    /// The files, in manifest order.
    public var files: [File]

    /// Parses and checks manifest JSON; `origin` names the file in errors.
    public static func parse(_ data: Data, origin: String) throws -> TemplateManifest {
        func fail(_ reason: String) -> ScaffoldError { .invalidManifest(manifest: origin, reason: reason) }
        let json: JSONValue
        do {
            json = try JSONValue.parse(data)
        } catch {
            throw fail("\(error)")
        }
        guard json.objectMembers != nil else { throw fail("the manifest must be a JSON object") }
        guard json["formatVersion"]?.numberValue == 1 else {
            throw fail("\"formatVersion\" must be 1")
        }
        guard let name = json["name"]?.stringValue, !name.isEmpty else {
            throw fail("\"name\" must be a non-empty string")
        }
        let description = json["description"]?.stringValue ?? ""

        var seen = Set<String>()
        var variables: [Variable] = []
        for (index, entry) in (json["variables"]?.arrayElements ?? []).enumerated() {
            let place = "variables[\(index)]"
            guard let variableName = entry["name"]?.stringValue, isVariableName(variableName) else {
                throw fail("\(place): \"name\" must be letters, digits and _ (starting with a letter or _)")
            }
            guard seen.insert(variableName).inserted else { throw fail("\(place): \(variableName) is declared twice") }
            guard let ruleName = entry["rule"]?.stringValue, let rule = VariableRule(rawValue: ruleName) else {
                let known = VariableRule.allCases.map(\.rawValue).joined(separator: ", ")
                throw fail("\(place) (\(variableName)): \"rule\" must be one of \(known)")
            }
            variables.append(
                Variable(
                    name: variableName, rule: rule, required: entry["required"]?.boolValue ?? true,
                    secret: entry["secret"]?.boolValue ?? false, description: entry["description"]?.stringValue ?? ""))
        }

        var derived: [Derived] = []
        for (index, entry) in (json["derived"]?.arrayElements ?? []).enumerated() {
            let place = "derived[\(index)]"
            guard let derivedName = entry["name"]?.stringValue, isVariableName(derivedName) else {
                throw fail("\(place): \"name\" must be letters, digits and _ (starting with a letter or _)")
            }
            guard seen.insert(derivedName).inserted else { throw fail("\(place): \(derivedName) is declared twice") }
            guard let from = entry["from"]?.stringValue,
                let base = variables.first(where: { $0.name == from })
            else { throw fail("\(place) (\(derivedName)): \"from\" must name a declared variable") }
            guard base.rule == .absoluteURLWithPath || base.rule == .httpsURLWithTenant else {
                throw fail("\(place) (\(derivedName)): \(from) is not a URL variable")
            }
            guard let partName = entry["part"]?.stringValue, let part = DerivedPart(rawValue: partName) else {
                let known = DerivedPart.allCases.map(\.rawValue).joined(separator: ", ")
                throw fail("\(place) (\(derivedName)): \"part\" must be one of \(known)")
            }
            derived.append(Derived(name: derivedName, from: from, part: part))
        }

        var verbatimDirectories: [String] = []
        for (index, entry) in (json["verbatimDirectories"]?.arrayElements ?? []).enumerated() {
            guard let directory = entry.stringValue, let safe = safeRelativePath(directory) else {
                throw fail("verbatimDirectories[\(index)] must be a relative path without ..")
            }
            verbatimDirectories.append(safe + "/")
        }

        guard let fileEntries = json["files"]?.arrayElements, !fileEntries.isEmpty else {
            throw fail("\"files\" must be a non-empty array")
        }
        var files: [File] = []
        var paths = Set<String>()
        for (index, entry) in fileEntries.enumerated() {
            let place = "files[\(index)]"
            guard let rawPath = entry["path"]?.stringValue else { throw fail("\(place): \"path\" is missing") }
            guard let path = safeRelativePath(rawPath) else {
                throw fail(
                    "\(place): path '\(rawPath)' must be relative and stay inside the output (no leading /, no ..)")
            }
            let rawSource = entry["source"]?.stringValue ?? rawPath
            guard let source = safeRelativePath(rawSource) else {
                throw fail(
                    "\(place): source '\(rawSource)' must be relative and stay inside the template's files/ folder")
            }
            guard paths.insert(path).inserted else { throw fail("\(place): \(path) is listed twice") }
            let rendering: Rendering
            switch entry["render"] {
            case nil, .bool(false)?: rendering = .verbatim
            case .bool(true)?: rendering = .text
            case .string(let kind)?:
                guard let parsed = Rendering(rawValue: kind) else {
                    throw fail("\(place): \"render\" must be false, true, \"text\", \"html\" or \"dotenv\"")
                }
                rendering = parsed
            default: throw fail("\(place): \"render\" must be false, true, \"text\", \"html\" or \"dotenv\"")
            }
            if rendering != .verbatim, let directory = verbatimDirectories.first(where: { path.hasPrefix($0) }) {
                throw fail("\(place): \(path) is under \(directory), whose files must be copied verbatim")
            }
            let modeText = entry["mode"]?.stringValue ?? "0644"
            guard modeText.count >= 3, modeText.count <= 4, let mode = UInt16(modeText, radix: 8), mode <= 0o777
            else { throw fail("\(place): \"mode\" must be octal permissions such as \"0644\" or \"0600\"") }
            files.append(File(path: path, source: source, rendering: rendering, mode: mode))
        }
        // A file cannot also be a folder of another file ("a" and "a/b").
        for path in paths {
            for parent in parentFolders(of: path) where paths.contains(parent) {
                throw fail("\(parent) is listed as a file and used as a folder")
            }
        }
        return TemplateManifest(
            name: name, description: description, variables: variables, derived: derived,
            verbatimDirectories: verbatimDirectories, files: files)
    }

    /// `path` normalised (no `.` segments, no doubled or trailing slash) if it is relative and does
    /// not climb out with `..`; nil otherwise.
    static func safeRelativePath(_ path: String) -> String? {
        guard !path.isEmpty, !path.hasPrefix("/"), !path.contains("\\"), !path.contains("\0") else { return nil }
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." { return nil }
            segments.append(segment)
        }
        return segments.isEmpty ? nil : segments.joined(separator: "/")
    }

    /// The folders above a relative `/`-separated path, nearest first: "a/b/c" → ["a/b", "a"].
    static func parentFolders(of path: String) -> [String] {
        var parents: [String] = []
        var current = Substring(path)
        while let slash = current.lastIndex(of: "/") {
            current = current[..<slash]
            parents.append(String(current))
        }
        return parents
    }

    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic)
        else { return false }
        return name.unicodeScalars.allSatisfy {
            $0 == "_" || ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0)
        }
    }
}
