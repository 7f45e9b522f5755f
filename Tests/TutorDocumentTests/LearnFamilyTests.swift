import Foundation
import Testing

@testable import TutorDocument

/// Every page in `tutorials/`: the Flask page and the pages that share its includes, as the
/// Learn pages in MicrosoftDocs/entra-docs docs/external-id/customers/ do.
enum FamilyPages {
    static let folder = PathText.directory(of: ProjectTutorial.path)

    static let files: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".md") }.sorted()
    }()
}

@Suite("Every page in tutorials/")
struct LearnFamilyTests {
    @Test func thereAreThePlatformPages() {
        #expect(
            FamilyPages.files == [
                "tutorial-desktop-app-wpf-prepare-tenant.md", "tutorial-single-page-app-react-prepare-tenant.md",
                "tutorial-web-app-node-prepare-tenant.md", "tutorial-web-app-python-django-prepare-tenant.md",
                "tutorial-web-app-python-flask-prepare-tenant.md",
            ])
    }

    @Test(arguments: FamilyPages.files)
    func plansWithoutErrorsOrWarnings(_ file: String) throws {
        let tutorial = try TutorialParser().parse(path: FamilyPages.folder + "/" + file)
        #expect(tutorial.warnings.isEmpty, "\(tutorial.warnings)")
        #expect(!TutorialPlan(tutorial).text().isEmpty)
        let outputs = Set(tutorial.outputs.map(\.name))
        #expect(outputs.isSuperset(of: ["CLIENT_ID", "AUTHORITY", "REDIRECT_URI"]), "\(outputs)")
    }

    /// Platform types from the Learn includes add-platform-redirect-url-{react,node,python-django,wpf}.md.
    @Test(arguments: [
        ("tutorial-single-page-app-react-prepare-tenant.md", "spa", "http://localhost:{{redirectPort}}"),
        ("tutorial-web-app-node-prepare-tenant.md", "web", "http://localhost:{{redirectPort}}/auth/redirect"),
        ("tutorial-web-app-python-django-prepare-tenant.md", "web", "http://localhost:{{redirectPort}}/redirect"),
        (
            "tutorial-desktop-app-wpf-prepare-tenant.md", "publicClient",
            "https://login.microsoftonline.com/common/oauth2/nativeclient"
        ),
    ])
    func redirectUriGoesToThePlatform(_ file: String, _ platform: String, _ uri: String) throws {
        let tutorial = try TutorialParser().parse(path: FamilyPages.folder + "/" + file)
        let request = try #require(tutorial.requests.first { $0.name == "set_redirect_uri" })
        #expect((request.body ?? "").contains("\"\(platform)\""), "\(request.body ?? "")")
        #expect(tutorial.outputs.first { $0.name == "REDIRECT_URI" }?.value == uri)
        let secret = tutorial.outputs.contains { $0.name == "CLIENT_SECRET" }
        #expect(secret == (platform == "web"))
        let publicFlows = tutorial.requests.contains { $0.name == "enable_public_client_flows" }
        #expect(publicFlows == (platform == "publicClient"))
    }
}
