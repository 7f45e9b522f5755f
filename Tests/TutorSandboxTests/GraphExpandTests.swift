import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TutorSupport

@testable import TutorSandbox

/// Query options nested in `$expand`, as Graph takes them on directory objects (every type the
/// sandbox can expand derives from `directoryObject`).
///
/// Sources (microsoftgraph/microsoft-graph-docs-contrib):
/// - `api-reference/v1.0/api/user-list-manager.md`: "You can specify `$select` inside `$expand`"
///   (`$expand=manager($levels=max;$select=id,displayName)`).
/// - `concepts/query-parameters.md`, expand parameter: on directory objects `$expand` returns at
///   most 20 items and no `@odata.nextLink`; `concepts/known-issues.md` and
///   https://developer.microsoft.com/en-us/graph/known-issues/?search=13635: no second level of
///   expand, no nesting of other query parameters such as `$filter`.
/// - microsoftgraph/microsoft-graph-docs#12838: a `$select` inside `$expand` naming a property
///   Graph does not know there is `400 Request_BadRequest "Invalid $select properties."`.
/// The code and message for a refused nested `$filter`/`$top` are not quoted anywhere we found:
/// the sandbox answers `400 Request_UnsupportedQuery` (the directory's code for queries it does
/// not support) with its own wording, as docs/sandbox-graph.md says.
@Suite("Graph $expand with nested options")
struct GraphExpandTests {
    @Test func parsesItemsAndNestedOptions() throws {
        let query = try GraphQuery(
            query: "$expand=owners($select=id,displayName;$top=5),tokenIssuancePolicies",
            consistencyLevelEventual: false)
        let items = try #require(query.expand)
        #expect(items.map(\.name) == ["owners", "tokenIssuancePolicies"])
        #expect(items[0].options == [.init(name: "$select", value: "id,displayName"), .init(name: "$top", value: "5")])
        #expect(items[1].options.isEmpty)
        // Options without the `$` are the same options, as at the top level.
        #expect(try GraphExpandItem.parseList("owners(select=id)")[0].options == [.init(name: "$select", value: "id")])
    }

    @Test(arguments: ["owners($select=id", "owners)", "owners($select)", ",owners", "owners(($select=id)"])
    func malformedExpandIsASyntaxError(_ text: String) {
        #expect {
            try GraphExpandItem.parseList(text)
        } throws: { error in
            guard let failure = error as? GraphFailure else { return false }
            return failure.statusCode == 400
                && failure.message.hasPrefix("Parsing OData Select and Expand failed: Syntax error")
        }
    }

    @Test func selectInsideExpandIsAccepted() async throws {
        try await GraphHarness().run { graph in
            let app = try await graph.createApplication("expanded")
            let id = try #require(app["id"]?.stringValue)
            // owners are directoryObjects: their own properties, and those of users and apps.
            for select in ["id,displayName", "userPrincipalName", "ID, mail", "*"] {
                let one = try await graph.send(.get, "/v1.0/applications/\(id)?$expand=owners($select=\(select))")
                #expect(one.status == 200, "\(select): \(String(describing: one.json))")
                #expect(one.json?["owners"]?.arrayElements?.isEmpty == true)
            }
            let listed = try await graph.send(
                .get, "/v1.0/servicePrincipals?$select=id&$expand=owners($select=id,displayName)")
            #expect(listed.status == 200)
            #expect(listed.values.allSatisfy { $0["owners"]?.arrayElements?.isEmpty == true })
        }
    }

    @Test func selectOfAnUnknownPropertyIsRefused() async throws {
        try await GraphHarness().run { graph in
            let app = try await graph.createApplication("expanded")
            let id = try #require(app["id"]?.stringValue)
            let reply = try await graph.send(.get, "/v1.0/applications/\(id)?$expand=owners($select=favouriteColour)")
            #expect(reply.status == 400)
            #expect(reply.errorCode == "Request_BadRequest")
            #expect(reply.json?["error"]?["message"]?.stringValue == "Invalid $select properties.")
        }
    }

    @Test(arguments: [
        "owners($filter=id%20eq%20'x')", "owners($top=5)", "owners($orderby=displayName)", "owners($count=true)",
        "owners($expand=owners)", "owners($select=id;$top=1)", "createdOnBehalfOf($levels=max)",
    ])
    func otherNestedOptionsAreRefused(_ expand: String) async throws {
        try await GraphHarness().run { graph in
            let app = try await graph.createApplication("expanded")
            let id = try #require(app["id"]?.stringValue)
            let one = try await graph.send(.get, "/v1.0/applications/\(id)?$expand=\(expand)")
            #expect(one.status == 400)
            #expect(one.errorCode == "Request_UnsupportedQuery")
            #expect(one.json?["error"]?["message"]?.stringValue?.contains("only $select is") == true)
            // A list is refused the same way, even when it is empty.
            let list = try await graph.send(
                .get, "/v1.0/applications?$filter=displayName%20eq%20'none'&$expand=\(expand)")
            #expect(list.errorCode == "Request_UnsupportedQuery")
        }
    }

    @Test func unknownNestedOptionAndBadSyntaxAreParserErrors() async throws {
        try await GraphHarness().run { graph in
            let app = try await graph.createApplication("expanded")
            let id = try #require(app["id"]?.stringValue)
            let unknown = try await graph.send(.get, "/v1.0/applications/\(id)?$expand=owners($colour=blue)")
            #expect(unknown.status == 400)
            #expect(unknown.errorCode == "BadRequest")
            #expect(
                unknown.json?["error"]?["message"]?.stringValue?.hasPrefix("Parsing OData Select and Expand failed:")
                    == true)
            let unbalanced = try await graph.send(.get, "/v1.0/applications/\(id)?$expand=owners($select=id")
            #expect(unbalanced.status == 400)
            #expect(unbalanced.json?["error"]?["message"]?.stringValue?.contains("Syntax error at position") == true)
        }
    }
}
