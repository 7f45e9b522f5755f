import Foundation

/// Finds template folders: `--template DIR` as given, `--template NAME` under the templates root.
public enum TemplateLocator {
    /// The template `tutor render` uses without `--template`.
    public static let defaultName = "flask-webapp"

    /// The folder of the template named or pointed at by `nameOrPath` (default: `flask-webapp`).
    /// A value with a `/`, starting with `.`, or naming an existing folder is a folder; any other
    /// value is a name looked up in `templateRoots`.
    public static func resolve(
        _ nameOrPath: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        executable: URL? = Bundle.main.executableURL,
        currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    ) throws -> URL {
        let value = nameOrPath ?? defaultName
        var isDirectory: ObjCBool = false
        let asPath = absoluteFileURL(value, base: currentDirectory)
        if value.contains("/") || value.hasPrefix(".")
            || (FileManager.default.fileExists(atPath: asPath.path, isDirectory: &isDirectory) && isDirectory.boolValue)
        {
            guard FileManager.default.fileExists(atPath: asPath.path, isDirectory: &isDirectory), isDirectory.boolValue
            else { throw ScaffoldError.templateNotFound("\(asPath.path) is not a folder") }
            return asPath
        }
        let roots = templateRoots(environment: environment, executable: executable, currentDirectory: currentDirectory)
        for root in roots {
            let candidate = root.appendingPathComponent(value)
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent(TemplateManifest.fileName).path)
            {
                return candidate
            }
        }
        let searched = roots.map(\.path).joined(separator: ", ")
        throw ScaffoldError.templateNotFound(
            "no template named '\(value)' in \(searched.isEmpty ? "any templates folder" : searched); "
                + "set TUTOR_TEMPLATES to the folder that holds it, or pass --template DIR")
    }

    /// Where named templates are looked for, in order: `$TUTOR_TEMPLATES`; `share/tutor/Templates`
    /// next to an installed executable's `bin/`; a `Templates/` folder (holding a `flask-webapp`
    /// manifest) in the executable's folder or any folder above it (covers `swift run` and
    /// `.build/release/tutor` in a checkout); the same search from the current folder upwards.
    public static func templateRoots(environment: [String: String], executable: URL?, currentDirectory: URL) -> [URL] {
        var roots: [URL] = []
        if let configured = environment["TUTOR_TEMPLATES"], !configured.isEmpty {
            roots.append(absoluteFileURL(configured, base: currentDirectory))
        }
        if let executable = executable?.resolvingSymlinksInPath() {
            let binFolder = executable.deletingLastPathComponent()
            roots.append(binFolder.deletingLastPathComponent().appendingPathComponent("share/tutor/Templates"))
            if let found = checkoutTemplates(above: binFolder) { roots.append(found) }
        }
        if let found = checkoutTemplates(above: currentDirectory) { roots.append(found) }
        var seen = Set<String>()
        return roots.filter { seen.insert($0.path).inserted }
    }

    private static func checkoutTemplates(above start: URL) -> URL? {
        var folder = start.standardizedFileURL
        while true {
            let candidate = folder.appendingPathComponent("Templates")
            let marker = candidate.appendingPathComponent(defaultName).appendingPathComponent(TemplateManifest.fileName)
            if FileManager.default.fileExists(atPath: marker.path) { return candidate }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { return nil }
            folder = parent
        }
    }
}
