import Foundation
import TutorSupport

extension TenantDirectory {
    // MARK: - Service principals

    /// Service principals other requests can see.
    func visibleServicePrincipals() -> [SandboxServicePrincipal] {
        state.servicePrincipals.filter { !isHidden($0.id) }
    }

    /// The service principal a key names (`.id` or `.appId`), if visible.
    func findServicePrincipal(_ key: ObjectKey) -> SandboxServicePrincipal? {
        let found: SandboxServicePrincipal?
        switch key {
        case .id(let id): found = state.servicePrincipals.first { $0.id.equalsIgnoringCase(id) }
        case .appId(let appId): found = servicePrincipal(appId: appId)
        case .uniqueName: found = nil
        }
        guard let found, !isHidden(found.id) else { return nil }
        return found
    }

    func createServicePrincipal(_ properties: [(String, JSONValue)], lag: Duration) async throws
        -> SandboxServicePrincipal
    {
        var values: [String: JSONValue] = [:]
        for (name, value) in properties { values[name] = value }
        guard let appId = values["appId"]?.stringValue, !appId.isEmpty else {
            throw GraphFailure.missing("appId", "ServicePrincipal")
        }
        guard let app = application(appId: appId), !isHidden(app.appId) else {
            // Graph's code is the generic one; the reason is in `details` (`target` appId).
            throw GraphFailure(
                400, "Request_BadRequest",
                "The appId '\(appId)' of the service principal does not reference a valid application object.",
                details: [(code: "NoBackingApplicationObject", target: "appId")])
        }
        guard servicePrincipal(appId: appId) == nil else {
            throw GraphFailure(
                409, "Request_MultipleObjectsWithSameKeyValue",
                "The service principal cannot be created, updated, or restored because the service principal name \(app.appId) is already in use."
            )
        }
        let principal = SandboxServicePrincipal(
            id: Self.newGUID(), appId: app.appId, displayName: app.displayName,
            appOwnerOrganizationId: state.organization.id, createdDateTime: Self.wholeSecond(Date()),
            accountEnabled: values["accountEnabled"]?.boolValue ?? true,
            tags: (values["tags"]?.arrayElements ?? []).compactMap(\.stringValue),
            appRoles: [], oauth2PermissionScopes: [], appRoleAssignments: [],
            properties: values.filter { !["appId", "accountEnabled", "tags"].contains($0.key) })
        hide([principal.id], for: lag)
        try await commit { $0.servicePrincipals.append(principal) }
        return principal
    }

    /// Applies validated properties to a service principal (PATCH).
    func updateServicePrincipal(_ key: ObjectKey, _ properties: [(String, JSONValue)]) async throws {
        guard let principal = findServicePrincipal(key) else { throw GraphFailure.notFound(key.text) }
        guard principal.appId != WellKnownGraph.appId else { throw GraphFailure.denied }
        try await commit { state in
            guard let index = state.servicePrincipals.firstIndex(where: { $0.id == principal.id }) else { return }
            var updated = state.servicePrincipals[index]
            var extra = updated.properties ?? [:]
            for (name, value) in properties {
                switch name {
                case "appId": throw GraphFailure.readOnly(name)
                case "accountEnabled": updated.accountEnabled = value.boolValue ?? true
                case "tags": updated.tags = (value.arrayElements ?? []).compactMap(\.stringValue)
                case "displayName":
                    guard let text = value.stringValue, !text.isEmpty else {
                        throw GraphFailure.invalidValue(name, "ServicePrincipal")
                    }
                    updated.displayName = text
                default: extra[name] = value
                }
            }
            updated.properties = extra
            state.servicePrincipals[index] = updated
        }
    }

    /// Deletes a service principal with its grants, role assignments and flow links.
    func deleteServicePrincipal(_ key: ObjectKey) async throws {
        guard let principal = findServicePrincipal(key) else { throw GraphFailure.notFound(key.text) }
        guard principal.appId != WellKnownGraph.appId else { throw GraphFailure.denied }
        try await commit { Self.removeServicePrincipals(appId: principal.appId, from: &$0) }
    }

    // MARK: - Delegated permission grants

    /// Grants other requests can see.
    func visibleGrants() -> [SandboxPermissionGrant] {
        state.oauth2PermissionGrants.filter { !isHidden($0.id) }
    }

    /// The grant with this id, if visible.
    func findGrant(id: String) -> SandboxPermissionGrant? {
        visibleGrants().first { $0.id == id }
    }

    func createGrant(_ properties: [(String, JSONValue)], lag: Duration) async throws -> SandboxPermissionGrant {
        var values: [String: JSONValue] = [:]
        for (name, value) in properties { values[name] = value }
        guard let clientId = values["clientId"]?.stringValue else {
            throw GraphFailure.missing("clientId", "OAuth2PermissionGrant")
        }
        guard let resourceId = values["resourceId"]?.stringValue else {
            throw GraphFailure.missing("resourceId", "OAuth2PermissionGrant")
        }
        guard let consentType = values["consentType"]?.stringValue else {
            throw GraphFailure.missing("consentType", "OAuth2PermissionGrant")
        }
        // A reference to a service principal that does not exist (or has not replicated yet) is
        // Graph's 404 for missing reference-property objects.
        guard findServicePrincipal(.id(clientId)) != nil else { throw GraphFailure.notFound(clientId) }
        guard let resource = findServicePrincipal(.id(resourceId)) else { throw GraphFailure.notFound(resourceId) }
        let principalId = values["principalId"]?.stringValue
        if consentType == "Principal" {
            guard let principalId, user(id: principalId) != nil else {
                throw GraphFailure.badRequest("A grant with consentType 'Principal' needs the principalId of a user.")
            }
        } else if principalId != nil {
            throw GraphFailure.badRequest("A grant with consentType 'AllPrincipals' must not have a principalId.")
        }
        let scope = try checkScopes(values["scope"]?.stringValue ?? "", on: resource)
        let duplicate = state.oauth2PermissionGrants.contains {
            $0.clientId.equalsIgnoringCase(clientId)
                && $0.resourceId.equalsIgnoringCase(resourceId)
                && $0.consentType == consentType && $0.principalId == principalId
        }
        guard !duplicate else {
            throw GraphFailure(409, "Request_MultipleObjectsWithSameKeyValue", "Permission entry already exists.")
        }
        let grant = SandboxPermissionGrant(
            id: Self.newGrantId(), clientId: clientId.lowercased(), consentType: consentType,
            principalId: principalId?.lowercased(), resourceId: resourceId.lowercased(), scope: scope)
        hide([grant.id], for: lag)
        try await commit { $0.oauth2PermissionGrants.append(grant) }
        return grant
    }

    /// Changes a grant's scopes (the only property PATCH may change).
    func updateGrant(id: String, _ properties: [(String, JSONValue)]) async throws {
        guard let grant = findGrant(id: id) else { throw GraphFailure.notFound(id) }
        guard let resource = findServicePrincipal(.id(grant.resourceId)) else { throw GraphFailure.notFound(id) }
        var scope = grant.scope
        for (name, value) in properties {
            guard name == "scope" else { throw GraphFailure.readOnly(name) }
            scope = try checkScopes(value.stringValue ?? "", on: resource)
        }
        try await commit { state in
            guard let index = state.oauth2PermissionGrants.firstIndex(where: { $0.id == id }) else { return }
            state.oauth2PermissionGrants[index].scope = scope
        }
    }

    /// Deletes a grant.
    func deleteGrant(id: String) async throws {
        guard findGrant(id: id) != nil else { throw GraphFailure.notFound(id) }
        try await commit { $0.oauth2PermissionGrants.removeAll { $0.id == id } }
    }

    private func checkScopes(_ scope: String, on resource: SandboxServicePrincipal) throws -> String {
        let values = scope.split(separator: " ").map(String.init)
        for value in values where !resource.oauth2PermissionScopes.contains(where: { $0.value == value }) {
            throw GraphFailure.badRequest(
                "Invalid value specified for property 'scope': '\(value)' is not a delegated permission of \(resource.displayName)."
            )
        }
        return values.joined(separator: " ")
    }

    // MARK: - Users and organization

    /// All users.
    func visibleUsers() -> [SandboxUser] {
        state.users.filter { !isHidden($0.id) }
    }

    /// A user by object id or user principal name.
    func findUser(_ key: String) -> SandboxUser? {
        visibleUsers().first {
            $0.id.equalsIgnoringCase(key)
                || $0.userPrincipalName.equalsIgnoringCase(key)
        }
    }

    var organization: SandboxOrganization { state.organization }
}
