import Foundation
import Testing
import TutorSupport

@testable import TutorSandbox

/// `servicePrincipals/{id}/appRoleAssignedTo`, as microsoft-graph-docs-contrib describes it
/// (api-reference/v1.0/api/serviceprincipal-post-approleassignedto.md: body principalId,
/// resourceId, appRoleId; 201 with an appRoleAssignment whose id is 43 base64url characters;
/// AppRoleAssignment.ReadWrite.All to write).
@Suite("Graph app role assignments")
struct GraphAppRoleAssignmentTests {
    static let roleId = "3b9a4a6e-2c1f-4d7e-9a58-6f0e1c2d7b41"
    static let roles =
        #", "appRoles": [{"id": "\#(roleId)", "value": "ToDoList.Read.All", "displayName": "r", "description": "d", "allowedMemberTypes": ["Application"], "isEnabled": true}]"#

    /// The service principals of an API offering `roleId` and of a daemon app.
    static func apiAndDaemon(_ graph: GraphClient) async throws -> (api: String, daemon: String) {
        var ids: [String] = []
        for (name, extra) in [("api", roles), ("daemon", "")] {
            let app = try await graph.createApplication(name, extra: extra)
            let appId = try #require(app["appId"]?.stringValue)
            ids.append(try #require(try await graph.createServicePrincipal(appId)["id"]?.stringValue))
        }
        return (ids[0], ids[1])
    }

    @Test func grantListAndRevokeAnApplicationPermission() async throws {
        try await GraphHarness().run { graph in
            let (apiSp, clientSp) = try await Self.apiAndDaemon(graph)
            let path = "/v1.0/servicePrincipals/\(apiSp)/appRoleAssignedTo"
            let body = #"{"principalId": "\#(clientSp)", "resourceId": "\#(apiSp)", "appRoleId": "\#(Self.roleId)"}"#

            #expect(try await graph.send(.post, path, token: "reader", json: body).status == 403)
            let created = try await graph.send(.post, path, json: body)
            #expect(created.status == 201)
            let id = try #require(created.string("id"))
            #expect(id.count == 43 && !id.contains("=") && !id.contains("+") && !id.contains("/"))
            #expect(created.string("principalId") == clientSp)
            #expect(created.string("resourceId") == apiSp)
            #expect(created.string("principalType") == "ServicePrincipal")
            #expect(created.string("resourceDisplayName") == "api")

            let again = try await graph.send(.post, path, json: body)
            #expect(again.status == 400)
            let listed = try await graph.send(.get, path)
            #expect(listed.values.compactMap { $0["id"]?.stringValue } == [id])
            #expect(try await graph.send(.get, "\(path)/\(id)").string("appRoleId") == Self.roleId)

            #expect(try await graph.send(.delete, "\(path)/\(id)").status == 204)
            #expect(try await graph.send(.get, path).values.isEmpty)
            #expect(try await graph.send(.delete, "\(path)/\(id)").status == 404)
        }
    }

    @Test func refusesARoleTheResourceDoesNotOfferAndAForeignResourceId() async throws {
        try await GraphHarness().run { graph in
            let (apiSp, clientSp) = try await Self.apiAndDaemon(graph)
            let path = "/v1.0/servicePrincipals/\(apiSp)/appRoleAssignedTo"
            let unknownRole =
                #"{"principalId": "\#(clientSp)", "resourceId": "\#(apiSp)", "appRoleId": "\#(UUID().uuidString)"}"#
            let refused = try await graph.send(.post, path, json: unknownRole)
            #expect(refused.status == 400)
            #expect(
                refused.json?["error"]?["message"]?.stringValue?.hasPrefix("Permission being assigned was not found")
                    == true)
            let foreign =
                #"{"principalId": "\#(clientSp)", "resourceId": "\#(clientSp)", "appRoleId": "\#(Self.roleId)"}"#
            #expect(try await graph.send(.post, path, json: foreign).status == 400)
            let nobody =
                #"{"principalId": "\#(UUID().uuidString)", "resourceId": "\#(apiSp)", "appRoleId": "\#(Self.roleId)"}"#
            #expect(try await graph.send(.post, path, json: nobody).status == 404)
        }
    }
}
