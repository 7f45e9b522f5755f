import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes files so that readers see either the old or the new content, never a torn one.
public enum AtomicFile {
    /// A failure to write a file atomically, with the path and the system's reason.
    public struct WriteError: Error, CustomStringConvertible, ExitStatusProviding {
        /// The file that could not be written.
        public let path: String
        /// The system's explanation.
        public let reason: String
        /// A message naming the file and the reason.
        public var description: String { "cannot write \(path): \(reason)" }
        /// Failing to write output is "cannot create" (73).
        public var exitStatus: ExitStatus { .cannotCreate }
    }

    /// Replaces the file at `url` with `data`: writes a temporary sibling with `permissions`,
    /// flushes it to disk, renames it over the target and flushes the directory.
    public static func write(_ data: Data, to url: URL, permissions: mode_t = 0o644) throws {
        let directory = url.deletingLastPathComponent().path
        let temporary =
            "\(directory)/.\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        guard descriptor >= 0 else { throw WriteError(path: url.path, reason: systemError()) }
        var closed = false
        defer {
            if !closed { close(descriptor) }
        }
        do {
            // The umask may have narrowed the mode given to open; set it exactly.
            guard fchmod(descriptor, permissions) == 0 else { throw WriteError(path: url.path, reason: systemError()) }
            try data.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw WriteError(path: url.path, reason: systemError())
                    }
                    offset += written
                }
            }
            guard fsync(descriptor) == 0 else { throw WriteError(path: url.path, reason: systemError()) }
            closed = true
            guard close(descriptor) == 0 else { throw WriteError(path: url.path, reason: systemError()) }
            guard rename(temporary, url.path) == 0 else { throw WriteError(path: url.path, reason: systemError()) }
        } catch {
            unlink(temporary)
            throw error
        }
        syncDirectory(directory)
    }

    /// Flushes a directory's entries so that a rename inside it survives a crash.
    public static func syncDirectory(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    private static func systemError() -> String {
        String(cString: strerror(errno))
    }
}
