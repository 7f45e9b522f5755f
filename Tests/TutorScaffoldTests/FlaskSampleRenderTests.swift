import Foundation
import Testing

/// Learn's Flask sample page (sample-web-app-python-flask-sign-in.md) sets up the tenant as the
/// Flask tutorial does, so `tutor run … --out` renders the same Flask project from it.
@Suite("The Flask sample page renders the Flask project")
struct FlaskSampleRenderTests {
    @Test func runWithOutRendersAConfiguredProject() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let page = TestSupport.flaskTemplate.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("tutorials/sample-web-app-python-flask-sign-in.md")
        let project = folder.appendingPathComponent("flask-sample")
        let result = try TestSupport.runTutor(
            ["run", page.path, "--state-dir", folder.appendingPathComponent("state").path, "--out", project.path],
            environment: ["XDG_STATE_HOME": folder.appendingPathComponent("xdg").path], currentDirectory: folder)
        #expect(result.status == 0, "\(result.error)")
        let env = try String(contentsOf: project.appendingPathComponent(".env"), encoding: .utf8)
        #expect(env.contains("REDIRECT_URI='http://localhost:3000/getAToken'"), "\(env)")
        #expect(env.contains("CLIENT_ID='"))
        #expect(env.contains("CLIENT_SECRET='"))
        #expect(FileManager.default.fileExists(atPath: project.appendingPathComponent("app.py").path))
    }
}
