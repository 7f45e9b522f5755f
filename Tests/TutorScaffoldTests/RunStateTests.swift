import Foundation
import Testing
import TutorRecord
import TutorSupport

@testable import TutorScaffold

@Suite("Run state")
struct RunStateTests {
    static func writeState(in folder: URL, record: String, secrets: String?) throws {
        try Data(record.utf8).write(to: folder.appendingPathComponent("record.json"))
        if let secrets { try Data(secrets.utf8).write(to: folder.appendingPathComponent("secrets.json")) }
    }

    static let record = """
        {"tool": {"name": "tutor", "version": "0.1.0"}, "status": "succeeded",
         "tutorial": {"path": "t.md", "sha256": "00"}, "tenant": {"graphURL": "https://g", "sandbox": true},
         "steps": [], "inputs": {}, "captures": {}, "resources": [],
         "startedAt": "2026-03-04T05:06:07Z",
         "outputs": {"CLIENT_ID": "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b", "CLIENT_SECRET": "[REDACTED]",
                     "AUTHORITY": "https://localhost:8443/9b2f4c1e-7a3d-4e5f-8c6b-1a2b3c4d5e6f",
                     "REDIRECT_URI": "http://localhost:3000/getAToken",
                     "REQUESTS_CA_BUNDLE": "/tmp/ca.pem"}}
        """
    static let secrets = #"{"variables": {"clientSecret": "abc~123"}, "outputs": {"CLIENT_SECRET": "abc~123"}}"#

    @Test func outputsWithSecretsRestored() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.writeState(in: folder, record: Self.record, secrets: Self.secrets)
        let state = try RunStateVariables(stateDirectory: folder)
        #expect(state.variables["CLIENT_SECRET"] == "abc~123")
        #expect(state.variables["CLIENT_ID"] == "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b")
        #expect(state.variables["REQUESTS_CA_BUNDLE"] == "/tmp/ca.pem")
        #expect(state.startedAt == ISO8601DateFormatter().date(from: "2026-03-04T05:06:07Z"))
    }

    @Test func aRedactedOutputWithoutItsSecretIsAnError() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.writeState(in: folder, record: Self.record, secrets: nil)
        let error = try #require(throws: ScaffoldError.self) { try RunStateVariables(stateDirectory: folder) }
        #expect(error.exitStatus == .noInput)
        try Self.writeState(in: folder, record: Self.record, secrets: #"{"variables": {}, "outputs": {}}"#)
        let missing = try #require(throws: ScaffoldError.self) { try RunStateVariables(stateDirectory: folder) }
        #expect(missing.description.contains("CLIENT_SECRET"))
    }

    /// Render reads only `tool`, `status`, `tenant`, `startedAt` and `outputs`: a record whose
    /// steps it could not decode (a later format, say) still renders, but a file that is not a
    /// run's record at all is still refused.
    @Test func onlyThePartsARenderNeedsAreRead() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let laterSteps = Self.record.replacingOccurrences(
            of: #""steps": []"#, with: #""steps": [{"kind": "something a later tutor writes"}]"#)
        #expect(laterSteps != Self.record)
        try Self.writeState(in: folder, record: laterSteps, secrets: Self.secrets)
        #expect(try RunStateVariables(stateDirectory: folder).variables["CLIENT_SECRET"] == "abc~123")

        for notARecord in [#"{"outputs": {"CLIENT_ID": "x"}}"#, #"{"steps": []}"#, "[]"] {
            try Self.writeState(in: folder, record: notARecord, secrets: Self.secrets)
            let error = try #require(throws: ScaffoldError.self) { try RunStateVariables(stateDirectory: folder) }
            #expect(error.description.contains("is not a run's state file"))
        }
        let wrongStatus = Self.record.replacingOccurrences(of: #""succeeded""#, with: #""half-done""#)
        try Self.writeState(in: folder, record: wrongStatus, secrets: Self.secrets)
        #expect(throws: ScaffoldError.self) { try RunStateVariables(stateDirectory: folder) }
    }

    @Test func aFolderWithoutARecordIsAnError() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = try #require(throws: ScaffoldError.self) { try RunStateVariables(stateDirectory: folder) }
        #expect(error.exitStatus == .noInput)
        #expect(error.description.contains("record.json"))
    }
}

@Suite("Template locator")
struct TemplateLocatorTests {
    @Test func namesResolveFromTheEnvironmentVariable() throws {
        let root = TestSupport.packageRoot.appendingPathComponent("Templates")
        let found = try TemplateLocator.resolve(
            "flask-webapp", environment: ["TUTOR_TEMPLATES": root.path], executable: nil,
            currentDirectory: URL(fileURLWithPath: "/"))
        #expect(found.standardizedFileURL.path == TestSupport.flaskTemplate.standardizedFileURL.path)
    }

    @Test func namesResolveFromAnExecutableInsideTheCheckout() throws {
        let executable = TestSupport.packageRoot.appendingPathComponent(".build/release/tutor")
        let found = try TemplateLocator.resolve(
            nil, environment: [:], executable: executable, currentDirectory: URL(fileURLWithPath: "/"))
        #expect(found.standardizedFileURL.path == TestSupport.flaskTemplate.standardizedFileURL.path)
    }

    @Test func foldersAreTakenAsGiven() throws {
        let found = try TemplateLocator.resolve(
            TestSupport.flaskTemplate.path, environment: [:], executable: nil,
            currentDirectory: URL(fileURLWithPath: "/"))
        #expect(found.path == TestSupport.flaskTemplate.standardizedFileURL.path)
    }

    @Test func anUnknownNameSaysWhereItLooked() throws {
        let error = try #require(throws: ScaffoldError.self) {
            try TemplateLocator.resolve(
                "no-such-template", environment: ["TUTOR_TEMPLATES": "/nonexistent"], executable: nil,
                currentDirectory: URL(fileURLWithPath: "/"))
        }
        #expect(error.exitStatus == .noInput)
        #expect(error.description.contains("/nonexistent"))
    }
}
