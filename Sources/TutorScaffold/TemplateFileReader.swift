import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a template folder's files without ever following a symbolic link inside it. A template
/// comes from a pull request: a source that is a link (to `/etc/shadow`, to a folder outside)
/// would copy a file of the machine that renders it into the generated project.
///
/// The folder the user names may itself be reached through links; nothing inside it may be one.
/// `refuseSymbolicLinks` reports any link early, with its path; `read` opens every path segment
/// with `O_NOFOLLOW`, so a link swapped in after that check is refused too, and accepts only
/// regular files (a FIFO or a device would block or never end).
enum TemplateFileReader {
    /// The outcome of reading one file.
    enum Failure: Error {
        /// The file or a folder on its way does not exist.
        case missing
        /// `path` (relative to the template folder) is a symbolic link.
        case symbolicLink(String)
        /// `path` is neither a regular file nor a folder where one is needed.
        case notRegular(String)
        /// Any other system error, with its message.
        case system(String)
    }

    /// Throws `ScaffoldError.invalidTemplateFile` naming the first symbolic link found anywhere
    /// under `folder` (depth first, sorted, so the report is stable).
    static func refuseSymbolicLinks(in folder: URL) throws {
        var pending: [String] = [""]
        while let relative = pending.popLast() {
            let path = relative.isEmpty ? folder.path : folder.path + "/" + relative
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { continue }
            for name in names.sorted().reversed() {
                let child = relative.isEmpty ? name : relative + "/" + name
                var status = stat()
                guard lstat(folder.path + "/" + child, &status) == 0 else { continue }
                switch status.st_mode & S_IFMT {
                case S_IFLNK: throw symbolicLinkError(folder: folder, relative: child)
                case S_IFDIR: pending.append(child)
                default: break
                }
            }
        }
    }

    /// The error for a symbolic link at `relative` inside `folder`.
    static func symbolicLinkError(folder: URL, relative: String) -> ScaffoldError {
        .invalidTemplateFile(
            path: folder.path + "/" + relative,
            reason: "is a symbolic link; a template may not contain symbolic links (files or folders)")
    }

    /// The bytes of the regular file at `relative` (`/`-separated, no `..`) inside `folder`.
    static func read(_ relative: String, in folder: URL) throws(Failure) -> Data {
        var directory = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { throw errno == ENOENT ? .missing : .system(String(cString: strerror(errno))) }
        let segments = relative.split(separator: "/").map(String.init)
        var walked: [String] = []
        for (index, segment) in segments.enumerated() {
            walked.append(segment)
            let isLast = index == segments.count - 1
            let flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | (isLast ? 0 : O_DIRECTORY)
            let next = openat(directory, segment, flags)
            let failure = errno
            close(directory)
            guard next >= 0 else {
                switch failure {
                case ENOENT: throw .missing
                // Linux gives ELOOP for a link under O_NOFOLLOW; BSDs may give EMLINK.
                case ELOOP, EMLINK: throw .symbolicLink(walked.joined(separator: "/"))
                case ENOTDIR: throw .notRegular(walked.joined(separator: "/"))
                default: throw .system(String(cString: strerror(failure)))
                }
            }
            directory = next
        }
        let handle = FileHandle(fileDescriptor: directory, closeOnDealloc: true)
        var status = stat()
        guard fstat(directory, &status) == 0 else { throw .system(String(cString: strerror(errno))) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .notRegular(relative) }
        do {
            return try handle.readToEnd() ?? Data()
        } catch {
            throw .system("\(error)")
        }
    }
}
