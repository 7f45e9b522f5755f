import Foundation
import TutorSupport

/// `$expand`: the navigation properties of the v1.0 schema. The sandbox keeps no objects behind
/// them (no owners, policies, federated credentials …), so an expanded collection is `[]` and an
/// expanded single-valued navigation is `null`, which is what Graph answers for an object that
/// has none (so Graph's cap of 20 expanded items never comes into play). Other names are Graph's
/// OData parser errors (OData/odata.net#2831, Softeria/ms-365-mcp-server#595 quote them).
///
/// Nested options: every type the sandbox can expand derives from `directoryObject`, where Graph
/// takes `$select` inside `$expand` (`user-list-manager.md`: "You can specify `$select` inside
/// `$expand`") and nothing else (the known issues: no nesting of other query parameters, no
/// second level of `$expand`). `$select` names must be properties of the target type or of a type
/// derived from it; others are Graph's "Invalid $select properties." (microsoft-graph-docs#12838).
extension GraphOperations {
    func expand(_ object: JSONValue, _ items: [GraphExpandItem]?, typeName: String) throws -> JSONValue {
        guard let items, !items.isEmpty, var members = object.objectMembers else { return object }
        let schema = GraphSchemas.schemaProperties(of: typeName)
        guard !schema.isEmpty else {
            throw GraphFailure(400, "BadRequest", "Query option '$expand' is not allowed here.")
        }
        for item in items {
            guard let property = schema.first(where: { $0.name.equalsIgnoringCase(item.name) }) else {
                throw Self.expandFailure(
                    "Could not find a property named '\(item.name)' on type 'microsoft.graph.\(typeName)'.")
            }
            guard property.flags.contains(.navigation) else {
                throw Self.expandFailure(
                    "Property '\(property.name)' on type 'microsoft.graph.\(typeName)' is not a navigation property or complex property. Only navigation properties can be expanded."
                )
            }
            try Self.checkNestedOptions(item.options, target: property.type)
            let value: JSONValue = property.flags.contains(.collection) ? .array([]) : .null
            members.removeAll { $0.key == property.name }
            members.append(.init(property.name, value))
        }
        return .object(members)
    }

    /// The nested options of one expanded navigation: `$select` of known properties only.
    static func checkNestedOptions(_ options: [GraphExpandItem.Option], target: String) throws(GraphFailure) {
        for option in options {
            switch option.name {
            case "$select":
                let names = option.value.split(separator: ",", omittingEmptySubsequences: false).map {
                    $0.trimmingCharacters(in: .whitespaces)
                }
                let known = selectableNames(of: target)
                guard names.allSatisfy({ name in name == "*" || known.contains { $0.equalsIgnoringCase(name) } })
                else { throw GraphFailure.badRequest("Invalid $select properties.") }
            case "$filter", "$top", "$skip", "$orderby", "$count", "$search", "$expand", "$levels":
                throw GraphFailure(
                    400, "Request_UnsupportedQuery",
                    "The query option '\(option.name)' is not supported inside $expand on directory objects; only $select is."
                )
            default:
                throw expandFailure("The query option '\(option.name)' is not a valid option inside $expand.")
            }
        }
    }

    /// What `$select` may name on an expanded `target`: its properties and those of the types
    /// derived from it (an expanded `directoryObject` collection holds applications, service
    /// principals and users), navigation properties left out.
    static func selectableNames(of target: String) -> Set<String> {
        var names = Set(
            GraphSchemas.schemaProperties(of: target).filter { !$0.flags.contains(.navigation) }.map(\.name))
        for (typeName, type) in GraphSchemaData.types where derives(typeName, from: target) {
            names.formUnion(type.properties.filter { !$0.flags.contains(.navigation) }.map(\.name))
        }
        if target == "directoryObject" {
            names.formUnion(userPropertyNames)
        }
        return names
    }

    /// Every property a rendered user has (users are not in the generated schema).
    private static let userPropertyNames: Set<String> = {
        let template = SandboxUser(
            id: "", displayName: "", mail: "", userPrincipalName: "", userType: "", signInType: "",
            createdDateTime: Date(), attributes: [:], passwordHash: "", isAdministrator: false)
        return Set(GraphRender.user(template).objectMembers?.map(\.key) ?? [])
    }()

    private static func derives(_ typeName: String, from target: String) -> Bool {
        var base = GraphSchemaData.types[typeName]?.base
        while let current = base {
            if current == target { return true }
            base = GraphSchemaData.types[current]?.base
        }
        return false
    }

    private static func expandFailure(_ detail: String) -> GraphFailure {
        GraphFailure(400, "BadRequest", "Parsing OData Select and Expand failed: \(detail)")
    }
}
