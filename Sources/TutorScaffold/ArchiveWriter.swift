import CArchive
import Foundation
import TutorSupport

/// The archive kinds `tutor render` writes.
public enum ArchiveFormat: String, Sendable, CaseIterable {
    /// POSIX tar (pax where needed).
    case tar
    /// POSIX tar compressed with gzip, without a timestamp or file name in the gzip header.
    case tarGzip = "tar.gz"
    /// Zip with deflate.
    case zip
}

/// The one type that talks to libarchive: writes directory and file entries into an archive
/// (a file descriptor) or onto disk. Every return code is checked; the handle is freed when the
/// writer goes away; libarchive's own message is kept in the thrown error.
final class ArchiveWriter {
    /// Where the entries go.
    enum Destination {
        /// An archive written to an open file descriptor (left open: the caller owns it).
        case archive(ArchiveFormat, fileDescriptor: Int32)
        /// Files and folders created on disk; entry paths must then be absolute.
        case disk
    }

    private let handle: OpaquePointer
    private let label: String

    /// Prepares the writer; `label` names the output in errors.
    init(_ destination: Destination, label: String) throws {
        self.label = label
        if let reason = tutor_archive_load_error() {
            throw MissingLibrary(
                library: "libarchive", purpose: "to write the project", debianPackage: "libarchive13",
                reason: String(cString: reason))
        }
        switch destination {
        case .disk:
            guard let disk = archive_write_disk_new() else {
                throw ScaffoldError.cannotWrite(path: label, reason: "libarchive cannot allocate a disk writer")
            }
            handle = disk
            let options =
                ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_NO_OVERWRITE
                | ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT
            try check(archive_write_disk_set_options(handle, options), "setting disk options")
        case .archive(let format, let fileDescriptor):
            guard let archive = archive_write_new() else {
                throw ScaffoldError.cannotWrite(path: label, reason: "libarchive cannot allocate a writer")
            }
            handle = archive
            switch format {
            case .tar:
                try check(archive_write_set_format_pax_restricted(handle), "choosing the tar format")
            case .tarGzip:
                try check(archive_write_set_format_pax_restricted(handle), "choosing the tar format")
                try check(archive_write_add_filter_gzip(handle), "adding gzip compression")
                // Without this, gzip stores the current time and two renders differ.
                try check(
                    archive_write_set_filter_option(handle, "gzip", "timestamp", nil), "turning off the gzip timestamp")
            case .zip:
                try check(archive_write_set_format_zip(handle), "choosing the zip format")
            }
            try check(archive_write_open_fd(handle, fileDescriptor), "opening the output")
        }
    }

    deinit {
        // archive_write_free also closes a writer that was not finished.
        archive_write_free(handle)
    }

    /// Adds a folder entry.
    func addDirectory(path: String, mode: UInt16, modificationTime: Int) throws {
        try add(path: path, type: 0o040000, mode: mode, modificationTime: modificationTime, contents: nil)
    }

    /// Adds a regular file with its contents.
    func addFile(path: String, contents: Data, mode: UInt16, modificationTime: Int) throws {
        try add(path: path, type: 0o100000, mode: mode, modificationTime: modificationTime, contents: contents)
    }

    /// Writes what is buffered (the archive's end, folder times on disk); the writer is then done.
    func finish() throws {
        try check(archive_write_close(handle), "finishing the output")
    }

    private func add(path: String, type: UInt32, mode: UInt16, modificationTime: Int, contents: Data?) throws {
        guard let entry = archive_entry_new() else {
            throw ScaffoldError.cannotWrite(path: label, reason: "libarchive cannot allocate an entry")
        }
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname(entry, path)
        archive_entry_set_filetype(entry, type)
        archive_entry_set_perm(entry, mode_t(mode))
        archive_entry_set_mtime(entry, time_t(modificationTime), 0)
        // Owner 0:0 and no owner names, so archives do not depend on who rendered them.
        archive_entry_set_uid(entry, 0)
        archive_entry_set_gid(entry, 0)
        archive_entry_set_size(entry, Int64(contents?.count ?? 0))
        try check(archive_write_header(handle, entry), "adding \(path)")
        if let contents, !contents.isEmpty {
            let written = contents.withUnsafeBytes { buffer in
                archive_write_data(handle, buffer.baseAddress, buffer.count)
            }
            guard written == contents.count else {
                throw ScaffoldError.cannotWrite(path: label, reason: "writing \(path): \(message())")
            }
        }
        try check(archive_write_finish_entry(handle), "finishing \(path)")
    }

    private func check(_ status: Int32, _ action: String) throws {
        guard status == ARCHIVE_OK else {
            throw ScaffoldError.cannotWrite(path: label, reason: "\(action): \(message())")
        }
    }

    private func message() -> String {
        if let text = archive_error_string(handle) { return String(cString: text) }
        let number = archive_errno(handle)
        return number != 0 ? String(cString: strerror(number)) : "libarchive gave no reason"
    }
}
