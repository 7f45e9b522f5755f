import Foundation
import Testing
import TutorSupport

@testable import TutorDocument

/// Every page in `tutorials/`: pages shaped like Learn's in MicrosoftDocs/entra-docs
/// docs/external-id/customers/, sharing their steps through includes at Learn's paths.
enum FamilyPages {
    static let folder = PathText.directory(of: ProjectTutorial.path)
    static let includes = folder + "/includes"

    static let files: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".md") }.sorted()
    }()

    /// Every include under `tutorials/includes/`, relative to it.
    static let includeFiles: [String] = {
        let found = FileManager.default.enumerator(atPath: includes)?.compactMap { $0 as? String } ?? []
        return found.filter { $0.hasSuffix(".md") }.sorted()
    }()

    /// The include paths a page names, in order, as written (`./includes/…`, `../includes/…`).
    static func includePaths(of file: String) throws -> [String] {
        let text = try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
        let source = SourceText(bytes: Array(text.utf8))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
        return DocFXSyntax.includes(inLines: 1...lines, of: source).includes.map(\.path)
    }

    static func parse(_ file: String) throws -> Tutorial {
        try TutorialParser().parse(path: folder + "/" + file)
    }
}

@Suite("Every page in tutorials/")
struct LearnFamilyTests {
    @Test func thereAreThePlatformPages() {
        #expect(
            FamilyPages.files == [
                "how-to-browserless-app-node-sign-in-prepare-tenant.md",
                "how-to-run-native-authentication-sample-android-app.md", "how-to-run-sample-android-app.md",
                "how-to-run-sample-ios-app.md", "sample-web-app-python-flask-sign-in.md",
                "tutorial-cli-app-node-prepare-tenant.md", "tutorial-daemon-node-call-api-prepare-tenant.md",
                "tutorial-desktop-app-electron-prepare-tenant.md", "tutorial-desktop-app-maui-prepare-tenant.md",
                "tutorial-desktop-app-wpf-prepare-tenant.md", "tutorial-single-page-app-angular-prepare-tenant.md",
                "tutorial-single-page-app-react-prepare-tenant.md",
                "tutorial-single-page-app-vanillajs-prepare-tenant.md", "tutorial-web-app-dotnet-prepare-tenant.md",
                "tutorial-web-app-node-prepare-tenant.md", "tutorial-web-app-python-django-prepare-tenant.md",
                "tutorial-web-app-python-flask-prepare-tenant.md",
            ])
    }

    /// Pages that register no redirect URI: device code, client credentials, native authentication.
    static let withoutRedirect: Set<String> = [
        "how-to-browserless-app-node-sign-in-prepare-tenant.md", "tutorial-daemon-node-call-api-prepare-tenant.md",
        "how-to-run-native-authentication-sample-android-app.md",
    ]
    /// Pages whose app proves itself with a secret: web apps and the daemon.
    static let withSecret: Set<String> = [
        "sample-web-app-python-flask-sign-in.md", "tutorial-web-app-python-flask-prepare-tenant.md",
        "tutorial-web-app-python-django-prepare-tenant.md", "tutorial-web-app-node-prepare-tenant.md",
        "tutorial-web-app-dotnet-prepare-tenant.md", "tutorial-daemon-node-call-api-prepare-tenant.md",
    ]

    @Test(arguments: FamilyPages.files)
    func plansWithoutErrorsOrWarningsAndEndsWithItsOutputs(_ file: String) throws {
        let tutorial = try FamilyPages.parse(file)
        #expect(tutorial.warnings.isEmpty, "\(tutorial.warnings)")
        #expect(!TutorialPlan(tutorial).text().isEmpty)
        #expect(
            tutorial.steps.last?.title == "Collect your app registration details" || file.hasPrefix("sample-")
                || tutorial.steps.last?.title == "Next step")
        let outputs = Set(tutorial.outputs.map(\.name))
        #expect(outputs.isSuperset(of: ["CLIENT_ID", "AUTHORITY"]), "\(outputs)")
        #expect(outputs.contains("REDIRECT_URI") == !Self.withoutRedirect.contains(file), "\(outputs)")
        #expect(outputs.contains("CLIENT_SECRET") == Self.withSecret.contains(file), "\(outputs)")
        #expect(outputs.contains("API_SCOPES") == (file == "tutorial-daemon-node-call-api-prepare-tenant.md"))
    }

    /// Platform types and addresses from the Learn includes add-platform-redirect-url-*.md
    /// (MicrosoftDocs/entra-docs docs/external-id/customers/includes/register-app/): SPA for
    /// Angular, React and vanilla JS; Web for the server apps; Mobile and desktop (Graph's
    /// `publicClient`) for WPF, MAUI, Electron, Node CLI, and the iOS / Android platforms.
    @Test(arguments: [
        ("tutorial-single-page-app-react-prepare-tenant.md", "spa", "http://localhost:{{redirectPort}}"),
        ("tutorial-single-page-app-angular-prepare-tenant.md", "spa", "http://localhost:{{redirectPort}}/"),
        ("tutorial-single-page-app-vanillajs-prepare-tenant.md", "spa", "http://localhost:{{redirectPort}}"),
        ("tutorial-web-app-node-prepare-tenant.md", "web", "http://localhost:{{redirectPort}}/auth/redirect"),
        ("tutorial-web-app-python-django-prepare-tenant.md", "web", "http://localhost:{{redirectPort}}/redirect"),
        ("tutorial-web-app-python-flask-prepare-tenant.md", "web", "http://localhost:{{redirectPort}}/getAToken"),
        ("sample-web-app-python-flask-sign-in.md", "web", "http://localhost:{{redirectPort}}/getAToken"),
        ("tutorial-web-app-dotnet-prepare-tenant.md", "web", "https://localhost:{{redirectPort}}/signin-oidc"),
        (
            "tutorial-desktop-app-wpf-prepare-tenant.md", "publicClient",
            "https://login.microsoftonline.com/common/oauth2/nativeclient"
        ),
        ("tutorial-desktop-app-maui-prepare-tenant.md", "publicClient", "msal{{clientId}}://auth"),
        ("tutorial-desktop-app-electron-prepare-tenant.md", "publicClient", "http://localhost"),
        ("tutorial-cli-app-node-prepare-tenant.md", "publicClient", "http://localhost"),
        ("how-to-run-sample-ios-app.md", "publicClient", "msauth.{{iosBundleId}}://auth"),
        (
            "how-to-run-sample-android-app.md", "publicClient",
            "msauth://{{androidPackageName}}/{{androidSignatureHash}}"
        ),
    ])
    func redirectUriGoesToThePlatform(_ file: String, _ platform: String, _ uri: String) throws {
        let tutorial = try FamilyPages.parse(file)
        let request = try #require(tutorial.requests.first { $0.name == "set_redirect_uri" })
        let body = try JSONValue.parse(Template.replacingVariables(in: request.body ?? "", with: "0"))
        #expect(body.objectMembers?.map(\.key) == [platform], "\(request.body ?? "")")
        #expect(request.body?.contains("\"\(uri)\"") == true, "\(request.body ?? "")")
        #expect(tutorial.outputs.first { $0.name == "REDIRECT_URI" }?.value == uri)
    }

    /// The include lists of Learn's pages (MicrosoftDocs/entra-docs docs/external-id/customers/:
    /// tutorial-daemon-node-call-api-prepare-tenant.md, how-to-browserless-app-node-sign-in-prepare-tenant.md,
    /// sample-web-app-python-flask-sign-in.md, how-to-run-native-authentication-sample-android-app.md;
    /// the Angular and ASP.NET Core pages as found by their include lines).
    @Test(arguments: [
        (
            "tutorial-daemon-node-call-api-prepare-tenant.md",
            [
                "register-app/register-api-app.md", "register-app/add-app-role.md",
                "register-app/add-optional-claims-access.md", "register-app/register-client-app-common.md",
                "register-app/add-app-client-secret.md", "register-app/grant-api-permissions-app-permissions.md",
            ]
        ),
        (
            "how-to-browserless-app-node-sign-in-prepare-tenant.md",
            [
                "register-app/register-client-app-common.md", "register-app/enable-public-client-flow.md",
                "register-app/grant-api-permission-sign-in.md",
                "configure-user-flow/create-sign-in-sign-out-user-flow.md", "configure-user-flow/add-app-user-flow.md",
            ]
        ),
        (
            "how-to-run-native-authentication-sample-android-app.md",
            [
                "register-app/register-client-app-common.md", "native-auth/enable-native-authentication.md",
                "register-app/grant-native-authentication-api-permission.md",
                "configure-user-flow/create-native-authentication-sign-in-sign-out-user-flow.md",
                "configure-user-flow/add-app-user-flow.md",
            ]
        ),
        (
            "sample-web-app-python-flask-sign-in.md",
            [
                "register-app/register-client-app-common.md",
                "register-app/add-platform-redirect-url-python-flask.md", "register-app/add-app-client-secret.md",
                "register-app/grant-api-permission-sign-in.md",
                "configure-user-flow/create-sign-in-sign-out-user-flow.md", "configure-user-flow/add-app-user-flow.md",
                "python-identity-library-alert.md", "run-app/flask-web-app.md",
            ]
        ),
        (
            "tutorial-web-app-dotnet-prepare-tenant.md",
            [
                "register-app/register-client-app-common.md", "register-app/add-platform-redirect-url-dotnet.md",
                "register-app/enable-implicit-hybrid-flows.md",
                "register-app/add-app-client-secret.md", "register-app/grant-api-permission-sign-in.md",
                "configure-user-flow/create-sign-in-sign-out-user-flow.md", "configure-user-flow/add-app-user-flow.md",
            ]
        ),
    ])
    func includesAsLearnsPageDoes(_ file: String, _ expected: [String]) throws {
        let paths = try FamilyPages.includePaths(of: file).map {
            $0.hasPrefix("./includes/") ? String($0.dropFirst("./includes/".count)) : $0
        }
        #expect(paths.filter { $0 != Self.appliesTo } == expected.filter { $0 != Self.appliesTo })
    }

    /// Learn's newer pages start with the "applies to" line of the folder above customers/
    /// (docs/external-id/includes/applies-to-external-only.md), one folder above the tutorials.
    static let appliesTo = "../includes/applies-to-external-only.md"

    @Test(arguments: FamilyPages.files)
    func newPagesSayWhereTheyApply(_ file: String) throws {
        let older = [
            "tutorial-desktop-app-wpf-prepare-tenant.md", "tutorial-single-page-app-react-prepare-tenant.md",
            "tutorial-web-app-node-prepare-tenant.md", "tutorial-web-app-python-django-prepare-tenant.md",
            "tutorial-web-app-python-flask-prepare-tenant.md",
        ]
        let paths = try FamilyPages.includePaths(of: file)
        #expect((paths.first == Self.appliesTo) == !older.contains(file), "\(paths)")
    }

    /// Each include parses as the only content of a page: whatever it needs from another include
    /// (the app, the API, the user flow) it finds by name when no earlier step captured it.
    @Test(arguments: FamilyPages.includeFiles)
    func everyIncludeStandsOnItsOwn(_ include: String) throws {
        let folder = try TemporaryFolder()
        try FileManager.default.copyItem(
            atPath: FamilyPages.folder, toPath: folder.url.appendingPathComponent("tutorials").path)
        try folder.write("docfx.json", "{}")
        try folder.write("includes/applies-to-external-only.md", "Applies to external tenants.\n")
        try folder.write("tutorials/only.md", "# Only\n\n## The include\n\n[!INCLUDE [x](./includes/\(include))]\n")
        #expect(folder.diagnostics("tutorials/only.md") == [])
    }

    /// docs/learn-family.md lists, per include, the pages that use it (made by
    /// scripts/learn-family-table); the list must match the pages.
    @Test func theIncludeTableInTheDocsIsCurrent() throws {
        var usedBy: [String: [String]] = [:]
        for file in FamilyPages.files {
            for path in try FamilyPages.includePaths(of: file) {
                let key = path.hasPrefix("./includes/") ? String(path.dropFirst("./includes/".count)) : path
                if usedBy[key]?.last != file { usedBy[key, default: []].append(file) }
            }
        }
        let docs = URL(fileURLWithPath: FamilyPages.folder).deletingLastPathComponent()
            .appendingPathComponent("docs/learn-family.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        let section = try #require(text.range(of: "## Which page uses which include")).upperBound
        let table = text[section...].prefix { $0 != "#" }
        var documented: [String: [String]] = [:]
        for line in table.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 3 else { continue }
            let include = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            let pages = cells[2].split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "`")) + ".md"
            }
            documented[include] = pages
        }
        #expect(documented == usedBy)
        let unused = Set(FamilyPages.includeFiles).subtracting(usedBy.keys)
        #expect(unused.isEmpty, "includes no page uses: \(unused.sorted())")
    }
}
