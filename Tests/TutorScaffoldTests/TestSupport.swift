import CArchive
import Foundation
import Testing
import TutorTestSupport

@testable import TutorScaffold

/// Paths and values the scaffold tests share.
enum TestSupport {
    /// The package's root folder (this file is Tests/TutorScaffoldTests/TestSupport.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    /// The real template.
    static let flaskTemplate = packageRoot.appendingPathComponent("Templates/flask-webapp")
    /// This target's fixtures, read from the source tree so snapshots can be updated in place.
    static let fixtures = packageRoot.appendingPathComponent("Tests/TutorScaffoldTests/Fixtures")
    /// The fixed time used by the tests: 2026-01-02T03:04:05Z.
    static let fixedTime = Date(timeIntervalSince1970: 1_767_323_045)

    /// Values a sandbox run would hand to the template.
    static let sandboxValues: [String: String] = [
        "CLIENT_ID": "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b",
        "CLIENT_SECRET": "s3cr3t~Value.With_Odd'Chars\\",
        "AUTHORITY": "https://localhost:8443/9b2f4c1e-7a3d-4e5f-8c6b-1a2b3c4d5e6f",
        "REDIRECT_URI": "http://localhost:3000/getAToken",
        "REQUESTS_CA_BUNDLE": "/home/learner/.local/state/tutor/sandbox/ca.pem",
    ]

    /// Values a run against a real tenant would hand to the template.
    static var tenantValues: [String: String] {
        var values = sandboxValues
        values["AUTHORITY"] = "https://contoso.ciamlogin.com/contoso.onmicrosoft.com"
        values["REQUESTS_CA_BUNDLE"] = nil
        return values
    }

    /// A fresh empty folder, removed by the caller with `removeItem`.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tutor-scaffold-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Every name in `folder`, recursively, sorted (hidden files included).
    static func listing(_ folder: URL) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        return (enumerator.allObjects as? [String] ?? []).sorted()
    }

    /// A template folder with `manifest` as its template.json and the given source files.
    static func makeTemplate(in folder: URL, manifest: String, files: [String: String]) throws -> URL {
        let template = folder.appendingPathComponent("template")
        try FileManager.default.createDirectory(
            at: template.appendingPathComponent("files"), withIntermediateDirectories: true)
        try Data(manifest.utf8).write(to: template.appendingPathComponent("template.json"))
        for (path, contents) in files {
            let url = template.appendingPathComponent("files").appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(contents.utf8).write(to: url)
        }
        return template
    }

    /// The built `tutor` executable.
    static func tutorExecutable() throws -> URL {
        try TutorExecutable.url()
    }

    /// Runs `tutor` with `arguments`; returns its exit status, standard output and standard error.
    static func runTutor(
        _ arguments: [String], environment: [String: String] = [:], currentDirectory: URL? = nil
    ) throws -> (status: Int32, output: Data, error: String) {
        let process = Process()
        process.executableURL = try tutorExecutable()
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        merged["SOURCE_DATE_EPOCH"] = nil
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        // Files rather than pipes: a large tar stream can never block the child this way.
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outputURL = folder.appendingPathComponent("stdout")
        let errorURL = folder.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        let outputHandle = try FileHandle(forWritingTo: outputURL)
        let errorHandle = try FileHandle(forWritingTo: errorURL)
        process.standardOutput = outputHandle
        process.standardError = errorHandle
        try process.run()
        process.waitUntilExit()
        try outputHandle.close()
        try errorHandle.close()
        let output = try Data(contentsOf: outputURL)
        let errorText = String(decoding: try Data(contentsOf: errorURL), as: UTF8.self)
        return (process.terminationStatus, output, errorText)
    }
}

/// A failure with a message, for helpers that must stop a test.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One entry of an archive as libarchive reads it back.
struct ArchiveEntry: Equatable {
    var path: String
    var isDirectory: Bool
    var mode: UInt16
    var modificationTime: Int
    var uid: Int64
    var gid: Int64
    var userName: String?
    var groupName: String?
    var contents: Data
}

/// Reads any archive libarchive understands (the tests' independent check of what was written).
func readArchive(_ data: Data) throws -> [ArchiveEntry] {
    guard let archive = archive_read_new() else { throw TestFailure("archive_read_new failed") }
    defer { archive_read_free(archive) }
    archive_read_support_format_all(archive)
    archive_read_support_filter_all(archive)
    return try data.withUnsafeBytes { buffer -> [ArchiveEntry] in
        guard archive_read_open_memory(archive, buffer.baseAddress, buffer.count) == ARCHIVE_OK else {
            throw TestFailure("cannot open archive: \(String(cString: archive_error_string(archive)))")
        }
        var entries: [ArchiveEntry] = []
        var entry: OpaquePointer?
        while true {
            let status = archive_read_next_header(archive, &entry)
            if status == ARCHIVE_EOF { break }
            guard status == ARCHIVE_OK, let entry else {
                throw TestFailure("cannot read entry: \(String(cString: archive_error_string(archive)))")
            }
            var contents = Data()
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = archive_read_data(archive, &chunk, chunk.count)
                if count < 0 {
                    throw TestFailure("cannot read data: \(String(cString: archive_error_string(archive)))")
                }
                if count == 0 { break }
                contents.append(contentsOf: chunk[0..<count])
            }
            entries.append(
                ArchiveEntry(
                    path: String(cString: archive_entry_pathname(entry)),
                    isDirectory: archive_entry_filetype(entry) == 0o040000,
                    mode: UInt16(archive_entry_perm(entry)),
                    modificationTime: Int(archive_entry_mtime(entry)),
                    uid: archive_entry_uid(entry), gid: archive_entry_gid(entry),
                    userName: archive_entry_uname(entry).map { String(cString: $0) },
                    groupName: archive_entry_gname(entry).map { String(cString: $0) },
                    contents: contents))
        }
        return entries
    }
}
