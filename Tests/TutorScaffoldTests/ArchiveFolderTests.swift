import Foundation
import Testing

@testable import TutorScaffold

/// Archives unpack into one folder (`myapp.tar.gz` → `myapp/`), `--prefix` changes or drops it,
/// and `--out` creates a missing parent folder.
@Suite("Archive folder and output parents")
struct ArchiveFolderTests {
    /// Paths without a trailing `/`, as the tests compare them.
    static func paths(_ entries: [ArchiveEntry]) -> [String] {
        entries.map(\.path).map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
    }

    static func under(_ folder: String) -> [String] {
        [folder] + OutputTests.expectedPaths.map { folder + "/" + $0 }
    }

    @Test(arguments: [
        ("myapp.tar.gz", "myapp"), ("x.zip", "x"), ("x.tar", "x"), ("My.App.TGZ", "My.App"),
    ])
    func theFolderIsTheArchiveNameWithoutExtension(name: String, folder: String) throws {
        let base = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: base) }
        let url = base.appendingPathComponent(name)
        try OutputTests.render(to: try OutputTarget(path: url.path))
        #expect(Self.paths(try readArchive(try Data(contentsOf: url))) == Self.under(folder))
    }

    @Test(arguments: [(String?.none, ArchiveFolder.automatic), ("", .none), (".", .none), ("app", .named("app"))])
    func prefixValues(prefix: String?, expected: ArchiveFolder) throws {
        #expect(try ArchiveFolder(prefix: prefix) == expected)
    }

    @Test(arguments: ["a/b", "..", "/app", "a\nb"])
    func prefixesThatAreNotOneFolderAreRefused(prefix: String) throws {
        let error = try #require(throws: ScaffoldError.self) { try ArchiveFolder(prefix: prefix) }
        #expect(error.exitStatus == .usage)
    }

    @Test func prefixRenamesOrDropsTheFolder() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var result = try RenderCommandTests.render(["--out", "a.tgz", "--prefix", "webapp"], in: folder)
        #expect(result.status == 0, "\(result.error)")
        #expect(
            Self.paths(try readArchive(try Data(contentsOf: folder.appendingPathComponent("a.tgz"))))
                == Self.under("webapp"))
        result = try RenderCommandTests.render(["--out", "b.zip", "--prefix", "."], in: folder)
        #expect(result.status == 0, "\(result.error)")
        #expect(
            Self.paths(try readArchive(try Data(contentsOf: folder.appendingPathComponent("b.zip"))))
                == OutputTests.expectedPaths)
    }

    @Test func aStreamHasNoFolderUnlessAsked() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var result = try RenderCommandTests.render(["--out", "-"], in: folder)
        #expect(result.status == 0, "\(result.error)")
        #expect(Self.paths(try readArchive(result.output)) == OutputTests.expectedPaths)
        result = try RenderCommandTests.render(["--out", "-", "--prefix", "app"], in: folder)
        #expect(result.status == 0, "\(result.error)")
        #expect(Self.paths(try readArchive(result.output)) == Self.under("app"))
    }

    @Test func prefixOnAFolderOutputIsAUsageError() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try RenderCommandTests.render(["--out", "app", "--prefix", "x"], in: folder)
        #expect(result.status == 64)
        #expect(result.error.contains("--prefix"), "\(result.error)")
        #expect(TestSupport.listing(folder).isEmpty)
    }

    /// The real tools agree: `tar xzf myapp.tar.gz` and `unzip x.zip` make one folder.
    @Test(arguments: [("myapp.tar.gz", ["tar", "xzf"]), ("x.zip", ["unzip", "-q"])])
    func realToolsUnpackIntoOneFolder(name: String, command: [String]) throws {
        let tool = ["/usr/bin/", "/bin/"].map { $0 + command[0] }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        guard let tool else { return }
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let archive = folder.appendingPathComponent(name)
        try OutputTests.render(to: try OutputTarget(path: archive.path))
        let unpacked = folder.appendingPathComponent("unpacked")
        try FileManager.default.createDirectory(at: unpacked, withIntermediateDirectories: false)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = Array(command.dropFirst()) + [archive.path]
        process.currentDirectoryURL = unpacked
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let folderName = ArchiveFolder.baseName(of: name)
        #expect(try FileManager.default.contentsOfDirectory(atPath: unpacked.path) == [folderName])
        #expect(TestSupport.listing(unpacked.appendingPathComponent(folderName)) == OutputTests.expectedPaths)
    }

    @Test func aMissingParentIsCreated() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var result = try RenderCommandTests.render(["--out", "deep/er/app.tgz"], in: folder)
        #expect(result.status == 0, "\(result.error)")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("deep/er/app.tgz").path))
        result = try RenderCommandTests.render(["--out", "other/app"], in: folder)
        #expect(result.status == 0, "\(result.error)")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("other/app/.env").path))
    }

    @Test func aFailedRenderRemovesTheParentsItCreated() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var values = TestSupport.sandboxValues
        values["CLIENT_ID"] = "not-a-guid"
        let result = try RenderCommandTests.render(["--out", "new/app.tgz"], values: values, in: folder)
        #expect(result.status == 65)
        #expect(TestSupport.listing(folder).isEmpty)
    }
}
