import Foundation
import Testing

@testable import TutorScaffold

/// The rendered tree of the real template, compared with snapshots checked in under Fixtures/.
/// Set TUTOR_UPDATE_SNAPSHOTS=1 to rewrite them after a deliberate change, then review the diff.
@Suite("Rendered tree snapshots")
struct SnapshotTests {
    /// One text file per snapshot: each file's path and mode on a marker line, then its contents.
    static func snapshotText(of folder: URL) throws -> String {
        var text = ""
        for path in TestSupport.listing(folder) {
            let url = folder.appendingPathComponent(path)
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            let mode = (attributes[.posixPermissions] as? NSNumber)?.uint16Value ?? 0
            let isFolder = (attributes[.type] as? FileAttributeType) == .typeDirectory
            text += "=== \(path)\(isFolder ? "/" : "") \(String(mode, radix: 8)) ===\n"
            if !isFolder { text += String(decoding: try Data(contentsOf: url), as: UTF8.self) }
        }
        return text
    }

    @Test(arguments: [("sandbox", TestSupport.sandboxValues), ("tenant", TestSupport.tenantValues)])
    func renderedTreeMatchesTheSnapshot(name: String, values: [String: String]) throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("flask-app")
        try ProjectRenderer().render(
            template: TestSupport.flaskTemplate, variables: values, to: .directory(output), force: false,
            fixedTime: TestSupport.fixedTime)
        let actual = try Self.snapshotText(of: output)
        let fixture = TestSupport.fixtures.appendingPathComponent("flask-webapp-\(name).snapshot")
        if ProcessInfo.processInfo.environment["TUTOR_UPDATE_SNAPSHOTS"] == "1" {
            try Data(actual.utf8).write(to: fixture)
        }
        let expected = String(decoding: try Data(contentsOf: fixture), as: UTF8.self)
        #expect(actual == expected, "rendered tree differs from \(fixture.lastPathComponent)")
    }

    @Test func sandboxAndTenantDifferOnlyWhereTheyShould() throws {
        let template = try ProjectTemplate(folder: TestSupport.flaskTemplate)
        let sandbox = try template.render(values: TestSupport.sandboxValues)
        let tenant = try template.render(values: TestSupport.tenantValues)
        func file(_ files: [RenderedFile], _ path: String) -> String {
            String(decoding: files.first { $0.path == path }?.contents ?? Data(), as: UTF8.self)
        }
        #expect(file(sandbox, ".env").contains("REQUESTS_CA_BUNDLE='/home/learner/.local/state/tutor/sandbox/ca.pem'"))
        #expect(!file(tenant, ".env").contains("REQUESTS_CA_BUNDLE"))
        // The exact serve command for the home and port the app was made for, and `tutor app .`.
        #expect(
            file(sandbox, "README.md").contains(
                #"tutor sandbox serve --home "$(dirname '/home/learner/.local/state/tutor/sandbox/ca.pem')" --port 8443"#
            ))
        #expect(file(sandbox, "README.md").contains("    tutor app .\n"))
        #expect(!file(tenant, "README.md").contains("tutor sandbox serve"))
        #expect(file(tenant, "README.md").contains("flask run --host=localhost --port=3000"))
        // The secret is in .env (escaped for python-dotenv) and nowhere else.
        #expect(file(tenant, ".env").contains(#"CLIENT_SECRET='s3cr3t~Value.With_Odd\'Chars\\'"#))
        for rendered in tenant where rendered.path != ".env" {
            #expect(!file(tenant, rendered.path).contains("s3cr3t"), "\(rendered.path)")
        }
        // The Jinja pages are byte for byte the template's.
        for rendered in tenant where rendered.path.hasPrefix("templates/") {
            let source = TestSupport.flaskTemplate.appendingPathComponent("files").appendingPathComponent(rendered.path)
            #expect(rendered.contents == (try Data(contentsOf: source)), "\(rendered.path)")
        }
    }
}
