import Foundation
import TutorSupport

/// Reads an `externalUsersSelfServiceSignUpEventsFlow` request body into a user flow, checking
/// the `@odata.type` of the flow and of each handler, identity providers and attributes.
struct GraphUserFlowParser {
    static let flowType = "externalUsersSelfServiceSignUpEventsFlow"
    static let handlerTypes = [
        "onInteractiveAuthFlowStart": "onInteractiveAuthFlowStartExternalUsersSelfServiceSignUp",
        "onAuthenticationMethodLoadStart": "onAuthenticationMethodLoadStartExternalUsersSelfServiceSignUp",
        "onAttributeCollection": "onAttributeCollectionExternalUsersSelfServiceSignUp",
        "onUserCreateStart": "onUserCreateStartExternalUsersSelfServiceSignUp",
    ]
    /// The identity providers every external tenant has.
    static let identityProviders = ["EmailPassword-OAUTH", "EmailOtpSignup-OAUTH"]
    /// The built-in user flow attributes of an external tenant.
    static let builtInAttributes = [
        "email", "displayName", "givenName", "surname", "city", "country", "postalCode", "state", "streetAddress",
        "jobTitle",
    ]

    /// The page's v1.0 type (generated from Microsoft's schema).
    static let attributeCollectionPage = GraphSchemas.attributeCollectionPage

    let validator = GraphValidator(resource: "AuthenticationEventsFlow")

    /// A new flow from a POST body (id and dates are set by the directory). Without
    /// `onInteractiveAuthFlowStart.isSignUpAllowed` the flow only signs in: Graph documents the
    /// property as optional with a default of false.
    func parseCreate(_ body: JSONValue) throws(GraphFailure) -> SandboxUserFlow {
        var flow = SandboxUserFlow(
            id: "", displayName: "", description: nil, isSignUpAllowed: false,
            identityProviders: ["EmailPassword-OAUTH"],
            attributes: ["email"], attributeCollectionPage: nil, userTypeToCreate: nil, includeApplications: [],
            createdDateTime: Date())
        try apply(body, to: &flow, creating: true)
        return flow
    }

    /// Applies a POST or PATCH body to `flow`.
    func apply(_ body: JSONValue, to flow: inout SandboxUserFlow, creating: Bool) throws(GraphFailure) {
        guard let members = body.objectMembers else {
            throw GraphFailure.badRequest("The request body must be a JSON object.")
        }
        let odataType = body["@odata.type"]?.stringValue
        guard GraphValidator.sameType(odataType, Self.flowType) else {
            throw GraphFailure(
                400, "BadRequest",
                odataType == nil
                    ? "The @odata.type '#microsoft.graph.\(Self.flowType)' is required to create or update an authenticationEventsFlow."
                    : "Invalid OData type specified: '\(odataType ?? "")'.")
        }
        var sawDisplayName = false
        for member in members where member.key != "@odata.type" {
            switch member.key {
            case "id":
                throw GraphFailure.readOnly("id")
            case "displayName":
                guard let name = member.value.stringValue, !name.trimmingCharacters(in: .whitespaces).isEmpty,
                    name.count <= 256
                else { throw GraphFailure.invalidValue("displayName", validator.resource) }
                flow.displayName = name
                sawDisplayName = true
            case "description":
                _ = try validator.check(member.value, as: .string(maxLength: 1024), name: "description")
                flow.description = member.value.stringValue
            case "conditions":
                flow.includeApplications = try parseConditions(member.value)
            case "onInteractiveAuthFlowStart":
                let handler = try handlerMembers(member)
                for (name, value) in handler {
                    guard name == "isSignUpAllowed" else { throw GraphFailure.unknownProperty(name) }
                    guard let allowed = value.boolValue else {
                        throw GraphFailure.invalidValue("isSignUpAllowed", validator.resource)
                    }
                    flow.isSignUpAllowed = allowed
                }
            case "onAuthenticationMethodLoadStart":
                let handler = try handlerMembers(member)
                var providers: [String] = []
                for (name, value) in handler {
                    switch name {
                    case "identityProviders":
                        guard let elements = value.arrayElements else {
                            throw GraphFailure.invalidValue("identityProviders", validator.resource)
                        }
                        for element in elements {
                            guard let id = element["id"]?.stringValue else {
                                throw GraphFailure.invalidValue("identityProviders", validator.resource)
                            }
                            for key in element.objectMembers ?? []
                            where !["id", "@odata.type", "displayName"].contains(key.key) {
                                throw GraphFailure.unknownProperty(key.key)
                            }
                            providers.append(id)
                        }
                    case "identityProviders@odata.bind":
                        guard let elements = value.arrayElements else {
                            throw GraphFailure.invalidValue("identityProviders", validator.resource)
                        }
                        for element in elements {
                            guard let link = element.stringValue, let id = Self.keyInLink(link) else {
                                throw GraphFailure.invalidValue("identityProviders@odata.bind", validator.resource)
                            }
                            providers.append(id)
                        }
                    default:
                        throw GraphFailure.unknownProperty(name)
                    }
                }
                for provider in providers where !Self.identityProviders.contains(provider) {
                    throw GraphFailure.badRequest(
                        "The identity provider '\(provider)' does not exist or is not configured in this tenant.")
                }
                guard !providers.isEmpty else {
                    throw GraphFailure.badRequest("A user flow needs at least one identity provider.")
                }
                flow.identityProviders = providers
            case "onAttributeCollection":
                let handler = try handlerMembers(member)
                var attributes = flow.attributes
                var page = flow.attributeCollectionPage
                for (name, value) in handler {
                    switch name {
                    case "attributes":
                        guard let elements = value.arrayElements else {
                            throw GraphFailure.invalidValue("attributes", validator.resource)
                        }
                        attributes = []
                        for element in elements {
                            guard let id = element["id"]?.stringValue else {
                                throw GraphFailure.invalidValue("attributes", validator.resource)
                            }
                            let allowed = [
                                "id", "@odata.type", "displayName", "description", "userFlowAttributeType", "dataType",
                            ]
                            for key in element.objectMembers ?? [] where !allowed.contains(key.key) {
                                throw GraphFailure.unknownProperty(key.key)
                            }
                            attributes.append(id)
                        }
                    case "attributes@odata.bind":
                        guard let elements = value.arrayElements else {
                            throw GraphFailure.invalidValue("attributes", validator.resource)
                        }
                        attributes = []
                        for element in elements {
                            guard let link = element.stringValue, let id = Self.keyInLink(link) else {
                                throw GraphFailure.invalidValue("attributes@odata.bind", validator.resource)
                            }
                            attributes.append(id)
                        }
                    case "attributeCollectionPage":
                        page = try validator.check(value, as: .complex(Self.attributeCollectionPage), name: name)
                        try Self.checkRequiredInputProperties(page, validator: validator)
                    default:
                        throw GraphFailure.unknownProperty(name)
                    }
                }
                for attribute in attributes
                where !Self.builtInAttributes.contains(attribute) && !attribute.hasPrefix("extension_") {
                    throw GraphFailure.badRequest(
                        "The user flow attribute '\(attribute)' does not exist in this tenant.")
                }
                for input in Self.inputs(of: page) where !attributes.contains(input) {
                    throw GraphFailure.badRequest(
                        "The attribute collection page names the attribute '\(input)', which the user flow does not collect."
                    )
                }
                flow.attributes = attributes
                flow.attributeCollectionPage = page
            case "onUserCreateStart":
                let handler = try handlerMembers(member)
                for (name, value) in handler {
                    guard name == "userTypeToCreate" else { throw GraphFailure.unknownProperty(name) }
                    let checked = try validator.check(value, as: .enumeration(["member", "guest"]), name: name)
                    flow.userTypeToCreate = checked.stringValue
                }
            case "onAttributeCollectionStart", "onAttributeCollectionSubmit":
                guard case .null = member.value else {
                    throw GraphFailure.badRequest(
                        "Property '\(member.key)' needs a custom authentication extension, which the sandbox does not have."
                    )
                }
            default:
                throw GraphFailure.unknownProperty(member.key)
            }
        }
        if creating, !sawDisplayName { throw GraphFailure.missing("displayName", validator.resource) }
    }

    /// The members of a handler object other than `@odata.type`, after checking the type.
    private func handlerMembers(_ member: JSONValue.JSONMember) throws(GraphFailure) -> [(String, JSONValue)] {
        guard let members = member.value.objectMembers, let expected = Self.handlerTypes[member.key] else {
            throw GraphFailure.invalidValue(member.key, validator.resource)
        }
        let given = member.value["@odata.type"]?.stringValue
        guard GraphValidator.sameType(given, expected) else {
            throw GraphFailure(
                400, "BadRequest",
                given == nil
                    ? "Property '\(member.key)' needs '@odata.type': '#microsoft.graph.\(expected)'."
                    : "Invalid OData type specified for '\(member.key)': '\(given ?? "")'.")
        }
        return members.filter { $0.key != "@odata.type" }.map { ($0.key, $0.value) }
    }

    private func parseConditions(_ value: JSONValue) throws(GraphFailure) -> [String] {
        if case .null = value { return [] }
        guard let members = value.objectMembers else {
            throw GraphFailure.invalidValue("conditions", validator.resource)
        }
        var appIds: [String] = []
        for member in members {
            guard member.key == "applications" else { throw GraphFailure.unknownProperty(member.key) }
            for inner in member.value.objectMembers ?? [] {
                guard inner.key == "includeApplications", let elements = inner.value.arrayElements else {
                    throw GraphFailure.unknownProperty(inner.key)
                }
                for element in elements { appIds.append(try Self.conditionAppId(element, validator: validator)) }
            }
        }
        return appIds
    }

    /// The appId of an `authenticationConditionApplication` body.
    static func conditionAppId(_ body: JSONValue, validator: GraphValidator) throws(GraphFailure) -> String {
        guard let members = body.objectMembers else {
            throw GraphFailure.badRequest("The request body must be a JSON object.")
        }
        var appId: String?
        for member in members {
            switch member.key {
            case "@odata.type":
                guard sameType(member.value.stringValue, "authenticationConditionApplication") else {
                    throw GraphFailure(
                        400, "BadRequest", "Invalid OData type specified: '\(member.value.stringValue ?? "")'.")
                }
            case "appId":
                guard let text = member.value.stringValue, isGUID(text) else {
                    throw GraphFailure.invalidValue("appId", "AuthenticationConditionApplication")
                }
                appId = text
            default:
                throw GraphFailure.unknownProperty(member.key)
            }
        }
        guard let appId else { throw GraphFailure.missing("appId", "AuthenticationConditionApplication") }
        return appId
    }

    private static func sameType(_ given: String?, _ type: String) -> Bool {
        GraphValidator.sameType(given, type)
    }

    /// `…/identityProviders('EmailPassword-OAUTH')` or `…/identityProviders/EmailPassword-OAUTH` → the key.
    static func keyInLink(_ link: String) -> String? {
        if let open = link.lastIndex(of: "("), link.hasSuffix(")") {
            return String(link[link.index(after: open)..<link.index(before: link.endIndex)])
                .trimmingCharacters(in: CharacterSet(charactersIn: "'"))
        }
        return link.split(separator: "/").last.map(String.init)
    }

    /// `attribute`, `label` and `inputType` are not nullable in Graph's schema; options need both halves.
    static func checkRequiredInputProperties(_ page: JSONValue?, validator: GraphValidator) throws(GraphFailure) {
        for view in page?["views"]?.arrayElements ?? [] {
            for input in view["inputs"]?.arrayElements ?? [] {
                for name in ["attribute", "label", "inputType"] where input[name]?.stringValue == nil {
                    throw GraphFailure.missing(name, "AuthenticationAttributeCollectionInputConfiguration")
                }
                for option in input["options"]?.arrayElements ?? [] {
                    for name in ["label", "value"] where option[name]?.stringValue == nil {
                        throw GraphFailure.missing(name, "AuthenticationAttributeCollectionOptionConfiguration")
                    }
                }
            }
        }
    }

    static func inputs(of page: JSONValue?) -> [String] {
        (page?["views"]?.arrayElements ?? []).flatMap { view in
            (view["inputs"]?.arrayElements ?? []).compactMap { $0["attribute"]?.stringValue }
        }
    }
}
