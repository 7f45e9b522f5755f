/// Microsoft Graph's well-known identifiers: its appId and the ids of the permissions it offers,
/// as Microsoft publishes them (the same in every tenant).
public enum WellKnownGraph {
    /// Microsoft Graph's appId.
    public static let appId = "00000003-0000-0000-c000-000000000000"
    /// The tenant that owns Microsoft's first-party applications.
    public static let microsoftServicesTenantId = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"

    /// The resource URIs Graph's service principal answers to (`servicePrincipalNames`), so
    /// `servicePrincipalNames/any(c:c eq 'https://graph.microsoft.com')` finds it.
    public static let servicePrincipalNames = [appId, "https://graph.microsoft.com"]

    /// Delegated permissions, as Microsoft publishes them (`GraphPermissionCatalog`).
    static var scopes: [GraphDelegatedPermission] { GraphPermissionCatalog.published.delegatedScopes }

    /// Application permissions, as Microsoft publishes them (`GraphPermissionCatalog`).
    static var appRoles: [GraphApplicationPermission] { GraphPermissionCatalog.published.appRoles }

    /// Graph's service principal's application roles.
    static func sandboxAppRoles() -> [SandboxAppRole] {
        appRoles.map {
            SandboxAppRole(
                id: $0.id, value: $0.value, displayName: $0.displayName ?? $0.value,
                description: $0.description ?? "Allows the app to use \($0.value) without a signed-in user.",
                allowedMemberTypes: ["Application"])
        }
    }

    /// Graph's service principal's delegated scopes.
    static func sandboxScopes() -> [SandboxPermissionScope] {
        scopes.map {
            SandboxPermissionScope(
                id: $0.id, value: $0.value, type: $0.consentType.rawValue,
                adminConsentDisplayName: $0.adminConsentDisplayName ?? $0.value,
                adminConsentDescription: $0.adminConsentDescription
                    ?? "Allows the app to use \($0.value) on behalf of the signed-in user.")
        }
    }

    /// `state` with Microsoft Graph's service principal carrying this build's permissions (a state
    /// written by an older build keeps working; ids never change, so grants and roles stay valid).
    static func refreshed(_ state: TenantState) -> TenantState {
        var state = state
        guard let index = state.servicePrincipals.firstIndex(where: { $0.appId.equalsIgnoringCase(appId) }) else {
            return state
        }
        state.servicePrincipals[index].appRoles = sandboxAppRoles()
        state.servicePrincipals[index].oauth2PermissionScopes = sandboxScopes()
        return state
    }

    /// The application permissions the pre-provisioned admin app holds.
    public static let adminAppRoles = [
        "Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All",
        "EventListener.ReadWrite.All", "Organization.Read.All", "User.Read.All",
    ]
}
