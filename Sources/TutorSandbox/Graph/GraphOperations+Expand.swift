import Foundation
import TutorSupport

/// `$expand`: the navigation properties of the v1.0 schema. The sandbox keeps no objects behind
/// them (no owners, policies, federated credentials …), so an expanded collection is `[]` and an
/// expanded single-valued navigation is `null`, which is what Graph answers for an object that
/// has none. Other names are Graph's OData parser errors (OData/odata.net#2831,
/// Softeria/ms-365-mcp-server#595 quote them).
extension GraphOperations {
    func expand(_ object: JSONValue, _ names: [String]?, typeName: String) throws -> JSONValue {
        guard let names, !names.isEmpty, var members = object.objectMembers else { return object }
        let schema = GraphSchemas.schemaProperties(of: typeName)
        guard !schema.isEmpty else {
            throw GraphFailure(400, "BadRequest", "Query option '$expand' is not allowed here.")
        }
        for name in names {
            guard let property = schema.first(where: { $0.name.equalsIgnoringCase(name) }) else {
                throw Self.expandFailure(
                    "Could not find a property named '\(name)' on type 'microsoft.graph.\(typeName)'.")
            }
            guard property.flags.contains(.navigation) else {
                throw Self.expandFailure(
                    "Property '\(property.name)' on type 'microsoft.graph.\(typeName)' is not a navigation property or complex property. Only navigation properties can be expanded."
                )
            }
            let value: JSONValue = property.flags.contains(.collection) ? .array([]) : .null
            members.removeAll { $0.key == property.name }
            members.append(.init(property.name, value))
        }
        return .object(members)
    }

    private static func expandFailure(_ detail: String) -> GraphFailure {
        GraphFailure(400, "BadRequest", "Parsing OData Select and Expand failed: \(detail)")
    }
}
