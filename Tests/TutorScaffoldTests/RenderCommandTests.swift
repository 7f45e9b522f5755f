import Foundation
import Testing
import TutorSupport

@testable import TutorScaffold

/// `tutor render` as a process: exit statuses, what is printed, and that every refusal leaves
/// the output's folder exactly as it was.
@Suite("tutor render")
struct RenderCommandTests {
    static let secret = "s3cr3t~FromTheEnvironment"

    static func variableArguments(_ values: [String: String] = TestSupport.sandboxValues) -> [String] {
        values.filter { $0.key != "CLIENT_SECRET" }.sorted { $0.key < $1.key }.flatMap {
            ["--var", "\($0.key)=\($0.value)"]
        }
            + ["--secret-env", "CLIENT_SECRET=TUTOR_TEST_SECRET"]
    }

    static func render(_ extra: [String], values: [String: String] = TestSupport.sandboxValues, in folder: URL) throws
        -> (status: Int32, output: Data, error: String)
    {
        try TestSupport.runTutor(
            ["render", "--template", TestSupport.flaskTemplate.path] + variableArguments(values) + extra,
            environment: ["TUTOR_TEST_SECRET": secret, "SOURCE_DATE_EPOCH": "1767323045"], currentDirectory: folder)
    }

    @Test func rendersAFolderAndNeverPrintsTheSecret() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try Self.render(["--out", "flask-app"], in: folder)
        #expect(result.status == 0, "\(result.error)")
        #expect(String(decoding: result.output, as: UTF8.self).contains("rendered 10 files"))
        #expect(!String(decoding: result.output, as: UTF8.self).contains(Self.secret))
        #expect(!result.error.contains(Self.secret))
        let env = try String(contentsOf: folder.appendingPathComponent("flask-app/.env"), encoding: .utf8)
        #expect(env.contains("CLIENT_SECRET='\(Self.secret)'"))
    }

    @Test func streamsATarOnStandardOutput() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try Self.render(["--out", "-"], in: folder)
        #expect(result.status == 0, "\(result.error)")
        let entries = try readArchive(result.output)
        #expect(entries.map(\.path).map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 } == OutputTests.expectedPaths)
        #expect(entries.first { $0.path == ".env" }?.mode == 0o600)
        #expect(entries.allSatisfy { $0.modificationTime == 1_767_323_045 })
        #expect(TestSupport.listing(folder).isEmpty)
    }

    @Test func rendersFromAStateFolder() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let state = folder.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: false)
        try RunStateTests.writeState(in: state, record: RunStateTests.record, secrets: RunStateTests.secrets)
        let result = try TestSupport.runTutor(
            ["render", "--template", TestSupport.flaskTemplate.path, "--state-dir", "state", "--out", "p.tgz"],
            currentDirectory: folder)
        #expect(result.status == 0, "\(result.error)")
        let entries = try readArchive(try Data(contentsOf: folder.appendingPathComponent("p.tgz")))
        let env = String(decoding: entries.first { $0.path == "p/.env" }?.contents ?? Data(), as: UTF8.self)
        #expect(env.contains("CLIENT_SECRET='abc~123'"))
        #expect(env.contains("REQUESTS_CA_BUNDLE='/tmp/ca.pem'"))
        // From a run, the README says the run prepared the registration.
        let readme = entries.first { $0.path == "p/README.md" }?.contents ?? Data()
        #expect(String(decoding: readme, as: UTF8.self).contains("`tutor run` prepared"))
        // Without SOURCE_DATE_EPOCH the time is the run's start.
        let started = Int(ISO8601DateFormatter().date(from: "2026-03-04T05:06:07Z")!.timeIntervalSince1970)
        #expect(entries.allSatisfy { $0.modificationTime == started })
    }

    @Test func aSecretOnTheCommandLineIsRefused() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try TestSupport.runTutor(
            ["render", "--template", TestSupport.flaskTemplate.path, "--var", "CLIENT_SECRET=visible", "--out", "x"],
            currentDirectory: folder)
        #expect(result.status == TutorSupport.ExitStatus.usage.rawValue)
        #expect(result.error.contains("--secret-env"))
        #expect(!result.error.contains("visible"))
        #expect(TestSupport.listing(folder).isEmpty)
    }

    /// A refusal case: what to prepare, the arguments, the exit status and a bit of the message.
    struct Refusal: CustomTestStringConvertible, Sendable {
        var name: String
        var prepare: @Sendable (URL) throws -> Void = { _ in }
        var values: [String: String] = TestSupport.sandboxValues
        var template: String? = nil
        var out: String
        var status: TutorSupport.ExitStatus
        var message: String
        var testDescription: String { name }
    }

    static let refusals: [Refusal] = [
        Refusal(
            name: "missing variable", values: TestSupport.sandboxValues.filter { $0.key != "AUTHORITY" }, out: "app",
            status: .dataError, message: "AUTHORITY"),
        Refusal(
            name: "invalid variable",
            values: TestSupport.sandboxValues.merging(["REDIRECT_URI": "localhost:3000"]) { $1 }, out: "app.tgz",
            status: .dataError, message: "REDIRECT_URI 'localhost:3000' is invalid: it must be an absolute"),
        Refusal(
            name: "non-empty folder",
            prepare: { folder in
                try FileManager.default.createDirectory(
                    at: folder.appendingPathComponent("app"), withIntermediateDirectories: false)
                try Data("mine".utf8).write(to: folder.appendingPathComponent("app/keep.txt"))
            }, out: "app", status: .cannotCreate, message: "not empty"),
        Refusal(
            name: "existing archive",
            prepare: { folder in try Data("mine".utf8).write(to: folder.appendingPathComponent("app.zip")) },
            out: "app.zip", status: .cannotCreate, message: "already exists"),
        Refusal(
            name: "unsafe manifest path",
            prepare: { folder in
                _ = try TestSupport.makeTemplate(
                    in: folder,
                    manifest:
                        #"{"formatVersion": 1, "name": "t", "files": [{"path": "../escape.txt", "source": "a"}]}"#,
                    files: ["a": "x"])
            }, template: "template", out: "app.tar", status: .dataError, message: "../escape.txt"),
        Refusal(name: "unknown extension", out: "app.tar.xz", status: .usage, message: "cannot tell what to write"),
        Refusal(
            name: "unwritable target",
            prepare: { folder in try Data("a file".utf8).write(to: folder.appendingPathComponent("blocker")) },
            out: "blocker/app.tgz", status: .cannotCreate, message: "cannot create"),
        Refusal(
            name: "unwritable folder target",
            prepare: { folder in try Data("a file".utf8).write(to: folder.appendingPathComponent("blocker")) },
            out: "blocker/app", status: .cannotCreate, message: "cannot create"),
        Refusal(
            name: "parent is a file", prepare: { try Data("x".utf8).write(to: $0.appendingPathComponent("file")) },
            out: "file/app.zip", status: .cannotCreate, message: "is not a folder this user can write in"),
    ]

    @Test(arguments: refusals)
    func refusalsLeaveNothingBehind(refusal: Refusal) throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try refusal.prepare(folder)
        let before = TestSupport.listing(folder)
        let beforeContents = before.map { try? Data(contentsOf: folder.appendingPathComponent($0)) }
        let template = refusal.template.map { folder.appendingPathComponent($0).path } ?? TestSupport.flaskTemplate.path
        let result = try TestSupport.runTutor(
            ["render", "--template", template] + Self.variableArguments(refusal.values) + ["--out", refusal.out],
            environment: ["TUTOR_TEST_SECRET": Self.secret], currentDirectory: folder)
        #expect(result.status == refusal.status.rawValue, "\(result.error)")
        #expect(result.error.contains(refusal.message), "\(result.error)")
        #expect(!result.error.contains(Self.secret))
        #expect(TestSupport.listing(folder) == before)
        #expect(before.map { try? Data(contentsOf: folder.appendingPathComponent($0)) } == beforeContents)
    }

    @Test(.enabled(if: geteuid() != 0, "root ignores folder permissions"))
    func aReadOnlyFolderIsExit73() throws {
        let folder = try TestSupport.temporaryFolder()
        defer {
            chmod(folder.path, 0o755)
            try? FileManager.default.removeItem(at: folder)
        }
        chmod(folder.path, 0o555)
        let result = try Self.render(["--out", "app.tgz"], in: folder)
        #expect(result.status == TutorSupport.ExitStatus.cannotCreate.rawValue)
        #expect(TestSupport.listing(folder).isEmpty)
    }
}
