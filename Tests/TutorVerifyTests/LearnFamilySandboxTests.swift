import Foundation
import Testing
import TutorSupport

@testable import TutorVerify

/// `tutor verify` of every page in `tutorials/` against a sandbox: part of `make test`, so no page
/// of the Learn family can stop working unnoticed.
@Suite("The Learn family against the sandbox", .serialized)
struct LearnFamilySandboxTests {
    static let pages: [String] = {
        let folder = VerifyHarness.repositoryTutorials.path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".md") }.sorted().map { folder + "/" + $0 }
    }()

    @Test("Every page passes, and the tenant ends as the pages describe it")
    func everyPagePasses() async throws {
        #expect(Self.pages.count == 17)
        let harness = try await VerifyHarness.start()
        defer { Task { await harness.sandbox.stop() } }
        let report = try await harness.verify(Self.pages, jobs: 4, keepResources: true)
        for result in report.tutorials {
            #expect(result.status == .passed, "\(result.path): \(String(describing: result.failure))")
        }
        #expect(report.tutorials.count == 17)

        let applications = try await harness.get("/v1.0/applications")["value"]?.arrayElements ?? []
        func app(_ name: String) -> JSONValue? {
            applications.first { $0["displayName"]?.stringValue?.hasPrefix(name) == true }
        }
        // ASP.NET Core: its sign-in and sign-out addresses, and ID tokens from the authorization endpoint.
        let dotnet = try #require(
            applications.first { $0["web"]?["logoutUrl"]?.stringValue?.hasSuffix("/signout-callback-oidc") == true })
        #expect(dotnet["web"]?["implicitGrantSettings"]?["enableIdTokenIssuance"] == .bool(true))
        #expect(dotnet["web"]?["redirectUris"] == .array([.string("https://localhost:7274/signin-oidc")]))
        // Native authentication: a public client with the native authentication API on.
        let native = try #require(applications.first { $0["nativeAuthenticationApisEnabled"]?.stringValue == "all" })
        #expect(native["isFallbackPublicClient"] == .bool(true))
        // Electron: login_hint in ID tokens.
        #expect(
            applications.contains {
                $0["optionalClaims"]?["idToken"]?.arrayElements?.first?["name"]?.stringValue == "login_hint"
            })
        // The daemon's web API: two application roles, idtyp in access tokens, its App ID URI, and
        // both roles assigned to the daemon's service principal.
        let api = try #require(app("tutor-todolist-api"))
        let apiAppId = try #require(api["appId"]?.stringValue)
        #expect(
            api["appRoles"]?.arrayElements?.compactMap { $0["value"]?.stringValue }.sorted()
                == ["ToDoList.Read.All", "ToDoList.ReadWrite.All"])
        #expect(api["optionalClaims"]?["accessToken"]?.arrayElements?.first?["name"]?.stringValue == "idtyp")
        #expect(api["identifierUris"] == .array([.string("api://\(apiAppId)")]))
        let apiSp = try await harness.get("/v1.0/servicePrincipals(appId='\(apiAppId)')")
        let apiSpId = try #require(apiSp["id"]?.stringValue)
        let assigned = try await harness.get("/v1.0/servicePrincipals/\(apiSpId)/appRoleAssignedTo")
        #expect(assigned["value"]?.arrayElements?.count == 2)
    }
}
