import Foundation
import Testing
import TutorSupport

@testable import TutorScaffold

/// `tutor render`'s command line: variable names it does not know, a missing secret, and a tar
/// stream bound for a terminal.
@Suite("tutor render options")
struct RenderOptionsTests {
    static let flaskVariables = "CLIENT_ID, CLIENT_SECRET, AUTHORITY, REDIRECT_URI, REQUESTS_CA_BUNDLE"

    /// Runs `tutor render` on the flask template with the sandbox values, `--var` replaced by
    /// `replacing`, plus `extra`; checks that the folder stays empty.
    static func render(
        replacing: [String: String?] = [:], extra: [String], secretEnvironment: Bool = true
    ) throws -> (status: Int32, output: Data, error: String) {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var values = TestSupport.sandboxValues
        values["CLIENT_SECRET"] = nil
        for (name, value) in replacing { values[name] = value }
        var arguments = ["render", "--template", TestSupport.flaskTemplate.path]
        arguments += values.sorted { $0.key < $1.key }.flatMap { ["--var", "\($0.key)=\($0.value)"] }
        if secretEnvironment { arguments += ["--secret-env", "CLIENT_SECRET=TUTOR_TEST_SECRET"] }
        let result = try TestSupport.runTutor(
            arguments + extra + ["--out", "app"], environment: ["TUTOR_TEST_SECRET": RenderCommandTests.secret],
            currentDirectory: folder)
        if result.status != 0 { #expect(TestSupport.listing(folder).isEmpty) }
        return result
    }

    @Test func aMisspelledVariableIsRefusedWithASuggestion() throws {
        let result = try Self.render(extra: ["--var", "CLIENT_ld=3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b"])
        #expect(result.status == TutorSupport.ExitStatus.usage.rawValue, "\(result.error)")
        #expect(result.error.contains("--var CLIENT_ld: the template flask-webapp has no variable CLIENT_ld"))
        #expect(result.error.contains("did you mean CLIENT_ID?"), "\(result.error)")
        #expect(result.error.contains(Self.flaskVariables), "\(result.error)")
    }

    @Test func aNameFarFromEveryVariableGetsNoGuess() throws {
        let result = try Self.render(extra: ["--var", "PORT=5000"])
        #expect(result.status == TutorSupport.ExitStatus.usage.rawValue)
        #expect(!result.error.contains("did you mean"), "\(result.error)")
        #expect(result.error.contains(Self.flaskVariables))
    }

    @Test func aDerivedValueNamesWhatItIsComputedFrom() throws {
        let result = try Self.render(extra: ["--var", "REDIRECT_PORT=8000"])
        #expect(result.status == TutorSupport.ExitStatus.usage.rawValue)
        #expect(result.error.contains("REDIRECT_PORT is computed from REDIRECT_URI"), "\(result.error)")
    }

    @Test func anUnknownSecretEnvNameIsRefusedAndItsValueNeverShown() throws {
        let result = try Self.render(
            extra: ["--secret-env", "CLIENT_SECRT=TUTOR_TEST_SECRET"], secretEnvironment: false)
        #expect(result.status == TutorSupport.ExitStatus.usage.rawValue, "\(result.error)")
        #expect(result.error.contains("--secret-env CLIENT_SECRT"), "\(result.error)")
        #expect(result.error.contains("did you mean CLIENT_SECRET?"), "\(result.error)")
        #expect(!result.error.contains(RenderCommandTests.secret))
    }

    @Test func aMissingSecretPointsAtSecretEnv() throws {
        let result = try Self.render(extra: [], secretEnvironment: false)
        #expect(result.status == TutorSupport.ExitStatus.dataError.rawValue, "\(result.error)")
        #expect(result.error.contains("--secret-env CLIENT_SECRET=ENV_VAR"), "\(result.error)")
        #expect(!result.error.contains("--var CLIENT_SECRET"), "\(result.error)")
    }

    @Test(
        arguments: [
            ("client_id", "CLIENT_ID"), ("CLIENT_ld", "CLIENT_ID"), ("AUTORITY", "AUTHORITY"),
            ("REDIRECT_URL", "REDIRECT_URI"), ("SECRET", nil), ("X", nil),
        ] as [(String, String?)])
    func closestName(given: String, expected: String?) throws {
        let manifest = try ProjectTemplate(folder: TestSupport.flaskTemplate).manifest
        #expect(Suggestion.closest(to: given, among: manifest.variables.map(\.name)) == expected)
    }

    @Test func editDistance() {
        #expect(Suggestion.editDistance("kitten", "sitting") == 3)
        #expect(Suggestion.editDistance("", "abc") == 3)
        #expect(Suggestion.editDistance("same", "same") == 0)
    }

    // MARK: - A terminal on standard output

    /// Runs `command` under `script` (util-linux), so that its standard output is a real
    /// pseudo-terminal; returns the exit status and everything the terminal showed.
    static func runOnATerminal(_ command: String, in folder: URL) throws -> (status: Int32, shown: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", command, "/dev/null"]
        process.currentDirectoryURL = folder
        var environment = ProcessInfo.processInfo.environment
        environment["TUTOR_TEST_SECRET"] = RenderCommandTests.secret
        environment["SOURCE_DATE_EPOCH"] = "1767323045"
        process.environment = environment
        let shown = folder.appendingPathComponent("terminal.log")
        FileManager.default.createFile(atPath: shown.path, contents: nil)
        let handle = try FileHandle(forWritingTo: shown)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try handle.close()
        let text = String(decoding: try Data(contentsOf: shown), as: UTF8.self)
        try FileManager.default.removeItem(at: shown)
        return (process.terminationStatus, text)
    }

    /// A shell command line for `tutor render … --out -` (the test paths hold no quote).
    static func renderToStandardOutput() throws -> String {
        let arguments =
            [try TestSupport.tutorExecutable().path, "render", "--template", TestSupport.flaskTemplate.path]
            + RenderCommandTests.variableArguments() + ["--out", "-"]
        return arguments.map { "'\($0)'" }.joined(separator: " ")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs util-linux script"))
    func aTarStreamIsNeverPrintedOnATerminal() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let refused = try Self.runOnATerminal(try Self.renderToStandardOutput(), in: folder)
        #expect(refused.status == TutorSupport.ExitStatus.usage.rawValue, "\(refused.shown)")
        #expect(refused.shown.contains("refusing to write a tar stream"), "\(refused.shown)")
        #expect(!refused.shown.contains(RenderCommandTests.secret))
        #expect(!refused.shown.contains("CLIENT_ID"))
        #expect(TestSupport.listing(folder).isEmpty)
        // The control: on the same terminal, with standard output redirected, the stream is written.
        let redirected = try Self.runOnATerminal(try Self.renderToStandardOutput() + " > project.tar", in: folder)
        #expect(redirected.status == 0, "\(redirected.shown)")
        let entries = try readArchive(try Data(contentsOf: folder.appendingPathComponent("project.tar")))
        #expect(entries.contains { $0.path == ".env" })
    }
}
