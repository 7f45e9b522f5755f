import Foundation
import TutorSupport

/// App role assignments made through a resource service principal's `appRoleAssignedTo`
/// (docs: api-reference/v1.0/api/serviceprincipal-post-approleassignedto.md). They are kept on
/// the principal that holds the role, where token issuance reads them.
extension TenantDirectory {
    /// The assignments of roles `resource` defines, oldest first.
    func assignments(toResource resource: SandboxServicePrincipal) -> [SandboxAppRoleAssignment] {
        state.servicePrincipals.flatMap(\.appRoleAssignments)
            .filter { $0.resourceId == resource.id && !isHidden($0.id) }
            .sorted { $0.createdDateTime < $1.createdDateTime }
    }

    /// Role ids a resource offers to applications: its own (Microsoft Graph's) and its application's
    /// `appRoles` that allow the `Application` member type.
    func applicationRoleIds(of resource: SandboxServicePrincipal) -> Set<String> {
        var ids = Set(resource.appRoles.map { $0.id.lowercased() })
        for role in application(appId: resource.appId)?.properties["appRoles"]?.arrayElements ?? [] {
            let types = (role["allowedMemberTypes"]?.arrayElements ?? []).compactMap(\.stringValue)
            if types.contains("Application"), let id = role["id"]?.stringValue { ids.insert(id.lowercased()) }
        }
        return ids
    }

    /// Grants a role of `resourceKey` to a service principal (POST …/appRoleAssignedTo).
    func createAppRoleAssignment(resource resourceKey: ObjectKey, _ properties: [(String, JSONValue)], lag: Duration)
        async throws -> SandboxAppRoleAssignment
    {
        guard let resource = findServicePrincipal(resourceKey) else { throw GraphFailure.notFound(resourceKey.text) }
        var values: [String: JSONValue] = [:]
        for (name, value) in properties { values[name] = value }
        guard let principalId = values["principalId"]?.stringValue else {
            throw GraphFailure.missing("principalId", "AppRoleAssignment")
        }
        guard let appRoleId = values["appRoleId"]?.stringValue else {
            throw GraphFailure.missing("appRoleId", "AppRoleAssignment")
        }
        if let resourceId = values["resourceId"]?.stringValue, !resourceId.equalsIgnoringCase(resource.id) {
            throw GraphFailure.badRequest(
                "The resourceId of the assignment must be the service principal it is posted to.")
        }
        guard let principal = findServicePrincipal(.id(principalId)) else { throw GraphFailure.notFound(principalId) }
        guard applicationRoleIds(of: resource).contains(appRoleId.lowercased()) else {
            throw GraphFailure.badRequest("Permission being assigned was not found on application '\(resource.appId)'.")
        }
        let held = principal.appRoleAssignments.contains {
            $0.resourceId == resource.id && $0.appRoleId.equalsIgnoringCase(appRoleId)
        }
        guard !held else { throw GraphFailure.badRequest("Permission being assigned already exists on the object.") }
        let assignment = SandboxAppRoleAssignment(
            id: Self.newAssignmentId(principalId: principal.id), appRoleId: appRoleId.lowercased(),
            principalId: principal.id, resourceId: resource.id, createdDateTime: Self.wholeSecond(Date()))
        hide([assignment.id], for: lag)
        try await commit { state in
            guard let index = state.servicePrincipals.firstIndex(where: { $0.id == principal.id }) else { return }
            state.servicePrincipals[index].appRoleAssignments.append(assignment)
        }
        return assignment
    }

    /// Removes an assignment of a role of `resourceKey` (DELETE …/appRoleAssignedTo/{id}).
    func deleteAppRoleAssignment(resource resourceKey: ObjectKey, id: String) async throws {
        guard let resource = findServicePrincipal(resourceKey) else { throw GraphFailure.notFound(resourceKey.text) }
        guard assignments(toResource: resource).contains(where: { $0.id == id }) else {
            throw GraphFailure.notFound(id)
        }
        try await commit { state in
            for index in state.servicePrincipals.indices {
                state.servicePrincipals[index].appRoleAssignments.removeAll { $0.id == id }
            }
        }
    }

    /// Graph's assignment ids are 43 base64url characters that start with the principal's id
    /// (the docs' example: `-WmtM5na7Uus0D8kI1yylpU9Mdo0Pb9OoBJvd3T5eKc`).
    static func newAssignmentId(principalId: String) -> String {
        var bytes = [UInt8]()
        if let uuid = UUID(uuidString: principalId) { withUnsafeBytes(of: uuid.uuid) { bytes += $0 } }
        while bytes.count < 32 { bytes.append(UInt8.random(in: 0...255)) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
