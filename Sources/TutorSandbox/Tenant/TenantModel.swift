import Foundation
import TutorSupport

/// Everything a sandbox tenant knows; the content of its state file.
public struct TenantState: Codable, Sendable {
    /// The version of this file's layout, to refuse files written by a future layout.
    public var formatVersion: Int
    /// The organization (tenant) itself.
    public var organization: SandboxOrganization
    /// Application registrations.
    public var applications: [SandboxApplication]
    /// Service principals (enterprise applications), Microsoft Graph's own among them.
    public var servicePrincipals: [SandboxServicePrincipal]
    /// Delegated permission grants (admin or user consent).
    public var oauth2PermissionGrants: [SandboxPermissionGrant]
    /// Self-service sign-up user flows (`authenticationEventsFlow`).
    public var userFlows: [SandboxUserFlow]
    /// Users: the administrator and those who signed up.
    public var users: [SandboxUser]

    /// The layout version this build writes.
    public static let currentFormatVersion = 1
}

/// The tenant's `organization` object.
public struct SandboxOrganization: Codable, Sendable {
    /// The tenant id (a GUID).
    public var id: String
    /// The organization's display name.
    public var displayName: String
    /// The subdomain: `{subdomain}.onmicrosoft.com` is the initial domain.
    public var subdomain: String
    /// `CIAM` for an external tenant.
    public var tenantType: String
    /// When the tenant was made.
    public var createdDateTime: Date
    /// The initial verified domain, `{subdomain}.onmicrosoft.com`.
    public var initialDomain: String { "\(subdomain).onmicrosoft.com" }
}

/// A client secret as stored: only its hash and hint, never the secret itself.
public struct StoredPasswordCredential: Codable, Sendable {
    /// The credential's id (`keyId`).
    public var keyId: String
    /// A label the caller chose.
    public var displayName: String?
    /// The first three characters of the secret.
    public var hint: String
    /// When the secret becomes valid.
    public var startDateTime: Date
    /// When the secret stops being valid.
    public var endDateTime: Date
    /// The salted hash of the secret (see `SecretHasher`).
    public var secretHash: String
}

/// One resource's required permissions in an application's `requiredResourceAccess`.
public struct RequiredResourceAccess: Sendable, Hashable {
    /// The resource's appId (Microsoft Graph: 00000003-0000-0000-c000-000000000000).
    public var resourceAppId: String
    /// Permission ids with their type (`Scope` or `Role`).
    public var resourceAccess: [(id: String, type: String)]

    public init(resourceAppId: String, resourceAccess: [(id: String, type: String)]) {
        self.resourceAppId = resourceAppId
        self.resourceAccess = resourceAccess
    }

    /// Entries are equal when the resource and the permissions, in order, are.
    public static func == (lhs: RequiredResourceAccess, rhs: RequiredResourceAccess) -> Bool {
        lhs.resourceAppId == rhs.resourceAppId
            && lhs.resourceAccess.map { $0.id + "|" + $0.type } == rhs.resourceAccess.map { $0.id + "|" + $0.type }
    }

    /// Hashes the resource and the permissions.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(resourceAppId)
        for access in resourceAccess {
            hasher.combine(access.id)
            hasher.combine(access.type)
        }
    }
}

/// An application registration. Graph's writable properties are kept as JSON, as last written.
public struct SandboxApplication: Codable, Sendable {
    /// The object id.
    public var id: String
    /// The application (client) id.
    public var appId: String
    /// When it was created.
    public var createdDateTime: Date
    /// The writable Graph properties, by name (`displayName`, `web`, `requiredResourceAccess`, …).
    public var properties: [String: JSONValue]
    /// Client secrets (hashed).
    public var passwordCredentials: [StoredPasswordCredential]

    /// The display name.
    public var displayName: String { properties["displayName"]?.stringValue ?? "" }
    /// The alternate key `uniqueName`, if set.
    public var uniqueName: String? { properties["uniqueName"]?.stringValue }
    /// `web.redirectUris`: where a confidential web app receives codes.
    public var redirectUris: [String] { stringArray(properties["web"]?["redirectUris"]) }
    /// `spa.redirectUris`.
    public var spaRedirectUris: [String] { stringArray(properties["spa"]?["redirectUris"]) }
    /// `publicClient.redirectUris`.
    public var publicClientRedirectUris: [String] { stringArray(properties["publicClient"]?["redirectUris"]) }
    /// `web.logoutUrl`, the front-channel logout URL.
    public var logoutUrl: String? { properties["web"]?["logoutUrl"]?.stringValue }
    /// Where sign-out may send the browser back to: Entra accepts the app's registered redirect URIs.
    public var postLogoutRedirectUris: [String] { redirectUris + spaRedirectUris + publicClientRedirectUris }
    /// Whether the app is a public client (`isFallbackPublicClient`).
    public var isFallbackPublicClient: Bool { properties["isFallbackPublicClient"]?.boolValue ?? false }
    /// The permissions the app declares it needs.
    public var requiredResourceAccess: [RequiredResourceAccess] {
        (properties["requiredResourceAccess"]?.arrayElements ?? []).compactMap { entry in
            guard let resource = entry["resourceAppId"]?.stringValue else { return nil }
            let access = (entry["resourceAccess"]?.arrayElements ?? []).compactMap {
                item -> (id: String, type: String)? in
                guard let id = item["id"]?.stringValue, let type = item["type"]?.stringValue else { return nil }
                return (id, type)
            }
            return RequiredResourceAccess(resourceAppId: resource, resourceAccess: access)
        }
    }

    private func stringArray(_ value: JSONValue?) -> [String] {
        (value?.arrayElements ?? []).compactMap(\.stringValue)
    }
}

/// An application role a resource offers (application permissions such as `Application.ReadWrite.All`).
public struct SandboxAppRole: Codable, Sendable {
    /// The role's id.
    public var id: String
    /// The value in tokens' `roles` claim.
    public var value: String
    /// A short name.
    public var displayName: String
    /// What it allows.
    public var description: String
    /// `Application` and/or `User`.
    public var allowedMemberTypes: [String]
}

/// A delegated permission a resource offers (`User.Read`, `openid`, …).
public struct SandboxPermissionScope: Codable, Sendable {
    /// The scope's id.
    public var id: String
    /// The value in tokens' `scp` claim.
    public var value: String
    /// `User` (users may consent) or `Admin`.
    public var type: String
    /// What an administrator reads when consenting.
    public var adminConsentDisplayName: String
    /// A longer explanation for administrators.
    public var adminConsentDescription: String
}

/// An application role granted to a service principal.
public struct SandboxAppRoleAssignment: Codable, Sendable {
    /// The assignment's id.
    public var id: String
    /// The role's id on the resource.
    public var appRoleId: String
    /// The service principal holding the role.
    public var principalId: String
    /// The resource's service principal id.
    public var resourceId: String
    /// When the role was granted.
    public var createdDateTime: Date
}

/// A service principal: an application's presence in this tenant.
public struct SandboxServicePrincipal: Codable, Sendable {
    /// The object id.
    public var id: String
    /// The application's appId.
    public var appId: String
    /// Copied from the application.
    public var displayName: String
    /// The tenant that owns the application.
    public var appOwnerOrganizationId: String
    /// When it was created.
    public var createdDateTime: Date
    /// Whether sign-ins are allowed.
    public var accountEnabled: Bool
    /// Tags set at creation.
    public var tags: [String]
    /// Application permissions this resource offers.
    public var appRoles: [SandboxAppRole]
    /// Delegated permissions this resource offers.
    public var oauth2PermissionScopes: [SandboxPermissionScope]
    /// Application roles this principal holds on resources.
    public var appRoleAssignments: [SandboxAppRoleAssignment]
    /// Other writable Graph properties as last written (`notes`, `description`, `loginUrl`, …).
    public var properties: [String: JSONValue]? = nil
}

extension SandboxServicePrincipal {
    private enum CodingKeys: String, CodingKey {
        case id, appId, displayName, appOwnerOrganizationId, createdDateTime, accountEnabled, tags, appRoles
        case oauth2PermissionScopes, appRoleAssignments, properties
    }

    /// Microsoft Graph's own principal is saved without its 647 permissions (about 280 KB, which
    /// every write of `state.json` would re-encode): they are Microsoft's published list, filled
    /// in again from the catalog when the state is read. Every other principal is saved whole.
    private var savesItsPermissions: Bool { appId != WellKnownGraph.appId }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        appId = try container.decode(String.self, forKey: .appId)
        displayName = try container.decode(String.self, forKey: .displayName)
        appOwnerOrganizationId = try container.decode(String.self, forKey: .appOwnerOrganizationId)
        createdDateTime = try container.decode(Date.self, forKey: .createdDateTime)
        accountEnabled = try container.decode(Bool.self, forKey: .accountEnabled)
        tags = try container.decode([String].self, forKey: .tags)
        appRoleAssignments = try container.decode([SandboxAppRoleAssignment].self, forKey: .appRoleAssignments)
        properties = try container.decodeIfPresent([String: JSONValue].self, forKey: .properties)
        let isGraph = appId == WellKnownGraph.appId
        appRoles =
            try container.decodeIfPresent([SandboxAppRole].self, forKey: .appRoles)
            ?? (isGraph ? WellKnownGraph.sandboxAppRoles() : [])
        oauth2PermissionScopes =
            try container.decodeIfPresent([SandboxPermissionScope].self, forKey: .oauth2PermissionScopes)
            ?? (isGraph ? WellKnownGraph.sandboxScopes() : [])
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(appId, forKey: .appId)
        try container.encode(displayName, forKey: .displayName)
        try container.encode(appOwnerOrganizationId, forKey: .appOwnerOrganizationId)
        try container.encode(createdDateTime, forKey: .createdDateTime)
        try container.encode(accountEnabled, forKey: .accountEnabled)
        try container.encode(tags, forKey: .tags)
        try container.encode(appRoleAssignments, forKey: .appRoleAssignments)
        try container.encodeIfPresent(properties, forKey: .properties)
        if savesItsPermissions {
            try container.encode(appRoles, forKey: .appRoles)
            try container.encode(oauth2PermissionScopes, forKey: .oauth2PermissionScopes)
        }
    }
}

/// A delegated permission grant (`oAuth2PermissionGrant`).
public struct SandboxPermissionGrant: Codable, Sendable {
    /// The grant's id.
    public var id: String
    /// The client's service principal id.
    public var clientId: String
    /// `AllPrincipals` (admin consent) or `Principal` (one user).
    public var consentType: String
    /// The user's id for `Principal`, nil for `AllPrincipals`.
    public var principalId: String?
    /// The resource's service principal id.
    public var resourceId: String
    /// Space-separated scope values.
    public var scope: String
}

/// A self-service sign-up user flow (`externalUsersSelfServiceSignUpEventsFlow`).
public struct SandboxUserFlow: Codable, Sendable {
    /// The flow's id.
    public var id: String
    /// Its display name (unique in the tenant).
    public var displayName: String
    /// Optional description.
    public var description: String?
    /// Whether users may sign up (`onInteractiveAuthFlowStart.isSignUpAllowed`).
    public var isSignUpAllowed: Bool
    /// Identity provider ids (`EmailPassword-OAUTH`, `EmailOtpSignup-OAUTH`, …).
    public var identityProviders: [String]
    /// Attribute ids collected at sign-up (`email`, `displayName`, `city`, …).
    public var attributes: [String]
    /// The attribute collection page as written (`attributeCollectionPage`), if any.
    public var attributeCollectionPage: JSONValue?
    /// `onUserCreateStart.userTypeToCreate` (`member` or `guest`), if given.
    public var userTypeToCreate: String?
    /// The appIds of the applications the flow applies to.
    public var includeApplications: [String]
    /// When it was created.
    public var createdDateTime: Date
}

/// A user: the administrator or a local account made by sign-up.
public struct SandboxUser: Codable, Sendable {
    /// The object id (`oid`).
    public var id: String
    /// The name shown.
    public var displayName: String
    /// The email address used to sign in.
    public var mail: String
    /// `{id}@{subdomain}.onmicrosoft.com` for local accounts, as CIAM gives them.
    public var userPrincipalName: String
    /// `Member` or `Guest`.
    public var userType: String
    /// `emailAddress` for local accounts signing in with email.
    public var signInType: String
    /// When the account was created.
    public var createdDateTime: Date
    /// Further attributes collected at sign-up (`city`, `country`, …), by attribute id.
    public var attributes: [String: String]
    /// The salted hash of the password (see `SecretHasher`).
    public var passwordHash: String
    /// Whether this is the tenant's administrator.
    public var isAdministrator: Bool
}
