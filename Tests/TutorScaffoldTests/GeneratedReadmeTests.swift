import Foundation
import Testing

@testable import TutorScaffold

/// The generated README is right for every REDIRECT_URI, and never claims that `tutor run`
/// prepared a registration when the values came from `--var`.
@Suite("Generated README")
struct GeneratedReadmeTests {
    static func readme(_ changes: [String: String], fromRun: Bool = false) throws -> String {
        var values = TestSupport.tenantValues
        for (name, value) in changes { values[name] = value }
        if fromRun { values[ProjectTemplate.renderedFromRun] = "true" }
        let files = try ProjectTemplate(folder: TestSupport.flaskTemplate).render(values: values)
        return String(decoding: files.first { $0.path == "README.md" }?.contents ?? Data(), as: UTF8.self)
    }

    @Test(arguments: [
        ("http://localhost:5000/getAToken", "5000"), ("http://127.0.0.1:3000/auth/redirect", "3000"),
        ("http://localhost/getAToken", "80"),
    ])
    func aLocalURIRunsOnItsPort(uri: String, port: String) throws {
        let text = try Self.readme(["REDIRECT_URI": uri])
        #expect(text.contains("flask run --host=localhost --port=\(port)\n"), "\(text)")
        #expect(!text.contains("Deploying"))
    }

    @Test(arguments: ["https://app.contoso.com/getAToken", "https://contoso.azurewebsites.net:8443/auth"])
    func aDeployedURIExplainsLocalRunAndDeployment(uri: String) throws {
        let text = try Self.readme(["REDIRECT_URI": uri])
        #expect(!text.contains("--port=443") && !text.contains("--port=8443"), "\(text)")
        #expect(text.contains("flask run --host=localhost --port=3000"))
        #expect(text.contains("### Deploying to https://"))
        #expect(text.contains("REDIRECT_URI=\(uri)"))
    }

    /// What a tenant needs for this sample: a Web redirect URI, a client secret, consent for
    /// openid, offline_access and User.Read, and the app in a sign-up and sign-in user flow
    /// (https://learn.microsoft.com/entra/external-id/customers/how-to-register-ciam-app: a reply URL
    /// must be https unless it is on localhost, which is why a deployed URI gets its own section).
    @Test func valuesFromTheCommandLineListWhatTheTenantMustHave() throws {
        let text = try Self.readme([:])
        #expect(text.contains("## What the tenant must have"))
        for needed in ["Web", "client secret", "`openid`", "`offline_access`", "`User.Read`", "sign-up and sign-in"] {
            #expect(text.contains(needed), "\(needed)")
        }
        #expect(!text.contains("`tutor run` prepared"))
    }

    @Test func valuesFromARunSayTheRunPreparedThem() throws {
        let text = try Self.readme([:], fromRun: true)
        #expect(text.contains("`tutor run` prepared"))
        #expect(!text.contains("What the tenant must have"))
    }

    @Test func renderedFromRunCannotBeGivenWithVar() throws {
        let manifest = try ProjectTemplate(folder: TestSupport.flaskTemplate).manifest
        #expect(throws: ScaffoldError.self) { try manifest.checkGivenName("RENDERED_FROM_RUN", option: "--var") }
    }

    @Test func listVarsNamesEveryVariableAndMarksTheSecret() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try TestSupport.runTutor(
            ["render", "--template", TestSupport.flaskTemplate.path, "--list-vars"], currentDirectory: folder)
        let text = String(decoding: result.output, as: UTF8.self)
        #expect(result.status == 0, "\(result.error)")
        for name in [
            "CLIENT_ID", "AUTHORITY", "REDIRECT_URI", "REQUESTS_CA_BUNDLE", "REDIRECT_PORT", "RENDERED_FROM_RUN",
        ] {
            #expect(text.contains(name), "\(name)")
        }
        #expect(text.contains("--secret-env CLIENT_SECRET=ENV_VAR (secret)"))
        #expect(text.contains("a GUID"))
    }

    @Test func aValidationErrorShowsRendersUsage() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Thrown from validate() and from run(): both show `tutor render`'s usage, exit 64.
        for arguments in [["render", "--out", "x"], ["render", "--var", "novalue", "--out", "x"]] {
            let result = try TestSupport.runTutor(arguments, currentDirectory: folder)
            #expect(result.status == 64, "\(result.error)")
            #expect(result.error.contains("Usage: tutor render"), "\(result.error)")
        }
    }
}
