import Foundation
import TutorSupport

extension TenantDirectory {
    /// The email the pre-provisioned administrator signs in with.
    public static func adminUserEmail(subdomain: String) -> String {
        "admin@\(subdomain).onmicrosoft.com"
    }

    /// A fresh tenant: the CIAM organization, Microsoft Graph's service principal with its
    /// delegated scopes and application roles (real ids), the admin app and its service principal
    /// holding `WellKnownGraph.adminAppRoles` plus admin consent for the matching delegated scopes,
    /// and an administrator (`adminUserEmail(subdomain:)`) whose password is `adminPassword`, or
    /// the admin secret when none is given.
    public static func bootstrap(
        tenantId: String, subdomain: String, adminAppId: String, adminSecret: String,
        adminPassword: String? = nil
    ) -> TenantState {
        let now = wholeSecond(Date())
        let organization = SandboxOrganization(
            id: tenantId, displayName: "\(subdomain) (sandbox)", subdomain: subdomain, tenantType: "CIAM",
            createdDateTime: now)
        let graph = SandboxServicePrincipal(
            id: newGUID(), appId: WellKnownGraph.appId, displayName: "Microsoft Graph",
            appOwnerOrganizationId: WellKnownGraph.microsoftServicesTenantId, createdDateTime: now,
            accountEnabled: true, tags: [],
            appRoles: WellKnownGraph.sandboxAppRoles(), oauth2PermissionScopes: WellKnownGraph.sandboxScopes(),
            appRoleAssignments: [])

        let adminRoleIds = WellKnownGraph.adminAppRoles.compactMap { value in
            WellKnownGraph.appRoles.first { $0.value == value }?.id
        }
        let adminApp = SandboxApplication(
            id: newGUID(), appId: adminAppId, createdDateTime: now,
            properties: [
                "displayName": .string("tutor sandbox administrator"),
                "signInAudience": .string("AzureADMyOrg"),
                "isFallbackPublicClient": .bool(true),
                "requiredResourceAccess": .array([
                    .object([
                        .init("resourceAppId", .string(WellKnownGraph.appId)),
                        .init(
                            "resourceAccess",
                            .array(
                                adminRoleIds.map {
                                    .object([.init("id", .string($0)), .init("type", .string("Role"))])
                                })),
                    ])
                ]),
            ],
            passwordCredentials: [
                StoredPasswordCredential(
                    keyId: newGUID(), displayName: "tutor", hint: String(adminSecret.prefix(3)), startDateTime: now,
                    endDateTime: now.addingTimeInterval(2 * 365 * 86_400),
                    secretHash: SecretHasher.hashSecret(adminSecret))
            ])
        let adminPrincipalId = newGUID()
        let adminPrincipal = SandboxServicePrincipal(
            id: adminPrincipalId, appId: adminAppId, displayName: adminApp.displayName,
            appOwnerOrganizationId: tenantId, createdDateTime: now, accountEnabled: true, tags: [], appRoles: [],
            oauth2PermissionScopes: [],
            appRoleAssignments: adminRoleIds.map {
                SandboxAppRoleAssignment(
                    id: newGUID(), appRoleId: $0, principalId: adminPrincipalId, resourceId: graph.id,
                    createdDateTime: now)
            })
        let consent = SandboxPermissionGrant(
            id: newGrantId(), clientId: adminPrincipalId, consentType: "AllPrincipals", principalId: nil,
            resourceId: graph.id,
            scope: (["openid", "profile", "offline_access", "User.Read"] + WellKnownGraph.adminAppRoles).joined(
                separator: " "))
        let adminEmail = adminUserEmail(subdomain: subdomain)
        let adminUserId = newGUID()
        let admin = SandboxUser(
            id: adminUserId, displayName: "Sandbox Administrator", mail: adminEmail,
            userPrincipalName: adminEmail, userType: "Member", signInType: "userPrincipalName",
            createdDateTime: now, attributes: [:],
            passwordHash: SecretHasher.hashPassword(adminPassword ?? adminSecret), isAdministrator: true)
        return TenantState(
            formatVersion: TenantState.currentFormatVersion, organization: organization, applications: [adminApp],
            servicePrincipals: [graph, adminPrincipal], oauth2PermissionGrants: [consent], userFlows: [],
            users: [admin])
    }

    static func newGUID() -> String { UUID().uuidString.lowercased() }

    /// Graph's grant ids are 43-character base64url strings.
    static func newGrantId() -> String {
        Data(SecretHasher.randomBytes(32)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func wholeSecond(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }
}
