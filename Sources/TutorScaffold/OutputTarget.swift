import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where `tutor render` writes the project, chosen from the `--out` path.
public enum OutputTarget: Sendable, Equatable {
    /// A folder, created next to its final place and renamed into it when complete.
    case directory(URL)
    /// An archive file, written next to its final place and renamed into it when complete.
    case archive(URL, ArchiveFormat)
    /// A tar stream on standard output (`--out -`).
    case standardOutput

    /// Classifies `--out`: `-`, a name ending in `.tar`, `.tar.gz`, `.tgz` or `.zip`, or a folder
    /// (no extension, a trailing `/`, or an existing folder). Anything else is refused, because a
    /// typo such as `app.tar.bz2` must not silently become a folder.
    public init(path: String, relativeTo base: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        throws
    {
        if path == "-" {
            self = .standardOutput
            return
        }
        guard !path.isEmpty else { throw ScaffoldError.unknownOutputKind(path: path) }
        let url = absoluteFileURL(path, base: base)
        let name = url.lastPathComponent.lowercased()
        if name.hasSuffix(".tar.gz") || name.hasSuffix(".tgz") {
            self = .archive(url, .tarGzip)
        } else if name.hasSuffix(".tar") {
            self = .archive(url, .tar)
        } else if name.hasSuffix(".zip") {
            self = .archive(url, .zip)
        } else if path.hasSuffix("/") || !name.contains(".") || name == "." || name == ".." {
            self = .directory(url)
        } else {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
                self = .directory(url)
            } else {
                throw ScaffoldError.unknownOutputKind(path: path)
            }
        }
    }

    /// Checks, before any work is done, that the output could be written: an existing output is
    /// refused without `force` and the folder it goes in must exist and be writable. `tutor run
    /// --out` calls this before running the tutorial; `render` checks again when it writes.
    /// A tar stream is never sent to a terminal (it holds the secrets, and it is unreadable
    /// there): `--out -` needs standard output redirected, as `tar` and `gzip` ask.
    public func preflight(force: Bool) throws {
        let url: URL
        switch self {
        case .standardOutput:
            if isatty(STDOUT_FILENO) == 1 { throw ScaffoldError.terminalOutput }
            return
        case .archive(let archive, _):
            try OutputWriter.refuseExistingArchive(archive, force: force)
            url = archive
        case .directory(let folder):
            _ = try OutputWriter.refuseExistingDirectory(folder, force: force)
            url = folder
        }
        // A missing parent is created when writing; the nearest folder that exists must be
        // writable, and nothing on the way may be a file.
        var parent = url.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: parent.path), parent.path != "/" {
            parent = parent.deletingLastPathComponent()
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: parent.path, isDirectory: &isDirectory), isDirectory.boolValue,
            access(parent.path, W_OK | X_OK) == 0
        else {
            throw ScaffoldError.cannotWrite(
                path: url.path, reason: "\(parent.path) is not a folder this user can write in")
        }
    }

    /// The path shown in messages.
    public var displayPath: String {
        switch self {
        case .directory(let url), .archive(let url, _): return url.path
        case .standardOutput: return "-"
        }
    }
}

/// `path` made absolute against the folder `base` (which need not exist, unlike with
/// `URL(fileURLWithPath:relativeTo:)`), without `.`/`..` segments: equal paths give equal URLs.
func absoluteFileURL(_ path: String, base: URL) -> URL {
    let absolute = path.hasPrefix("/") ? path : base.path + "/" + path
    return URL(fileURLWithPath: URL(fileURLWithPath: absolute).standardizedFileURL.path)
}

/// Writes rendered files to an `OutputTarget`, all or nothing.
enum OutputWriter {
    static func write(
        _ files: [RenderedFile], to target: OutputTarget, folder: ArchiveFolder = .automatic, force: Bool,
        modificationTime: Int
    ) throws {
        let prefix = folder.pathPrefix(for: target)
        switch target {
        case .standardOutput:
            if isatty(STDOUT_FILENO) == 1 { throw ScaffoldError.terminalOutput }
            let writer = try ArchiveWriter(.archive(.tar, fileDescriptor: STDOUT_FILENO), label: "standard output")
            try addEntries(files, to: writer, prefix: prefix, modificationTime: modificationTime)
            try writer.finish()
        case .archive(let url, let format):
            try withParents(of: url) {
                try writeArchive(
                    files, to: url, format: format, prefix: prefix, force: force, modificationTime: modificationTime)
            }
        case .directory(let url):
            try withParents(of: url) {
                try writeDirectory(files, to: url, force: force, modificationTime: modificationTime)
            }
        }
    }

    /// Creates the missing folders above `url` (0755, as `mkdir -p`), runs `body`, and removes
    /// the folders it created when `body` fails, so a failed render leaves nothing behind.
    private static func withParents(of url: URL, _ body: () throws -> Void) throws {
        var missing: [String] = []
        var parent = url.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: parent.path), parent.path != "/" {
            missing.append(parent.path)
            parent = parent.deletingLastPathComponent()
        }
        var created: [String] = []
        do {
            for folder in missing.reversed() {
                guard mkdir(folder, 0o755) == 0 || errno == EEXIST else {
                    throw ScaffoldError.cannotWrite(path: url.path, reason: "creating \(folder): \(systemError())")
                }
                created.append(folder)
            }
            try body()
        } catch {
            for folder in created.reversed() { rmdir(folder) }
            throw error
        }
    }

    /// Folder entries first implied by the files, then everything sorted by path, so the order
    /// never depends on the manifest or the file system.
    static func entries(_ files: [RenderedFile]) -> [(path: String, file: RenderedFile?)] {
        var folders = Set<String>()
        for file in files {
            folders.formUnion(TemplateManifest.parentFolders(of: file.path))
        }
        let all: [(path: String, file: RenderedFile?)] = folders.map { ($0, nil) } + files.map { ($0.path, $0) }
        return all.sorted { $0.path < $1.path }
    }

    /// Writes the entries, each path after `prefix`; a prefix that names a folder (`NAME/`) gets
    /// its own entry first. Folder outputs pass the temporary folder's absolute path.
    private static func addEntries(
        _ files: [RenderedFile], to writer: ArchiveWriter, prefix: String, modificationTime: Int,
        prefixIsFolderEntry: Bool = true
    ) throws {
        if prefixIsFolderEntry, prefix.hasSuffix("/") {
            try writer.addDirectory(path: prefix, mode: 0o755, modificationTime: modificationTime)
        }
        for entry in entries(files) {
            if let file = entry.file {
                try writer.addFile(
                    path: prefix + file.path, contents: file.contents, mode: file.mode,
                    modificationTime: modificationTime)
            } else {
                try writer.addDirectory(path: prefix + entry.path, mode: 0o755, modificationTime: modificationTime)
            }
        }
    }

    private static func writeArchive(
        _ files: [RenderedFile], to url: URL, format: ArchiveFormat, prefix: String, force: Bool,
        modificationTime: Int
    ) throws {
        try refuseExistingArchive(url, force: force)
        let parent = url.deletingLastPathComponent().path
        var template = Array("\(parent)/.\(url.lastPathComponent).tutor-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw ScaffoldError.cannotWrite(path: url.path, reason: systemError()) }
        let temporary = string(template)
        var descriptorOpen = true
        defer { if descriptorOpen { close(descriptor) } }
        do {
            // An archive that holds a private file (.env, 0600) is itself private.
            let isPrivate = files.contains { $0.mode & 0o004 == 0 }
            guard fchmod(descriptor, isPrivate ? 0o600 : 0o644) == 0 else {
                throw ScaffoldError.cannotWrite(path: url.path, reason: systemError())
            }
            do {
                let writer = try ArchiveWriter(.archive(format, fileDescriptor: descriptor), label: url.path)
                try addEntries(files, to: writer, prefix: prefix, modificationTime: modificationTime)
                try writer.finish()
            }
            guard fsync(descriptor) == 0 else { throw ScaffoldError.cannotWrite(path: url.path, reason: systemError()) }
            descriptorOpen = false
            guard close(descriptor) == 0 else { throw ScaffoldError.cannotWrite(path: url.path, reason: systemError()) }
            guard rename(temporary, url.path) == 0 else {
                throw ScaffoldError.cannotWrite(path: url.path, reason: systemError())
            }
        } catch {
            unlink(temporary)
            throw error
        }
    }

    private static func writeDirectory(
        _ files: [RenderedFile], to url: URL, force: Bool, modificationTime: Int
    ) throws {
        let targetExists = try refuseExistingDirectory(url, force: force)
        let parent = url.deletingLastPathComponent().path
        let temporary = try makeTemporaryFolder("\(parent)/.\(url.lastPathComponent).tutor-XXXXXX", for: url.path)
        do {
            guard chmod(temporary, 0o755) == 0 else {
                throw ScaffoldError.cannotWrite(path: url.path, reason: systemError())
            }
            do {
                let writer = try ArchiveWriter(.disk, label: url.path)
                try addEntries(
                    files, to: writer, prefix: temporary + "/", modificationTime: modificationTime,
                    prefixIsFolderEntry: false)
                try writer.finish()
            }
            if targetExists && force {
                try replace(url.path, with: temporary, parent: parent)
            } else {
                // rename(2) also replaces an empty folder.
                guard rename(temporary, url.path) == 0 else {
                    throw ScaffoldError.cannotWrite(path: url.path, reason: systemError())
                }
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
    }

    /// Refuses an existing archive file unless `force`, and anything that is a folder.
    static func refuseExistingArchive(_ url: URL, force: Bool) throws {
        var status = stat()
        guard lstat(url.path, &status) == 0 else { return }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            throw ScaffoldError.outputExists(path: url.path, reason: "is a folder, not an archive file")
        }
        if !force { throw ScaffoldError.outputExists(path: url.path, reason: "already exists") }
    }

    /// Refuses an existing output folder that is not empty (or not a folder) unless `force`;
    /// returns whether something is there.
    static func refuseExistingDirectory(_ url: URL, force: Bool) throws -> Bool {
        var status = stat()
        guard lstat(url.path, &status) == 0 else { return false }
        let isFolder = (status.st_mode & S_IFMT) == S_IFDIR
        let isEmptyFolder =
            isFolder && ((try? FileManager.default.contentsOfDirectory(atPath: url.path).isEmpty) ?? false)
        if !isEmptyFolder && !force {
            let reason = isFolder ? "is a folder that is not empty" : "exists and is not a folder"
            throw ScaffoldError.outputExists(path: url.path, reason: reason)
        }
        return true
    }

    /// Moves the old output aside, the new one into place, then deletes the old one.
    private static func replace(_ target: String, with temporary: String, parent: String) throws {
        let name = URL(fileURLWithPath: target).lastPathComponent
        let holder = try makeTemporaryFolder("\(parent)/.\(name).tutor-old-XXXXXX", for: target)
        let aside = holder + "/old"
        guard rename(target, aside) == 0 else {
            let reason = systemError()
            rmdir(holder)
            throw ScaffoldError.cannotWrite(path: target, reason: reason)
        }
        guard rename(temporary, target) == 0 else {
            let reason = systemError()
            rename(aside, target)
            rmdir(holder)
            throw ScaffoldError.cannotWrite(path: target, reason: reason)
        }
        try? FileManager.default.removeItem(atPath: holder)
    }

    /// Creates a folder from a `mkdtemp` pattern (ending in XXXXXX) and returns its path.
    private static func makeTemporaryFolder(_ pattern: String, for target: String) throws -> String {
        var template = Array(pattern.utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw ScaffoldError.cannotWrite(path: target, reason: systemError())
        }
        return string(template)
    }

    /// The text of a NUL-terminated C buffer.
    private static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func systemError() -> String {
        String(cString: strerror(errno))
    }
}
