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
    /// `null` is refused for properties the schema says are not nullable.
    var nullable = true
    /// Left out of answers unless `$select` names it ("Returned only on $select").
    var selectOnly = false

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
            if !property.nullable, case .null = member.value { throw GraphFailure.invalidValue(member.key, resource) }
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
                if !property.nullable, case .null = member.value {
                    throw GraphFailure.invalidValue(member.key, resource)
                }
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

/// A type of Microsoft Graph's v1.0 schema, as `GraphSchemaData` (generated) lists it.
struct GraphSchemaType: Sendable {
    enum Kind: Sendable { case entity, complex }
    var kind: Kind
    var base: String?
    /// Complex types derived from this one (a handler's concrete types).
    var derived: [String]
    var properties: [GraphSchemaProperty]

    init(_ kind: Kind, base: String?, derived: [String], properties: [GraphSchemaProperty]) {
        self.kind = kind
        self.base = base
        self.derived = derived
        self.properties = properties
    }
}

/// One property as the v1.0 schema declares it: the type is `Edm.*` or a Graph type name.
struct GraphSchemaProperty: Sendable {
    struct Flags: OptionSet, Sendable {
        let rawValue: Int
        static let collection = Flags(rawValue: 1)
        /// A navigation property (its target is an entity): not part of a body, `$expand`ed.
        static let navigation = Flags(rawValue: 2)
        /// The CSDL description says "Read-only".
        static let readOnly = Flags(rawValue: 4)
        /// The CSDL description says "Not nullable".
        static let notNullable = Flags(rawValue: 8)
        /// The CSDL description says "Returned only on $select".
        static let selectOnly = Flags(rawValue: 16)
        /// A flags enumeration: one string of comma-separated members.
        static let enumFlags = Flags(rawValue: 32)
    }

    var name: String
    var type: String
    var flags: Flags
    var maxLength: Int?

    init(_ name: String, _ type: String, _ flags: Flags, maxLength: Int? = nil) {
        self.name = name
        self.type = type
        self.flags = flags
        self.maxLength = maxLength
    }
}

/// The served resources' properties, made from the generated v1.0 schema (`GraphSchemaData`)
/// plus the few rules Graph enforces beyond its schema (`GraphSchemaRules`).
enum GraphSchemas {
    static let application = properties(of: "application")
    static let servicePrincipal = properties(of: "servicePrincipal")
    static let oauth2PermissionGrant = properties(of: "oAuth2PermissionGrant")
    static let passwordCredential = complexType("passwordCredential")
    static let attributeCollectionPage = complexType("authenticationAttributeCollectionPage")

    /// A type's structural and navigation properties, its base types' first (as Graph orders them).
    static func schemaProperties(of typeName: String) -> [GraphSchemaProperty] {
        guard let type = GraphSchemaData.types[typeName] else { return [] }
        return (type.base.map(schemaProperties(of:)) ?? []) + type.properties
    }

    /// What an answer shows without `$select` when the type has "Returned only on $select"
    /// properties (nil: everything rendered).
    static func defaultNames(_ typeName: String) -> [String]? { defaultNamesByType[typeName] }

    private static let defaultNamesByType: [String: [String]] = {
        var result: [String: [String]] = [:]
        for (name, all) in [("application", application), ("servicePrincipal", servicePrincipal)]
        where all.contains(where: \.selectOnly) {
            result[name] = all.filter { !$0.selectOnly }.map(\.name)
        }
        return result
    }()

    /// The navigation properties of an entity type (what `$expand` may name).
    static func navigationProperties(of typeName: String) -> [GraphSchemaProperty] {
        schemaProperties(of: typeName).filter { $0.flags.contains(.navigation) }
    }

    /// A type's structural properties as the validator and the renderer use them.
    static func properties(of typeName: String, visiting: Set<String> = []) -> [GraphProperty] {
        schemaProperties(of: typeName).filter {
            !$0.flags.contains(.navigation) && !GraphSchemaRules.streams.contains("\(typeName).\($0.name)")
        }.map { property in
            let key = "\(typeName).\(property.name)"
            var element =
                GraphSchemaRules.values[key].map(GraphType.enumeration)
                ?? graphType(property, visiting: visiting.union([typeName]))
            if property.flags.contains(.collection) { element = .collection(element) }
            let defaultValue =
                GraphSchemaRules.defaults[key]
                ?? (property.flags.contains(.collection) ? .array([]) : .null)
            var result = GraphProperty(
                property.name, element, defaultValue,
                readOnly: property.flags.contains(.readOnly) || GraphSchemaRules.computed.contains(key))
            result.nullable = !property.flags.contains(.notNullable)
            result.selectOnly = property.flags.contains(.selectOnly)
            return result
        }
    }

    static func complexType(_ name: String, visiting: Set<String> = []) -> GraphComplexType {
        GraphComplexType(name: name, properties: properties(of: name, visiting: visiting))
    }

    private static func graphType(_ property: GraphSchemaProperty, visiting: Set<String>) -> GraphType {
        switch property.type {
        case "Edm.String": return .string(maxLength: property.maxLength)
        case "Edm.Boolean": return .boolean
        case "Edm.Int32": return .int32
        case "Edm.Guid": return .guid
        case "Edm.DateTimeOffset": return .dateTime
        case "Edm.Binary", "Edm.Date", "Edm.TimeOfDay", "Edm.Duration": return .string
        case let name:
            if let members = GraphSchemaData.enumerations[name] { return .enumeration(members) }
            // A polymorphic or recursive complex type is kept as given (its parser checks it).
            guard let type = GraphSchemaData.types[name], type.derived.isEmpty, !visiting.contains(name) else {
                return .any
            }
            return .complex(complexType(name, visiting: visiting))
        }
    }
}

/// What Graph enforces beyond its v1.0 schema, keyed `type.property`. Each entry is observed or
/// documented service behaviour, not a property list (that is generated).
enum GraphSchemaRules {
    /// String properties whose values Graph checks (the CSDL types them `Edm.String`; the resource
    /// pages list the values).
    static let values: [String: [String]] = [
        "application.signInAudience": [
            "AzureADMyOrg", "AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount", "PersonalMicrosoftAccount",
        ],
        "oAuth2PermissionGrant.consentType": ["AllPrincipals", "Principal"],
        "permissionScope.type": ["User", "Admin"],
        "appRole.allowedMemberTypes": ["User", "Application"],
        "resourceAccess.type": ["Scope", "Role"],
    ]

    /// `Edm.Stream` properties (msgraph-sdk types them as bytes): read and written through their
    /// own URL (`/applications/{id}/logo`), never in JSON. The CSDL: `<Property Name="logo"
    /// Type="Edm.Stream" Nullable="false">` (msgraph-metadata, clean_v10_metadata/).
    static let streams: Set<String> = ["application.logo"]

    /// Properties Graph sets itself although their description does not say "Read-only"
    /// (the resource pages describe them as set by Microsoft Entra ID).
    static let computed: Set<String> = [
        "directoryObject.deletedDateTime", "application.certification", "application.verifiedPublisher",
        "application.disabledByMicrosoftStatus", "application.createdByAppId",
        "servicePrincipal.appOwnerOrganizationId",
        "servicePrincipal.servicePrincipalType", "servicePrincipal.servicePrincipalNames",
        "servicePrincipal.appDisplayName", "servicePrincipal.appDescription", "servicePrincipal.signInAudience",
        "passwordCredential.keyId", "servicePrincipal.disabledByMicrosoftStatus",
        "servicePrincipal.verifiedPublisher", "servicePrincipal.createdByAppId",
    ]

    /// What Graph shows for a property never set, where it is not null or `[]`.
    static let defaults: [String: JSONValue] = [
        "application.signInAudience": .string("AzureADMyOrg"),
        "application.oauth2RequirePostResponse": .bool(false),
        "application.api": .members([
            ("acceptMappedClaims", .null), ("knownClientApplications", .array([])),
            ("requestedAccessTokenVersion", .null), ("oauth2PermissionScopes", .array([])),
            ("preAuthorizedApplications", .array([])),
        ]),
        "application.info": .members([
            ("logoUrl", .null), ("marketingUrl", .null), ("privacyStatementUrl", .null), ("supportUrl", .null),
            ("termsOfServiceUrl", .null),
        ]),
        "application.parentalControlSettings": .members([
            ("countriesBlockedForMinors", .array([])), ("legalAgeGroupRule", .string("Allow")),
        ]),
        "parentalControlSettings.legalAgeGroupRule": .string("Allow"),
        "application.publicClient": .members([("redirectUris", .array([]))]),
        "application.spa": .members([("redirectUris", .array([]))]),
        "application.verifiedPublisher": .members([
            ("displayName", .null), ("verifiedPublisherId", .null), ("addedDateTime", .null),
        ]),
        "application.web": .members([
            ("homePageUrl", .null), ("logoutUrl", .null), ("redirectUris", .array([])),
            (
                "implicitGrantSettings",
                .members([("enableAccessTokenIssuance", .bool(false)), ("enableIdTokenIssuance", .bool(false))])
            ),
            ("redirectUriSettings", .array([])),
        ]),
        "webApplication.implicitGrantSettings": .members([
            ("enableAccessTokenIssuance", .bool(false)), ("enableIdTokenIssuance", .bool(false)),
        ]),
        "implicitGrantSettings.enableAccessTokenIssuance": .bool(false),
        "implicitGrantSettings.enableIdTokenIssuance": .bool(false),
        "optionalClaim.essential": .bool(false),
        "permissionScope.isEnabled": .bool(true),
        "appRole.isEnabled": .bool(true),
        "servicePrincipal.accountEnabled": .bool(true),
        "servicePrincipal.appRoleAssignmentRequired": .bool(false),
    ]
}
