import Foundation
import TutorSupport

/// Turns directory objects into Graph's JSON representation, properties in Graph's order.
enum GraphRender {
    static func application(_ app: SandboxApplication, domain: String) -> JSONValue {
        .members(
            GraphSchemas.application.map { property in
                switch property.name {
                case "id": return ("id", .string(app.id))
                case "appId": return ("appId", .string(app.appId))
                case "createdDateTime": return ("createdDateTime", GraphDate.value(app.createdDateTime))
                case "publisherDomain": return ("publisherDomain", .string(domain))
                case "passwordCredentials":
                    return (
                        "passwordCredentials",
                        .array(app.passwordCredentials.map { passwordCredential($0, secret: nil) })
                    )
                default: return (property.name, app.properties[property.name] ?? property.defaultValue)
                }
            })
    }

    static func passwordCredential(_ credential: StoredPasswordCredential, secret: String?) -> JSONValue {
        .members([
            ("customKeyIdentifier", .null),
            ("displayName", .optional(credential.displayName)),
            ("endDateTime", GraphDate.value(credential.endDateTime)),
            ("hint", .string(credential.hint)),
            ("keyId", .string(credential.keyId)),
            ("secretText", .optional(secret)),
            ("startDateTime", GraphDate.value(credential.startDateTime)),
        ])
    }

    /// A service principal: what the sandbox derives (from its application and itself), then what
    /// was written, then the schema's default, for every v1.0 property.
    static func servicePrincipal(_ principal: SandboxServicePrincipal, application: SandboxApplication?) -> JSONValue {
        let replyUrls = application.map { $0.redirectUris + $0.spaRedirectUris + $0.publicClientRedirectUris } ?? []
        let extra = principal.properties ?? [:]
        let derived: [String: JSONValue] = [
            "id": .string(principal.id),
            "accountEnabled": .bool(principal.accountEnabled),
            "appDisplayName": .string(application?.displayName ?? principal.displayName),
            "appDescription": application?.properties["description"] ?? .null,
            "appId": .string(principal.appId),
            "appOwnerOrganizationId": .string(principal.appOwnerOrganizationId),
            "createdDateTime": GraphDate.value(principal.createdDateTime),
            "displayName": .string(principal.displayName),
            "homepage": extra["homepage"] ?? application?.properties["web"]?["homePageUrl"] ?? .null,
            "logoutUrl": .optional(application?.logoutUrl),
            "replyUrls": extra["replyUrls"] ?? .strings(replyUrls),
            "servicePrincipalNames": .strings(servicePrincipalNames(principal, application: application)),
            "servicePrincipalType": .string("Application"),
            "signInAudience": application?.properties["signInAudience"] ?? .string("AzureADMyOrg"),
            "tags": .strings(principal.tags),
            "info": application?.properties["info"] ?? GraphSchemaRules.defaults["application.info"] ?? .null,
            "verifiedPublisher": GraphSchemaRules.defaults["application.verifiedPublisher"] ?? .null,
            "appRoles": .array(
                principal.appRoles.map {
                    .members([
                        ("allowedMemberTypes", .strings($0.allowedMemberTypes)),
                        ("description", .string($0.description)),
                        ("displayName", .string($0.displayName)),
                        ("id", .string($0.id)),
                        ("isEnabled", .bool(true)),
                        ("origin", .string("Application")),
                        ("value", .string($0.value)),
                    ])
                }),
            "oauth2PermissionScopes": .array(
                principal.oauth2PermissionScopes.map {
                    .members([
                        ("adminConsentDescription", .string($0.adminConsentDescription)),
                        ("adminConsentDisplayName", .string($0.adminConsentDisplayName)),
                        ("id", .string($0.id)),
                        ("isEnabled", .bool(true)),
                        ("type", .string($0.type)),
                        ("userConsentDescription", .string($0.adminConsentDescription)),
                        ("userConsentDisplayName", .string($0.adminConsentDisplayName)),
                        ("value", .string($0.value)),
                    ])
                }),
        ]
        return .members(
            GraphSchemas.servicePrincipal.map { property in
                (property.name, derived[property.name] ?? extra[property.name] ?? property.defaultValue)
            })
    }

    /// The appId and the application's identifier URIs; Microsoft Graph's also its resource URI.
    static func servicePrincipalNames(_ principal: SandboxServicePrincipal, application: SandboxApplication?)
        -> [String]
    {
        if principal.appId.equalsIgnoringCase(WellKnownGraph.appId) { return WellKnownGraph.servicePrincipalNames }
        let identifierUris = (application?.properties["identifierUris"]?.arrayElements ?? []).compactMap(\.stringValue)
        return [principal.appId] + identifierUris
    }

    static func grant(_ grant: SandboxPermissionGrant) -> JSONValue {
        .members([
            ("clientId", .string(grant.clientId)),
            ("consentType", .string(grant.consentType)),
            ("id", .string(grant.id)),
            ("principalId", .optional(grant.principalId)),
            ("resourceId", .string(grant.resourceId)),
            ("scope", .string(grant.scope)),
        ])
    }

    static func organization(_ organization: SandboxOrganization) -> JSONValue {
        .members([
            ("id", .string(organization.id)),
            ("deletedDateTime", .null),
            ("businessPhones", .array([])),
            ("city", .null),
            ("country", .null),
            ("countryLetterCode", .string("US")),
            ("createdDateTime", GraphDate.value(organization.createdDateTime)),
            ("defaultUsageLocation", .null),
            ("displayName", .string(organization.displayName)),
            ("marketingNotificationEmails", .array([])),
            ("onPremisesLastSyncDateTime", .null),
            ("onPremisesSyncEnabled", .null),
            ("preferredLanguage", .string("en")),
            ("securityComplianceNotificationMails", .array([])),
            ("securityComplianceNotificationPhones", .array([])),
            ("state", .null),
            ("street", .null),
            ("technicalNotificationMails", .array([])),
            ("tenantType", .string(organization.tenantType)),
            ("directorySizeQuota", .members([("used", .number(0)), ("total", .number(300_000))])),
            ("assignedPlans", .array([])),
            ("privacyProfile", .null),
            ("provisionedPlans", .array([])),
            (
                "verifiedDomains",
                .array([
                    .members([
                        ("capabilities", .string("Email, OfficeCommunicationsOnline")),
                        ("isDefault", .bool(true)),
                        ("isInitial", .bool(true)),
                        ("name", .string(organization.initialDomain)),
                        ("type", .string("Managed")),
                    ])
                ])
            ),
        ])
    }

    /// What Graph returns for a user without `$select`; the other properties need `$select`.
    static let userDefaultProperties = [
        "businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation",
        "preferredLanguage", "surname", "userPrincipalName", "id",
    ]

    static func user(_ user: SandboxUser) -> JSONValue {
        .members([
            ("id", .string(user.id)),
            ("businessPhones", .array([])),
            ("displayName", .string(user.displayName)),
            ("givenName", .optional(user.attributes["givenName"])),
            ("jobTitle", .optional(user.attributes["jobTitle"])),
            ("mail", .string(user.mail)),
            ("mobilePhone", .null),
            ("officeLocation", .null),
            ("preferredLanguage", .null),
            ("surname", .optional(user.attributes["surname"])),
            ("userPrincipalName", .string(user.userPrincipalName)),
            ("city", .optional(user.attributes["city"])),
            ("country", .optional(user.attributes["country"])),
            ("postalCode", .optional(user.attributes["postalCode"])),
            ("state", .optional(user.attributes["state"])),
            ("streetAddress", .optional(user.attributes["streetAddress"])),
            ("userType", .string(user.userType)),
            ("createdDateTime", GraphDate.value(user.createdDateTime)),
            (
                "identities",
                .array([
                    .members([
                        ("signInType", .string(user.signInType)),
                        ("issuer", .string(user.userPrincipalName.split(separator: "@").last.map(String.init) ?? "")),
                        (
                            "issuerAssignedId",
                            .string(user.signInType == "emailAddress" ? user.mail : user.userPrincipalName)
                        ),
                    ])
                ])
            ),
        ])
    }

    /// A user flow as Graph returns it; `forFilter` adds the linked applications, which Graph
    /// does not return but lets `$filter` reach through `conditions/applications/includeApplications`.
    static func userFlow(_ flow: SandboxUserFlow, forFilter: Bool = false) -> JSONValue {
        let page = flow.attributeCollectionPage ?? .members([("views", .array([]))])
        var applications: [(String, JSONValue)] = [("includeAllApplications", .bool(false))]
        if forFilter {
            applications.append(
                ("includeApplications", .array(flow.includeApplications.map { conditionApplication($0) })))
        }
        return .members([
            ("@odata.type", .string("#microsoft.graph.externalUsersSelfServiceSignUpEventsFlow")),
            ("id", .string(flow.id)),
            ("displayName", .string(flow.displayName)),
            ("description", .optional(flow.description)),
            ("onAttributeCollectionStart", .null),
            ("onAttributeCollectionSubmit", .null),
            (
                "onUserCreateStart",
                flow.userTypeToCreate.map {
                    .members([
                        ("@odata.type", .string("#microsoft.graph.onUserCreateStartExternalUsersSelfServiceSignUp")),
                        ("userTypeToCreate", .string($0)),
                    ])
                } ?? .null
            ),
            ("conditions", .members([("applications", .members(applications))])),
            (
                "onInteractiveAuthFlowStart",
                .members([
                    (
                        "@odata.type",
                        .string("#microsoft.graph.onInteractiveAuthFlowStartExternalUsersSelfServiceSignUp")
                    ),
                    ("isSignUpAllowed", .bool(flow.isSignUpAllowed)),
                ])
            ),
            (
                "onAuthenticationMethodLoadStart",
                .members([
                    (
                        "@odata.type",
                        .string("#microsoft.graph.onAuthenticationMethodLoadStartExternalUsersSelfServiceSignUp")
                    )
                ])
            ),
            (
                "onAttributeCollection",
                .members([
                    ("@odata.type", .string("#microsoft.graph.onAttributeCollectionExternalUsersSelfServiceSignUp")),
                    ("accessPackages", .array([])),
                    (
                        "attributeCollectionPage",
                        .object([.init("customStringsFileId", .null)] + (page.objectMembers ?? []))
                    ),
                ])
            ),
        ])
    }

    static func conditionApplication(_ appId: String) -> JSONValue {
        .members([
            ("@odata.type", .string("#microsoft.graph.authenticationConditionApplication")),
            ("appId", .string(appId)),
        ])
    }
}
