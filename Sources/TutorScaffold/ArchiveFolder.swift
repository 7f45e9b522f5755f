import Foundation

/// The one folder an archive's entries sit in, so that `tar xzf myapp.tar.gz` or `unzip myapp.zip`
/// makes `myapp/` instead of spilling `.env` and the rest into the current folder.
public enum ArchiveFolder: Sendable, Equatable {
    /// The archive's name without its extension (`myapp.tar.gz` → `myapp/`); for a tar stream
    /// (`--out -`), which has no name, entries stay at the top level (`… | tar x -C DIR`).
    case automatic
    /// Entries at the top level (`--prefix .` or `--prefix ''`).
    case none
    /// Entries under `NAME/` (`--prefix NAME`).
    case named(String)

    /// Parses `--prefix`: empty or `.` means no folder; otherwise one folder name, without `/`,
    /// not `..`, and without control characters (it becomes a path when unpacked).
    public init(prefix: String?) throws {
        guard let prefix else {
            self = .automatic
            return
        }
        if prefix.isEmpty || prefix == "." {
            self = .none
            return
        }
        guard !prefix.contains("/"), prefix != "..",
            !prefix.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f })
        else {
            throw ScaffoldError.invalidPrefix(prefix)
        }
        self = .named(prefix)
    }

    /// What entry paths start with for `target` (`""` or `NAME/`).
    func pathPrefix(for target: OutputTarget) -> String {
        switch self {
        case .none: return ""
        case .named(let name): return name + "/"
        case .automatic:
            guard case .archive(let url, _) = target else { return "" }
            let name = Self.baseName(of: url.lastPathComponent)
            return name.isEmpty || name == "." || name == ".." ? "" : name + "/"
        }
    }

    /// `myapp.tar.gz`, `myapp.tgz`, `myapp.tar`, `myapp.zip` → `myapp` (any case of extension).
    static func baseName(of fileName: String) -> String {
        let lowered = fileName.lowercased()
        for suffix in [".tar.gz", ".tgz", ".tar", ".zip"] where lowered.hasSuffix(suffix) {
            return String(fileName.dropLast(suffix.count))
        }
        return fileName
    }
}
