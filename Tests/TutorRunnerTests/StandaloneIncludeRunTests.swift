import Foundation
import Testing
import TutorDocument
import TutorRecord
import TutorTestSupport

@testable import TutorRunner

/// An include stands on its own at run time too: a page made only of Learn's Angular redirect
/// include and add-app-user-flow.md (the Angular page describes its user flow in words, then
/// includes add-app-user-flow.md) finds the app and the flow an earlier article made, by name.
@Suite("Includes on their own, on the sandbox", .serialized)
struct StandaloneIncludeRunTests {
    @Test func aPageWithoutTheRegistrationFindsTheAppAndTheFlowByName() async throws {
        let harness = try await SandboxHarness.start()
        defer { Task { await harness.sandbox.stop() } }
        let flask = try TutorialParser().parse(path: SandboxHarness.tutorialPath)
        let first = try await harness.runner(flask, state: Fixture.temporaryDirectory()).run()
        #expect(first.status == .succeeded)

        // The page sits next to the repository's tutorials, in a copy with its own docset root.
        let root = Fixture.temporaryDirectory()
        let tutorials = root.appendingPathComponent("tutorials")
        try FileManager.default.copyItem(
            at: URL(fileURLWithPath: SandboxHarness.tutorialPath).deletingLastPathComponent(), to: tutorials)
        try Data("{}".utf8).write(to: root.appendingPathComponent("docfx.json"))
        let page = tutorials.appendingPathComponent("angular-only.md")
        try Data(
            """
            # Angular, tenant already set up

            ## Add the Angular redirect URI

            [!INCLUDE [redirect](./includes/register-app/add-platform-redirect-url-angular.md)]

            ## Associate the app with the user flow

            [!INCLUDE [link](./includes/configure-user-flow/add-app-user-flow.md)]

            """.utf8
        ).write(to: page)
        let state = Fixture.temporaryDirectory()
        let summary = try await harness.runner(try TutorialParser().parse(path: page.path), state: state).run()
        #expect(summary.status == .succeeded)
        let (record, _) = try #require(try RunStateStore(directory: state).load())
        #expect(record.request(named: "find_app_for_redirect_uri")?.outcome == .sent)
        #expect(record.request(named: "find_app_for_user_flow")?.outcome == .skipped)
        #expect(record.request(named: "find_user_flow")?.outcome == .sent)
        #expect(record.request(named: "attach_app_to_user_flow")?.outcome == .found)
        let apps = try await harness.get("/v1.0/applications")["value"]?.arrayElements ?? []
        let app = try #require(apps.first { $0["displayName"]?.stringValue == "tutor-flask-webapp" })
        #expect(app["spa"]?["redirectUris"] == .array([.string("http://localhost:4200/")]))
        #expect(record.captures["clientId"] == app["appId"]?.stringValue)
    }
}
