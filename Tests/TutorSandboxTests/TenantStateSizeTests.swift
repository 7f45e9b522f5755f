import Foundation
import Testing

@testable import TutorSandbox

/// `state.json` is rewritten on every change: Graph's own principal is saved without Microsoft's
/// published permission list (hundreds of kilobytes) and gets it back from the catalog on load;
/// any other principal keeps what it declares.
@Suite struct TenantStateSizeTests {
    static func principal(appId: String, roles: [SandboxAppRole], scopes: [SandboxPermissionScope])
        -> SandboxServicePrincipal
    {
        SandboxServicePrincipal(
            id: UUID().uuidString, appId: appId, displayName: "p", appOwnerOrganizationId: "o",
            createdDateTime: Date(timeIntervalSince1970: 0), accountEnabled: true, tags: [], appRoles: roles,
            oauth2PermissionScopes: scopes, appRoleAssignments: [])
    }

    static func roundTrip(_ value: SandboxServicePrincipal) throws -> (Data, SandboxServicePrincipal) {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let data = try encoder.encode(value)
        return (data, try decoder.decode(SandboxServicePrincipal.self, from: data))
    }

    @Test func graphsPermissionsAreNotSavedAndComeBackOnLoad() throws {
        let graph = Self.principal(
            appId: WellKnownGraph.appId, roles: WellKnownGraph.sandboxAppRoles(), scopes: WellKnownGraph.sandboxScopes()
        )
        let (data, loaded) = try Self.roundTrip(graph)
        #expect(data.count < 2_000)
        #expect(loaded.appRoles.map(\.id) == graph.appRoles.map(\.id))
        #expect(loaded.oauth2PermissionScopes.map(\.value) == graph.oauth2PermissionScopes.map(\.value))
        #expect(loaded.oauth2PermissionScopes.count > 300)
    }

    @Test func otherPrincipalsKeepWhatTheyDeclare() throws {
        let role = SandboxAppRole(
            id: "r", value: "Tasks.Read.All", displayName: "d", description: "d", allowedMemberTypes: ["Application"])
        let api = Self.principal(appId: "11111111-2222-3333-4444-555555555555", roles: [role], scopes: [])
        let (_, loaded) = try Self.roundTrip(api)
        #expect(loaded.appRoles.map(\.value) == ["Tasks.Read.All"])
        #expect(loaded.oauth2PermissionScopes.isEmpty)
    }
}
