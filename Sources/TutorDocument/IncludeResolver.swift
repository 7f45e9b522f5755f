import Foundation

/// Resolves `[!INCLUDE]` paths relative to the including file and keeps them inside the
/// docset root: the nearest folder at or above the tutorial that holds a `docfx.json`, else the
/// nearest that holds `.git`, else the tutorial's own folder. Learn pages include files one
/// folder up (`../includes/...`), so the tutorial's folder alone is too narrow.
struct IncludeResolver: Sendable {
    /// Absolute, normalised docset root.
    let root: String
    /// The same folder with symbolic links resolved.
    let realRoot: String

    /// A file an include names: the path to show and the path to read.
    struct Target: Sendable, Equatable {
        var displayPath: String
        var absolutePath: String
    }

    init(tutorialAbsolutePath: String) {
        root = Self.docsetRoot(above: PathText.directory(of: tutorialAbsolutePath))
        realRoot = PathText.resolvingSymbolicLinks(root)
    }

    /// The nearest folder at or above `folder` holding `docfx.json`, else the nearest holding
    /// `.git` (a folder, or a file in a worktree), else `folder` itself.
    static func docsetRoot(above folder: String) -> String {
        for marker in ["docfx.json", ".git"] {
            var candidate = folder
            while true {
                if FileManager.default.fileExists(atPath: PathText.join(candidate, marker)) { return candidate }
                let parent = PathText.directory(of: candidate)
                if parent.isEmpty || parent == candidate { break }
                candidate = parent
            }
        }
        return folder
    }

    /// The file `path` names when written in the file at `includingAbsolute` (shown as
    /// `includingDisplay`), or why it is refused.
    func resolve(_ path: String, includingAbsolute: String, includingDisplay: String) -> Result<Target, ResolveProblem>
    {
        if path.isEmpty { return .failure(.empty) }
        if path.hasPrefix("/") || path.hasPrefix("~") || path.hasPrefix("\\") { return .failure(.absolute(path)) }
        if PathText.hasURLScheme(path) { return .failure(.url(path)) }
        if path.contains("\\") { return .failure(.backslash(path)) }
        let absolute = PathText.normalize(PathText.directory(of: includingAbsolute) + "/" + path)
        guard absolute.hasPrefix(root + "/") else { return .failure(.escapes(path)) }
        let display = PathText.normalize(PathText.join(PathText.directory(of: includingDisplay), path))
        if FileManager.default.fileExists(atPath: absolute) {
            let real = PathText.resolvingSymbolicLinks(absolute)
            guard real.hasPrefix(realRoot + "/") else { return .failure(.escapes(path)) }
        }
        return .success(Target(displayPath: display, absolutePath: absolute))
    }

    /// Why an include path is refused.
    enum ResolveProblem: Error, Equatable {
        case empty, absolute(String), url(String), backslash(String), escapes(String)

        var message: String {
            switch self {
            case .empty: return "include has an empty path"
            case .absolute(let path):
                return "include path '\(path)' is absolute; write it relative to the including file"
            case .url(let path):
                return "include path '\(path)' is a URL; only files in the tutorial's docset can be included"
            case .backslash(let path): return "include path '\(path)' uses '\\'; write '/' between folders"
            case .escapes(let path): return "include path '\(path)' leaves the tutorial's folder"
            }
        }
    }
}

/// Lexical path helpers (no file system access).
enum PathText {
    /// The folder part of `path` ("" for a bare file name, "/" kept for the root).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// `directory/path`, or `path` when the directory is empty.
    static func join(_ directory: String, _ path: String) -> String {
        directory.isEmpty ? path : directory + "/" + path
    }

    /// `path` with `.` and `..` segments resolved and repeated slashes removed; `..` at the start
    /// of a relative path is kept.
    static func normalize(_ path: String) -> String {
        let isAbsolute = path.hasPrefix("/")
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..":
                if let last = segments.last, last != ".." {
                    segments.removeLast()
                } else if !isAbsolute {
                    segments.append(segment)
                }
            default: segments.append(segment)
            }
        }
        let joined = segments.joined(separator: "/")
        return isAbsolute ? "/" + joined : (joined.isEmpty ? "." : joined)
    }

    /// Whether `path` starts with a URL scheme such as `https:` or `file:`.
    static func hasURLScheme(_ path: String) -> Bool {
        guard let colon = path.firstIndex(of: ":") else { return false }
        let scheme = path[..<colon]
        guard let first = scheme.first, first.isASCII, first.isLetter else { return false }
        return scheme.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }
    }

    /// `path` with every symbolic link resolved (`realpath`), or `path` itself when that fails.
    static func resolvingSymbolicLinks(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `path` made absolute against the current directory and normalised.
    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return normalize(path) }
        return normalize(FileManager.default.currentDirectoryPath + "/" + path)
    }
}
