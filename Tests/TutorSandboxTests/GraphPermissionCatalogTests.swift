import Foundation
import Testing
import TutorSupport

@testable import TutorSandbox

/// The Microsoft Graph service principal carries Microsoft's published permissions.
///
/// Sources of the expected values (public, Microsoft's own):
/// - microsoftgraph/microsoft-graph-devx-content `permissions/permissions-descriptions.json`
///   (`delegatedScopesList`, `applicationScopesList`): ids, values, `isAdmin`, admin-consent texts.
/// - microsoftgraph/microsoft-graph-docs-contrib `concepts/includes/permissions-ids.md`: the ids.
/// - MicrosoftDocs/entra-docs `docs/identity/enterprise-apps/configure-permission-classifications.md`:
///   `servicePrincipalNames/any(n:n eq 'https://graph.microsoft.com')` finds Graph's service
///   principal by its resource URI.
@Suite("Graph service principal: published permissions")
struct GraphPermissionCatalogTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let dataFile = repository.appendingPathComponent("scripts/sources/graph-permissions.v1.json")
    static let swiftFiles = [
        "delegatedScopes": repository.appendingPathComponent(
            "Sources/TutorSandbox/Tenant/GraphDelegatedScopesData.swift"),
        "appRoles": repository.appendingPathComponent("Sources/TutorSandbox/Tenant/GraphAppRolesData.swift"),
    ]
    static let script = repository.appendingPathComponent("scripts/generate_graph_permissions.py")
    static let graphFilter =
        "/v1.0/servicePrincipals?$filter=servicePrincipalNames/any(x:x%20eq%20'https://graph.microsoft.com')"

    @Test("The catalog holds exactly the data file's permissions")
    func catalogMatchesDataFile() throws {
        let data = try JSONValue.parse(Data(contentsOf: Self.dataFile))
        let scopes = try #require(data["delegatedScopes"]?.arrayElements)
        let roles = try #require(data["appRoles"]?.arrayElements)
        #expect(scopes.count == 356)
        #expect(roles.count == 291)
        #expect(WellKnownGraph.scopes.count == scopes.count)
        #expect(WellKnownGraph.appRoles.count == roles.count)
        for (file, decoded) in zip(scopes, WellKnownGraph.scopes) {
            #expect(file["id"]?.stringValue == decoded.id)
            #expect(file["value"]?.stringValue == decoded.value)
            #expect(file["isAdmin"]?.boolValue == decoded.isAdmin)
            #expect(file["adminConsentDisplayName"]?.stringValue == decoded.adminConsentDisplayName)
            #expect(file["adminConsentDescription"]?.stringValue == decoded.adminConsentDescription)
        }
        for (file, decoded) in zip(roles, WellKnownGraph.appRoles) {
            #expect(file["id"]?.stringValue == decoded.id)
            #expect(file["value"]?.stringValue == decoded.value)
            #expect(file["displayName"]?.stringValue == decoded.displayName)
            #expect(file["description"]?.stringValue == decoded.description)
        }
        #expect(Set(WellKnownGraph.scopes.map(\.id)).count == WellKnownGraph.scopes.count)
        #expect(Set(WellKnownGraph.appRoles.map(\.id)).count == WellKnownGraph.appRoles.count)
    }

    @Test("Graph is found by its resource URI and shows the published values")
    func servedServicePrincipalShowsPublishedValues() async throws {
        try await GraphHarness().run { graph in
            let found = try await graph.send(.get, Self.graphFilter)
            #expect(found.status == 200)
            #expect(found.values.count == 1)
            let principal = try #require(found.values.first)
            let names = principal["servicePrincipalNames"]?.arrayElements?.compactMap(\.stringValue) ?? []
            #expect(names.contains("https://graph.microsoft.com"))
            #expect(names.contains(WellKnownGraph.appId))
            let byAppId = try await graph.send(
                .get, "/v1.0/servicePrincipals?$filter=servicePrincipalNames/any(c:c%20eq%20'\(WellKnownGraph.appId)')")
            #expect(byAppId.values.first?["id"] == principal["id"])
            let nobody = try await graph.send(
                .get, "/v1.0/servicePrincipals?$filter=servicePrincipalNames/any(c:c%20eq%20'https://example.com')")
            #expect(nobody.values.isEmpty)

            let scopes = Self.index(principal["oauth2PermissionScopes"])
            let roles = Self.index(principal["appRoles"])
            #expect(scopes.count == 356)
            #expect(roles.count == 291)
            // permissions-descriptions.json, delegatedScopesList.
            let userRead = try #require(scopes["User.Read"])
            #expect(userRead["id"]?.stringValue == "e1fe6dd8-ba31-4d61-89e7-88639da4683d")
            #expect(userRead["type"]?.stringValue == "User")
            #expect(userRead["adminConsentDisplayName"]?.stringValue == "Sign in and read user profile")
            #expect(scopes["openid"]?["id"]?.stringValue == "37f7f235-527c-4136-accd-4a02d197296e")
            #expect(scopes["openid"]?["type"]?.stringValue == "User")
            #expect(scopes["offline_access"]?["id"]?.stringValue == "7427e0e9-2fba-42fe-b0c0-848c9e6a8182")
            #expect(scopes["Directory.ReadWrite.All"]?["id"]?.stringValue == "c5366453-9fb0-48a5-a156-24f0c49a4b84")
            #expect(scopes["Directory.ReadWrite.All"]?["type"]?.stringValue == "Admin")
            #expect(scopes["Presence.ReadWrite"]?["type"]?.stringValue == "User")
            #expect(
                scopes["Application.ReadWrite.All"]?["adminConsentDescription"]?.stringValue
                    == "Allows the app to create, read, update and delete applications and service principals on behalf of the signed-in user. Does not allow management of consent grants."
            )
            // permissions-ids.md only: no published flag, read as Admin.
            #expect(scopes["EventListener.ReadWrite.All"]?["id"]?.stringValue == "d11625a6-fe21-4fc6-8d3d-063eba5525ad")
            #expect(scopes["EventListener.ReadWrite.All"]?["type"]?.stringValue == "Admin")
            // permissions-descriptions.json, applicationScopesList.
            let applicationReadWrite = try #require(roles["Application.ReadWrite.All"])
            #expect(applicationReadWrite["id"]?.stringValue == "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9")
            #expect(applicationReadWrite["displayName"]?.stringValue == "Read and write all applications")
            #expect(applicationReadWrite["allowedMemberTypes"] == .strings(["Application"]))
            #expect(roles["User.Read.All"]?["id"]?.stringValue == "df021288-bdef-4463-88db-98f22de89214")
            // User.Export.All: the scope and the role share one id in both sources.
            #expect(scopes["User.Export.All"]?["id"] == roles["User.Export.All"]?["id"])
        }
    }

    @Test("A grant of a rarely used real scope succeeds; a made-up one is refused")
    func grantsOfRealScopes() async throws {
        try await GraphHarness().run { graph in
            let graphPrincipal = try #require(try await graph.send(.get, Self.graphFilter).values.first?["id"])
            let app = try await graph.createApplication("rare scopes")
            let client = try await graph.createServicePrincipal(try #require(app["appId"]?.stringValue))
            let clientId = try #require(client["id"]?.stringValue)
            let resourceId = try #require(graphPrincipal.stringValue)
            func grant(_ scope: String) async throws -> GraphReply {
                try await graph.send(
                    .post, "/v1.0/oauth2PermissionGrants",
                    json: """
                        {"clientId": "\(clientId)", "consentType": "AllPrincipals", "resourceId": "\(resourceId)", \
                        "scope": "\(scope)"}
                        """)
            }
            let rare = try await grant("ThreatSubmissionPolicy.ReadWrite.All Family.Read ShortNotes.ReadWrite")
            #expect(rare.status == 201)
            #expect(rare.string("scope") == "ThreatSubmissionPolicy.ReadWrite.All Family.Read ShortNotes.ReadWrite")
            let invented = try await grant("User.Read Imaginary.ReadWrite.All")
            #expect(invented.status == 400)
            #expect(invented.json?["error"]?["message"]?.stringValue?.contains("Imaginary.ReadWrite.All") == true)
            // An application permission is not a delegated one.
            #expect(try await grant("Application.ReadWrite.OwnedBy").status == 400)
        }
    }

    static let hasPython = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")

    @Test("The script writes the committed Swift files, byte for byte, every time", .enabled(if: hasPython))
    func scriptIsDeterministic() throws {
        for (list, committed) in Self.swiftFiles {
            let first = try Self.runScript(["swift", Self.dataFile.path, list])
            let second = try Self.runScript(["swift", Self.dataFile.path, list])
            #expect(first.status == 0, "\(list): \(first.error)")
            #expect(first.output == second.output)
            #expect(
                first.output == (try Data(contentsOf: committed)), "\(list) differs from \(committed.lastPathComponent)"
            )
        }
    }

    @Test("Bad data is refused at file:line, with status 2 and no output file", .enabled(if: hasPython))
    func scriptRefusesBadData() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("permissions-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let bad = folder.appendingPathComponent("bad.json")
        try """
        {
        "delegatedScopes": [
        {"id": "e1fe6dd8-ba31-4d61-89e7-88639da4683d", "value": "User.Read", "isAdmin": false},
        {"id": "e1fe6dd8-ba31-4d61-89e7-88639da4683d", "value": "User.Read.Again", "isAdmin": true}
        ],
        "appRoles": [
        {"id": "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9", "value": "Application.ReadWrite.All"}
        ]
        }

        """.write(to: bad, atomically: true, encoding: .utf8)
        let output = folder.appendingPathComponent("out.swift")
        let result = try Self.runScript(["swift", bad.path, "delegatedScopes", "-o", output.path])
        #expect(result.status == 2)
        #expect(result.error.contains("\(bad.path):4:"))
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    /// `value` → entry of a JSON array of permissions.
    static func index(_ list: JSONValue?) -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for entry in list?.arrayElements ?? [] {
            if let value = entry["value"]?.stringValue { result[value] = entry }
        }
        return result
    }

    static func runScript(_ arguments: [String]) throws -> (status: Int32, output: Data, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script.path] + arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, outputData, String(decoding: errorData, as: UTF8.self))
    }
}
