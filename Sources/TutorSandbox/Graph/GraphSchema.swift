import Foundation
import TutorSupport

/// The type of a Graph property, enough to validate request bodies as Graph does.
indirect enum GraphType: Sendable {
    case string(maxLength: Int?)
    case boolean
    case int32
    case guid
    case dateTime
    case enumeration([String])
    case collection(GraphType)
    case complex(GraphComplexType)
    /// Any JSON (properties the sandbox keeps without looking inside).
    case any

    static let string = GraphType.string(maxLength: nil)
}

/// A structured (complex) Graph type: its name and properties in Graph's order.
struct GraphComplexType: Sendable {
    var name: String
    var properties: [GraphProperty]
}

/// One property of a resource or complex type.
struct GraphProperty: Sendable {
    var name: String
    var type: GraphType
    /// The value Graph shows when the property was never set.
    var defaultValue: JSONValue
    /// Read-only properties are refused in request bodies.
    var readOnly: Bool

    init(_ name: String, _ type: GraphType, _ defaultValue: JSONValue = .null, readOnly: Bool = false) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.readOnly = readOnly
    }

    static func collection(_ name: String, _ element: GraphType, readOnly: Bool = false) -> GraphProperty {
        GraphProperty(name, .collection(element), .array([]), readOnly: readOnly)
    }
}

/// Validates request bodies against a resource's properties, the way Graph refuses them:
/// unknown, read-only or ill-typed properties are a 400 naming the property.
struct GraphValidator {
    /// The resource name used in messages (`Application`).
    var resource: String

    /// Checks a request body for `properties`; returns the given members, normalized.
    /// `@odata.type` is accepted when it names `odataType`.
    func validateBody(_ body: JSONValue, properties: [GraphProperty], odataType: String? = nil) throws(GraphFailure)
        -> [(String, JSONValue)]
    {
        guard let members = body.objectMembers else {
            throw GraphFailure.badRequest("The request body must be a JSON object.")
        }
        var result: [(String, JSONValue)] = []
        for member in members {
            if member.key == "@odata.type" {
                guard let odataType, Self.sameType(member.value.stringValue, odataType) else {
                    throw GraphFailure.badRequest(
                        "Invalid @odata.type '\(member.value.stringValue ?? "")' for resource '\(resource)'.")
                }
                continue
            }
            guard let property = properties.first(where: { $0.name == member.key }) else {
                throw GraphFailure.unknownProperty(member.key)
            }
            if property.readOnly { throw GraphFailure.readOnly(member.key) }
            result.append((member.key, try check(member.value, as: property.type, name: member.key)))
        }
        return result
    }

    /// Checks one value; complex values come back with every property, defaults filled in.
    func check(_ value: JSONValue, as type: GraphType, name: String) throws(GraphFailure) -> JSONValue {
        if case .null = value {
            if case .collection = type { throw GraphFailure.invalidValue(name, resource) }
            return .null
        }
        switch type {
        case .any:
            return value
        case .string(let maxLength):
            guard let string = value.stringValue else { throw GraphFailure.invalidValue(name, resource) }
            if let maxLength, string.count > maxLength { throw GraphFailure.invalidValue(name, resource) }
            return value
        case .boolean:
            guard value.boolValue != nil else { throw GraphFailure.invalidValue(name, resource) }
            return value
        case .int32:
            guard let number = value.numberValue, number == number.rounded(), abs(number) <= Double(Int32.max) else {
                throw GraphFailure.invalidValue(name, resource)
            }
            return value
        case .guid:
            guard let string = value.stringValue, isGUID(string) else {
                throw GraphFailure.invalidValue(name, resource)
            }
            return value
        case .dateTime:
            guard let string = value.stringValue, GraphDate.parse(string) != nil else {
                throw GraphFailure.invalidValue(name, resource)
            }
            return value
        case .enumeration(let allowed):
            guard let string = value.stringValue,
                let match = allowed.first(where: { $0.equalsIgnoringCase(string) })
            else { throw GraphFailure.invalidValue(name, resource) }
            return .string(match)
        case .collection(let element):
            guard let elements = value.arrayElements else { throw GraphFailure.invalidValue(name, resource) }
            var checked: [JSONValue] = []
            for item in elements { checked.append(try check(item, as: element, name: name)) }
            return .array(checked)
        case .complex(let complex):
            guard let members = value.objectMembers else { throw GraphFailure.invalidValue(name, resource) }
            var given: [String: JSONValue] = [:]
            for member in members {
                if member.key == "@odata.type" {
                    guard Self.sameType(member.value.stringValue, complex.name) else {
                        throw GraphFailure.invalidValue(name, resource)
                    }
                    continue
                }
                guard let property = complex.properties.first(where: { $0.name == member.key }) else {
                    throw GraphFailure.unknownProperty(member.key)
                }
                if property.readOnly { throw GraphFailure.readOnly(member.key) }
                given[member.key] = try check(member.value, as: property.type, name: member.key)
            }
            return .members(complex.properties.map { ($0.name, given[$0.name] ?? $0.defaultValue) })
        }
    }

    /// Whether an `@odata.type` value names `type` (`#microsoft.graph.x`, `microsoft.graph.x`).
    static func sameType(_ given: String?, _ type: String) -> Bool {
        guard var given else { return false }
        if given.hasPrefix("#") { given.removeFirst() }
        return given.equalsIgnoringCase("microsoft.graph.\(type)")
    }
}

/// The resources' properties as the CSDL defines them (the subset the sandbox serves).
enum GraphSchemas {
    static let redirectList = GraphComplexType(
        name: "spaApplication", properties: [.collection("redirectUris", .string)])

    static let application: [GraphProperty] = [
        GraphProperty("id", .string, readOnly: true),
        GraphProperty("deletedDateTime", .dateTime, readOnly: true),
        GraphProperty("appId", .string, readOnly: true),
        GraphProperty("applicationTemplateId", .string, readOnly: true),
        GraphProperty("disabledByMicrosoftStatus", .string, readOnly: true),
        GraphProperty("createdDateTime", .dateTime, readOnly: true),
        GraphProperty("displayName", .string(maxLength: 256)),
        GraphProperty("description", .string(maxLength: 1024)),
        GraphProperty("groupMembershipClaims", .string),
        .collection("identifierUris", .string),
        GraphProperty("isDeviceOnlyAuthSupported", .boolean),
        GraphProperty("isFallbackPublicClient", .boolean),
        GraphProperty("nativeAuthenticationApisEnabled", .enumeration(["none", "all"])),
        GraphProperty("notes", .string),
        GraphProperty("oauth2RequirePostResponse", .boolean, .bool(false)),
        GraphProperty("publisherDomain", .string, readOnly: true),
        GraphProperty("serviceManagementReference", .string),
        GraphProperty(
            "signInAudience",
            .enumeration([
                "AzureADMyOrg", "AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount",
                "PersonalMicrosoftAccount",
            ]), .string("AzureADMyOrg")),
        .collection("tags", .string),
        GraphProperty("tokenEncryptionKeyId", .guid),
        GraphProperty("uniqueName", .string(maxLength: 256)),
        GraphProperty("samlMetadataUrl", .string),
        GraphProperty("defaultRedirectUri", .string),
        GraphProperty("certification", .any, readOnly: true),
        GraphProperty(
            "optionalClaims",
            .complex(
                GraphComplexType(
                    name: "optionalClaims",
                    properties: ["accessToken", "idToken", "saml2Token"].map {
                        .collection(
                            $0,
                            .complex(
                                GraphComplexType(
                                    name: "optionalClaim",
                                    properties: [
                                        .collection("additionalProperties", .string),
                                        GraphProperty("essential", .boolean, .bool(false)),
                                        GraphProperty("name", .string),
                                        GraphProperty("source", .string),
                                    ])))
                    }))),
        .collection("addIns", .any),
        GraphProperty(
            "api",
            .complex(
                GraphComplexType(
                    name: "apiApplication",
                    properties: [
                        GraphProperty("acceptMappedClaims", .boolean),
                        .collection("knownClientApplications", .guid),
                        GraphProperty("requestedAccessTokenVersion", .int32),
                        .collection("oauth2PermissionScopes", .complex(permissionScope)),
                        .collection(
                            "preAuthorizedApplications",
                            .complex(
                                GraphComplexType(
                                    name: "preAuthorizedApplication",
                                    properties: [
                                        GraphProperty("appId", .string),
                                        .collection("delegatedPermissionIds", .string),
                                    ]))),
                    ])),
            .members([
                ("acceptMappedClaims", .null), ("knownClientApplications", .array([])),
                ("requestedAccessTokenVersion", .null), ("oauth2PermissionScopes", .array([])),
                ("preAuthorizedApplications", .array([])),
            ])),
        .collection("appRoles", .complex(appRole)),
        GraphProperty(
            "info",
            .complex(
                GraphComplexType(
                    name: "informationalUrl",
                    properties: ["logoUrl", "marketingUrl", "privacyStatementUrl", "supportUrl", "termsOfServiceUrl"]
                        .map { GraphProperty($0, .string) })),
            .members([
                ("logoUrl", .null), ("marketingUrl", .null), ("privacyStatementUrl", .null), ("supportUrl", .null),
                ("termsOfServiceUrl", .null),
            ])),
        .collection("keyCredentials", .any),
        GraphProperty(
            "parentalControlSettings",
            .complex(
                GraphComplexType(
                    name: "parentalControlSettings",
                    properties: [
                        .collection("countriesBlockedForMinors", .string),
                        GraphProperty("legalAgeGroupRule", .string, .string("Allow")),
                    ])),
            .members([("countriesBlockedForMinors", .array([])), ("legalAgeGroupRule", .string("Allow"))])),
        .collection("passwordCredentials", .any),
        GraphProperty(
            "publicClient",
            .complex(GraphComplexType(name: "publicClientApplication", properties: redirectList.properties)),
            .members([("redirectUris", .array([]))])),
        .collection(
            "requiredResourceAccess",
            .complex(
                GraphComplexType(
                    name: "requiredResourceAccess",
                    properties: [
                        GraphProperty("resourceAppId", .string),
                        .collection(
                            "resourceAccess",
                            .complex(
                                GraphComplexType(
                                    name: "resourceAccess",
                                    properties: [
                                        GraphProperty("id", .guid),
                                        GraphProperty("type", .enumeration(["Scope", "Role"])),
                                    ]))),
                    ]))),
        GraphProperty(
            "verifiedPublisher", .any,
            .members([("displayName", .null), ("verifiedPublisherId", .null), ("addedDateTime", .null)]),
            readOnly: true),
        GraphProperty(
            "web",
            .complex(
                GraphComplexType(
                    name: "webApplication",
                    properties: [
                        GraphProperty("homePageUrl", .string),
                        GraphProperty("logoutUrl", .string),
                        .collection("redirectUris", .string),
                        GraphProperty(
                            "implicitGrantSettings",
                            .complex(
                                GraphComplexType(
                                    name: "implicitGrantSettings",
                                    properties: [
                                        GraphProperty("enableAccessTokenIssuance", .boolean, .bool(false)),
                                        GraphProperty("enableIdTokenIssuance", .boolean, .bool(false)),
                                    ])),
                            .members([
                                ("enableAccessTokenIssuance", .bool(false)), ("enableIdTokenIssuance", .bool(false)),
                            ])),
                        .collection(
                            "redirectUriSettings",
                            .complex(
                                GraphComplexType(
                                    name: "redirectUriSettings",
                                    properties: [GraphProperty("uri", .string), GraphProperty("index", .int32)]))),
                    ])),
            .members([
                ("homePageUrl", .null), ("logoutUrl", .null), ("redirectUris", .array([])),
                (
                    "implicitGrantSettings",
                    .members([("enableAccessTokenIssuance", .bool(false)), ("enableIdTokenIssuance", .bool(false))])
                ),
                ("redirectUriSettings", .array([])),
            ])),
        GraphProperty("spa", .complex(redirectList), .members([("redirectUris", .array([]))])),
        GraphProperty(
            "servicePrincipalLockConfiguration",
            .complex(
                GraphComplexType(
                    name: "servicePrincipalLockConfiguration",
                    properties: [
                        "isEnabled", "allProperties", "credentialsWithUsageVerify", "credentialsWithUsageSign",
                        "identifierUris", "tokenEncryptionKeyId",
                    ].map { GraphProperty($0, .boolean) }))),
    ]

    static let permissionScope = GraphComplexType(
        name: "permissionScope",
        properties: [
            GraphProperty("adminConsentDescription", .string),
            GraphProperty("adminConsentDisplayName", .string),
            GraphProperty("id", .guid),
            GraphProperty("isEnabled", .boolean, .bool(true)),
            GraphProperty("type", .enumeration(["User", "Admin"])),
            GraphProperty("userConsentDescription", .string),
            GraphProperty("userConsentDisplayName", .string),
            GraphProperty("value", .string),
        ])

    static let appRole = GraphComplexType(
        name: "appRole",
        properties: [
            .collection("allowedMemberTypes", .enumeration(["User", "Application"])),
            GraphProperty("description", .string),
            GraphProperty("displayName", .string),
            GraphProperty("id", .guid),
            GraphProperty("isEnabled", .boolean, .bool(true)),
            GraphProperty("origin", .string, readOnly: true),
            GraphProperty("value", .string),
        ])

    /// Properties a caller may give when creating a service principal.
    static let servicePrincipalWritable: [GraphProperty] = [
        GraphProperty("appId", .string),
        GraphProperty("accountEnabled", .boolean, .bool(true)),
        GraphProperty("appRoleAssignmentRequired", .boolean, .bool(false)),
        GraphProperty("description", .string(maxLength: 1024)),
        GraphProperty("displayName", .string(maxLength: 256)),
        GraphProperty("homepage", .string),
        GraphProperty("loginUrl", .string),
        GraphProperty("notes", .string),
        .collection("notificationEmailAddresses", .string),
        GraphProperty("preferredSingleSignOnMode", .string),
        .collection("tags", .string),
        GraphProperty("id", .string, readOnly: true),
        GraphProperty("appOwnerOrganizationId", .guid, readOnly: true),
        GraphProperty("servicePrincipalType", .string, readOnly: true),
        .collection("servicePrincipalNames", .string, readOnly: true),
    ]

    static let oauth2PermissionGrant: [GraphProperty] = [
        GraphProperty("id", .string, readOnly: true),
        GraphProperty("clientId", .string),
        GraphProperty("consentType", .enumeration(["AllPrincipals", "Principal"])),
        GraphProperty("principalId", .string),
        GraphProperty("resourceId", .string),
        GraphProperty("scope", .string),
    ]

    static let passwordCredential = GraphComplexType(
        name: "passwordCredential",
        properties: [
            GraphProperty("customKeyIdentifier", .string),
            GraphProperty("displayName", .string(maxLength: 256)),
            GraphProperty("endDateTime", .dateTime),
            GraphProperty("hint", .string, readOnly: true),
            GraphProperty("keyId", .guid, readOnly: true),
            GraphProperty("secretText", .string, readOnly: true),
            GraphProperty("startDateTime", .dateTime),
        ])
}
