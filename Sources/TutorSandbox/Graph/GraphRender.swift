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

    static func servicePrincipal(_ principal: SandboxServicePrincipal, application: SandboxApplication?) -> JSONValue {
        let replyUrls = application.map { $0.redirectUris + $0.spaRedirectUris + $0.publicClientRedirectUris } ?? []
        let extra = principal.properties ?? [:]
        let homepage: JSONValue = extra["homepage"] ?? application?.properties["web"]?["homePageUrl"] ?? .null
        let description: JSONValue = extra["description"] ?? .null
        let assignmentRequired: JSONValue = extra["appRoleAssignmentRequired"] ?? .bool(false)
        let loginUrl: JSONValue = extra["loginUrl"] ?? .null
        let notes: JSONValue = extra["notes"] ?? .null
        let emails: JSONValue = extra["notificationEmailAddresses"] ?? .array([])
        let singleSignOn: JSONValue = extra["preferredSingleSignOnMode"] ?? .null
        let appDescription: JSONValue = application?.properties["description"] ?? .null
        let audience: JSONValue = application?.properties["signInAudience"] ?? .string("AzureADMyOrg")
        let appDisplayName = application?.displayName ?? principal.displayName
        return .members([
            ("id", .string(principal.id)),
            ("deletedDateTime", .null),
            ("accountEnabled", .bool(principal.accountEnabled)),
            ("alternativeNames", .array([])),
            ("appDisplayName", .string(appDisplayName)),
            ("appDescription", appDescription),
            ("appId", .string(principal.appId)),
            ("applicationTemplateId", .null),
            ("appOwnerOrganizationId", .string(principal.appOwnerOrganizationId)),
            ("appRoleAssignmentRequired", assignmentRequired),
            ("createdDateTime", GraphDate.value(principal.createdDateTime)),
            ("description", description),
            ("disabledByMicrosoftStatus", .null),
            ("displayName", .string(principal.displayName)),
            ("homepage", homepage),
            ("loginUrl", loginUrl),
            ("logoutUrl", .optional(application?.logoutUrl)),
            ("notes", notes),
            ("notificationEmailAddresses", emails),
            ("preferredSingleSignOnMode", singleSignOn),
            ("preferredTokenSigningKeyThumbprint", .null),
            ("replyUrls", .strings(replyUrls)),
            ("servicePrincipalNames", .strings(servicePrincipalNames(principal, application: application))),
            ("servicePrincipalType", .string("Application")),
            ("signInAudience", audience),
            ("tags", .strings(principal.tags)),
            ("tokenEncryptionKeyId", .null),
            (
                "info",
                .members([
                    ("logoUrl", .null), ("marketingUrl", .null), ("privacyStatementUrl", .null), ("supportUrl", .null),
                    ("termsOfServiceUrl", .null),
                ])
            ),
            ("addIns", .array([])),
            (
                "appRoles",
                .array(
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
                    })
            ),
            ("keyCredentials", .array([])),
            (
                "oauth2PermissionScopes",
                .array(
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
                    })
            ),
            ("passwordCredentials", .array([])),
            ("resourceSpecificApplicationPermissions", .array([])),
            (
                "verifiedPublisher",
                .members([("displayName", .null), ("verifiedPublisherId", .null), ("addedDateTime", .null)])
            ),
        ])
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
            ("priority", .number(500)),
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
