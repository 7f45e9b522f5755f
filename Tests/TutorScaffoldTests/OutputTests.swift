import Foundation
import Testing
import TutorSupport

@testable import TutorScaffold

@Suite("Outputs")
struct OutputTests {
    static let expectedPaths = [
        ".env", ".env.sample", ".gitignore", "README.md", "app.py", "requirements.txt", "templates",
        "templates/base.html", "templates/error.html", "templates/identity", "templates/identity/auth_error.html",
        "templates/index.html",
    ]

    static func render(to target: OutputTarget, force: Bool = false, time: Date = TestSupport.fixedTime) throws {
        try ProjectRenderer().render(
            template: TestSupport.flaskTemplate, variables: TestSupport.sandboxValues, to: target, force: force,
            fixedTime: time)
    }

    static func expectedContents() throws -> [String: Data] {
        let files = try ProjectTemplate(folder: TestSupport.flaskTemplate).render(values: TestSupport.sandboxValues)
        return Dictionary(uniqueKeysWithValues: files.map { ($0.path, $0.contents) })
    }

    @Test(arguments: ["project.tar", "project.tar.gz", "project.tgz", "project.zip"])
    func archivesReadBackWithEverything(name: String) throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent(name)
        try Self.render(to: try OutputTarget(path: url.path))
        // Everything sits in one folder named after the archive.
        let entries = try readArchive(try Data(contentsOf: url))
        let paths = entries.map(\.path).map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        #expect(paths == ["project"] + Self.expectedPaths.map { "project/" + $0 })
        let contents = try Self.expectedContents()
        for var entry in entries {
            entry.path = entry.path == "project/" ? "" : String(entry.path.dropFirst("project/".count))
            #expect(entry.modificationTime == Int(TestSupport.fixedTime.timeIntervalSince1970), "\(entry.path)")
            #expect(entry.uid == 0 && entry.gid == 0, "\(entry.path)")
            #expect((entry.userName ?? "").isEmpty && (entry.groupName ?? "").isEmpty, "\(entry.path)")
            if entry.isDirectory {
                #expect(entry.mode == 0o755, "\(entry.path)")
            } else {
                #expect(entry.contents == contents[entry.path], "\(entry.path)")
                #expect(entry.mode == (entry.path == ".env" ? 0o600 : 0o644), "\(entry.path)")
            }
        }
        // The archive holds the secret, so it is private too; no temporary file is left over.
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(TestSupport.listing(folder) == [name])
    }

    @Test func gzipHeaderHasNoTimestampAndNoName() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("p.tgz")
        try Self.render(to: .archive(url, .tarGzip))
        let bytes = [UInt8](try Data(contentsOf: url))
        #expect(bytes[0] == 0x1f && bytes[1] == 0x8b)
        #expect(bytes[3] & 0x08 == 0, "FNAME flag set")
        #expect(bytes[4..<8].allSatisfy { $0 == 0 }, "MTIME set")
    }

    @Test(arguments: ["a.tar", "a.tar.gz", "a.zip"])
    func twoRendersAreByteIdentical(name: String) throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // The same name in two folders: the name is the archive's top folder.
        let first = folder.appendingPathComponent("1/" + name)
        let second = folder.appendingPathComponent("2/" + name)
        try Self.render(to: try OutputTarget(path: first.path))
        try Self.render(to: try OutputTarget(path: second.path))
        #expect(try Data(contentsOf: first) == (try Data(contentsOf: second)))
    }

    @Test func directoryOutputKeepsModesAndTimes() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("flask-app")
        try Self.render(to: .directory(output))
        #expect(TestSupport.listing(output) == Self.expectedPaths)
        let contents = try Self.expectedContents()
        for path in Self.expectedPaths {
            let url = output.appendingPathComponent(path)
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue
            let isFolder = (attributes[.type] as? FileAttributeType) == .typeDirectory
            #expect(mode == (isFolder ? 0o755 : path == ".env" ? 0o600 : 0o644), "\(path)")
            #expect((attributes[.modificationDate] as? Date) == TestSupport.fixedTime, "\(path)")
            if !isFolder { #expect(try Data(contentsOf: url) == contents[path], "\(path)") }
        }
        // Only the output itself: the temporary sibling was renamed into place.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["flask-app"])
    }

    @Test func anEmptyFolderIsFilledWithoutForce() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("flask-app")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: false)
        try Self.render(to: .directory(output))
        #expect(TestSupport.listing(output) == Self.expectedPaths)
    }

    @Test func forceReplacesANonEmptyFolderAndAnArchive() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("flask-app")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: false)
        try Data("old".utf8).write(to: output.appendingPathComponent("old.txt"))
        try Self.render(to: .directory(output), force: true)
        #expect(TestSupport.listing(output) == Self.expectedPaths)
        let archive = folder.appendingPathComponent("p.zip")
        try Data("old".utf8).write(to: archive)
        try Self.render(to: .archive(archive, .zip), force: true)
        #expect(try readArchive(try Data(contentsOf: archive)).count == Self.expectedPaths.count + 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["flask-app", "p.zip"])
    }

    @Test(arguments: [
        ("out", OutputTarget.directory(URL(fileURLWithPath: "/base/out"))),
        ("out/", .directory(URL(fileURLWithPath: "/base/out"))),
        ("sub/p.tar", .archive(URL(fileURLWithPath: "/base/sub/p.tar"), .tar)),
        ("p.TAR.GZ", .archive(URL(fileURLWithPath: "/base/p.TAR.GZ"), .tarGzip)),
        ("p.tgz", .archive(URL(fileURLWithPath: "/base/p.tgz"), .tarGzip)),
        ("/abs/p.zip", .archive(URL(fileURLWithPath: "/abs/p.zip"), .zip)),
        ("-", .standardOutput),
    ])
    func outputKindFollowsThePath(path: String, expected: OutputTarget) throws {
        #expect(try OutputTarget(path: path, relativeTo: URL(fileURLWithPath: "/base")) == expected)
    }

    @Test(arguments: ["p.tar.bz2", "p.rar", "p.txt", ""])
    func unknownExtensionsAreRefused(path: String) throws {
        let error = try #require(throws: ScaffoldError.self) {
            try OutputTarget(path: path, relativeTo: URL(fileURLWithPath: "/base"))
        }
        #expect(error.exitStatus == .usage)
    }
}

@Suite("Output preflight")
struct OutputPreflightTests {
    @Test func preflightRefusesWhatWritingWouldRefuse() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("x".utf8).write(to: folder.appendingPathComponent("p.tgz"))
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("full"), withIntermediateDirectories: false)
        try Data("x".utf8).write(to: folder.appendingPathComponent("full/a"))
        let archive = OutputTarget.archive(folder.appendingPathComponent("p.tgz"), .tarGzip)
        #expect(throws: ScaffoldError.self) { try archive.preflight(force: false) }
        try archive.preflight(force: true)
        let full = OutputTarget.directory(folder.appendingPathComponent("full"))
        #expect(throws: ScaffoldError.self) { try full.preflight(force: false) }
        try full.preflight(force: true)
        try OutputTarget.directory(folder.appendingPathComponent("new")).preflight(force: false)
        // A missing parent is created when writing (as `tutor run` creates .tutor/); preflight
        // only checks the nearest folder that exists, and creates nothing.
        try OutputTarget.directory(folder.appendingPathComponent("missing/new")).preflight(force: false)
        let underAFile = OutputTarget.directory(folder.appendingPathComponent("full/a/new"))
        let error = try #require(throws: ScaffoldError.self) { try underAFile.preflight(force: false) }
        #expect(error.exitStatus == .cannotCreate)
        try OutputTarget.standardOutput.preflight(force: false)
        #expect(TestSupport.listing(folder) == ["full", "full/a", "p.tgz"])
    }
}
