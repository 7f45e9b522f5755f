import Foundation
import Testing
import TutorSupport

@testable import TutorSandbox

/// The served types' properties come from Microsoft's v1.0 model (GraphSchemaData.swift, made by
/// scripts/generate_graph_schema.py from msgraph-sdk's models, which Microsoft generates from
/// microsoftgraph/msgraph-metadata's v1.0 CSDL), and `$expand` follows the navigation properties.
@Suite("Graph schema")
struct GraphSchemaTests {
    // Source: api-reference/v1.0/resources/application.md in microsoftgraph/microsoft-graph-docs-contrib
    // lists nativeAuthenticationApisEnabled, serviceManagementReference and uniqueName ("Immutable.
    // Read-only.") on the v1.0 application; createdByAppId is read-only; `logo` is a stream.
    @Test func applicationPropertiesAreTheGeneratedOnes() throws {
        let names = Set(GraphSchemas.application.map(\.name))
        for name in ["id", "deletedDateTime", "appId", "nativeAuthenticationApisEnabled", "serviceManagementReference"]
        {
            #expect(names.contains(name), "\(name) is a v1.0 application property")
        }
        #expect(!names.contains("owners"), "navigation properties are not body properties")
        let uniqueName = try #require(GraphSchemas.application.first { $0.name == "uniqueName" })
        #expect(uniqueName.readOnly)
        let tags = try #require(GraphSchemas.application.first { $0.name == "tags" })
        #expect(!tags.nullable)
        let authenticationBehaviors = try #require(
            GraphSchemas.application.first { $0.name == "authenticationBehaviors" })
        #expect(authenticationBehaviors.selectOnly)
        // Every property of the generated type, and nothing else, is in the validator's list
        // (less `logo`, an Edm.Stream read through its own URL).
        let generated = GraphSchemas.schemaProperties(of: "application").filter {
            !$0.flags.contains(.navigation) && $0.name != "logo"
        }
        #expect(generated.map(\.name) == GraphSchemas.application.map(\.name))
    }

    // Source: api-reference/v1.0/resources/authenticationeventsflow.md: conditions, description,
    // displayName, id; `priority` is a beta property only (api-reference/beta/resources/
    // authenticationeventsflow.md), so a v1.0 body that names it is refused.
    @Test func userFlowPriorityIsNotAV1Property() async throws {
        #expect(!GraphSchemas.schemaProperties(of: "authenticationEventsFlow").contains { $0.name == "priority" })
        try await GraphHarness().run { graph in
            let body = #"""
                {"@odata.type": "#microsoft.graph.externalUsersSelfServiceSignUpEventsFlow",
                 "displayName": "flow", "priority": 500}
                """#
            let refused = try await graph.send(.post, "/v1.0/identity/authenticationEventsFlows", json: body)
            #expect(refused.status == 400)
            #expect(refused.json?["error"]?["message"]?.stringValue?.contains("'priority'") == true)
        }
    }

    // Source: api-reference/v1.0/resources/serviceprincipal.md: replyUrls, notes and
    // preferredTokenSigningKeyThumbprint are writable servicePrincipal properties; an unknown
    // name is Graph's "Property 'x' does not exist on type 'y'" 400; servicePrincipalType is set
    // by Microsoft Entra ID.
    @Test func servicePrincipalTakesEveryWritableV1Property() async throws {
        try await GraphHarness().run { graph in
            let app = try await graph.createApplication("principal-schema")
            let appId = try #require(app["appId"]?.stringValue)
            let principal = try await graph.createServicePrincipal(appId)
            let id = try #require(principal["id"]?.stringValue)
            let path = "/v1.0/servicePrincipals/\(id)"
            let patched = try await graph.send(
                .patch, path, json: #"{"preferredTokenSigningKeyThumbprint": "ABC", "notes": "n"}"#)
            #expect(patched.status == 204)
            let fetched = try await graph.send(.get, path)
            #expect(fetched.string("preferredTokenSigningKeyThumbprint") == "ABC")
            #expect(fetched.string("notes") == "n")
            let unknown = try await graph.send(.patch, path, json: #"{"colour": "blue"}"#)
            #expect(unknown.status == 400)
            let computed = try await graph.send(.patch, path, json: #"{"servicePrincipalType": "Legacy"}"#)
            #expect(computed.status == 400)
        }
    }

    // Source: api-reference/v1.0/resources/application.md: authenticationBehaviors is "Returned
    // only on $select"; not nullable collections refuse null (OData, tags "Not nullable").
    @Test func selectOnlyAndNotNullable() async throws {
        try await GraphHarness().run { graph in
            let app = try await graph.createApplication("select-only")
            #expect(app["authenticationBehaviors"] == nil)
            let id = try #require(app["id"]?.stringValue)
            let selected = try await graph.send(.get, "/v1.0/applications/\(id)?$select=authenticationBehaviors")
            #expect(selected.status == 200)
            #expect(selected.json?.objectMembers?.contains { $0.key == "authenticationBehaviors" } == true)
            let nullTags = try await graph.send(.patch, "/v1.0/applications/\(id)", json: #"{"tags": null}"#)
            #expect(nullTags.status == 400)
        }
    }

    // Sources: api-reference/v1.0/api/application-list-owners.md and the application resource
    // (owners: "Supports $expand"); OData/odata.net#2831 and Softeria/ms-365-mcp-server#595 quote
    // Graph's answer for a property that is not a navigation property ("Parsing OData Select and
    // Expand failed: Property 'x' on type 'microsoft.graph.y' is not a navigation property or
    // complex property. Only navigation properties can be expanded.").
    @Test func expandFollowsNavigationProperties() async throws {
        try await GraphHarness().run { graph in
            let app = try await graph.createApplication("expanded")
            let id = try #require(app["id"]?.stringValue)
            let owners = try await graph.send(.get, "/v1.0/applications/\(id)?$expand=owners")
            #expect(owners.status == 200)
            #expect(owners.json?["owners"]?.arrayElements?.isEmpty == true)
            let listed = try await graph.send(.get, "/v1.0/applications?$expand=owners")
            #expect(listed.status == 200)
            #expect(listed.values.allSatisfy { $0["owners"]?.arrayElements != nil })
            let structural = try await graph.send(.get, "/v1.0/applications/\(id)?$expand=web")
            #expect(structural.status == 400)
            #expect(
                structural.json?["error"]?["message"]?.stringValue?.hasPrefix(
                    "Parsing OData Select and Expand failed: Property 'web'") == true)
            let unknown = try await graph.send(.get, "/v1.0/applications/\(id)?$expand=friends")
            #expect(unknown.status == 400)
            #expect(unknown.json?["error"]?["message"]?.stringValue?.contains("Could not find a property") == true)
            // authenticationEventsFlow has no navigation property in v1.0: conditions is complex.
            let flows = try await graph.send(.get, "/v1.0/identity/authenticationEventsFlows?$expand=conditions")
            #expect(flows.status == 400)
        }
    }
}
