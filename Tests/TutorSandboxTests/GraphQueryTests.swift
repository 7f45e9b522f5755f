import Foundation
import Testing
import TutorSupport

@testable import TutorSandbox

@Suite("Graph OData queries")
struct GraphQueryTests {
    static let objects: [JSONValue] = [
        .members([("displayName", .string("Alpha")), ("appId", .string("1")), ("tags", .strings(["x"]))]),
        .members([("displayName", .string("O'Brien")), ("appId", .string("2")), ("tags", .strings([]))]),
        .members([("displayName", .string("alpine")), ("appId", .string("3")), ("tags", .strings(["y", "x"]))]),
    ]

    static func matches(_ filter: String) throws -> [String] {
        var parser = try FilterParser(text: filter)
        let expression = try parser.parse()
        return objects.filter { expression.matches($0) }.compactMap { $0["appId"]?.stringValue }
    }

    @Test(arguments: [
        ("displayName eq 'alpha'", ["1"]),
        ("displayName ne 'alpha'", ["2", "3"]),
        ("startswith(displayName,'ALP')", ["1", "3"]),
        ("displayName eq 'O''Brien'", ["2"]),
        ("startswith(displayName,'alp') and appId eq '3'", ["3"]),
        ("appId eq '1' or appId eq '2'", ["1", "2"]),
        ("not (appId eq '1')", ["2", "3"]),
        ("tags/any(t:t eq 'x')", ["1", "3"]),
        ("(appId eq '1' or appId eq '3') and not startswith(displayName,'alpi')", ["1"]),
    ])
    func filters(filter: String, expected: [String]) throws {
        #expect(try Self.matches(filter) == expected)
    }

    @Test(arguments: [
        "displayName eq", "displayName gt 'a'", "startswith(displayName)", "displayName eq 'open", "(appId eq '1'",
        "appId eq '1' extra",
    ])
    func malformedFiltersAre400(filter: String) {
        #expect(throws: GraphFailure.self) { try Self.matches(filter) }
    }

    @Test func options() throws {
        let query = try GraphQuery(
            query: "$top=5&$select=displayName,appId&$filter=appId%20eq%20'1'&other=kept",
            consistencyLevelEventual: false)
        #expect(query.top == 5)
        #expect(query.select == ["displayName", "appId"])
        #expect(query.filter != nil)
        let next = query.nextQuery(offset: 5)
        #expect(next.contains("$top=5"))
        #expect(next.contains("other=kept"))
        let skip = try #require(next.split(separator: "&").first { $0.hasPrefix("$skiptoken=") })
        let resumed = try GraphQuery(query: String(skip), consistencyLevelEventual: false)
        #expect(resumed.offset == 5)
        #expect(throws: GraphFailure.self) { try GraphQuery(query: "$top=0", consistencyLevelEventual: false) }
        #expect(throws: GraphFailure.self) {
            try GraphQuery(query: "$skiptoken=garbage!", consistencyLevelEventual: false)
        }
        #expect(
            try GraphQuery(query: "$expand=owners", consistencyLevelEventual: false).expand?.map(\.name) == ["owners"])
        #expect(throws: GraphFailure.self) { try GraphQuery(query: "$count=true", consistencyLevelEventual: false) }
        #expect(try GraphQuery(query: "$count=true", consistencyLevelEventual: true).count)
    }

    @Test func caseInsensitiveEquality() {
        #expect("ABC-def".equalsIgnoringCase("abc-DEF"))
        #expect(!"abc".equalsIgnoringCase("abd"))
        #expect(!"abc".equalsIgnoringCase("abcd"))
        #expect("Ärger".equalsIgnoringCase("äRGER"))
        #expect("".equalsIgnoringCase(""))
        #expect(!"a[".equalsIgnoringCase("a{"))
    }

    @Test func countAndOrderThroughTheAPI() async throws {
        try await GraphHarness().run { graph in
            for name in ["b-app", "c-app", "a-app"] { _ = try await graph.createApplication(name) }
            let counted = try await graph.send(
                .get, "/v1.0/applications?$count=true&$top=1", headers: ["ConsistencyLevel": "eventual"])
            #expect(counted.json?["@odata.count"] == .number(4))
            #expect(counted.values.count == 1)
            #expect(try await graph.send(.get, "/v1.0/applications?$count=true").status == 400)
            let ordered = try await graph.send(
                .get, "/v1.0/applications?$orderby=displayName desc&$filter=endswith(displayName,'-app') eq true")
            #expect(ordered.status == 400)
            // Sorting a filtered list is an advanced query (ConsistencyLevel: eventual and $count=true).
            let descending = try await graph.send(
                .get,
                "/v1.0/applications?$count=true&$orderby=displayName desc&$filter=startswith(displayName,'a-') or startswith(displayName,'b-') or startswith(displayName,'c-')",
                headers: ["ConsistencyLevel": "eventual"]
            )
            #expect(descending.values.compactMap { $0["displayName"]?.stringValue } == ["c-app", "b-app", "a-app"])
            #expect(try await graph.send(.get, "/v1.0/applications?$orderby=appId").status == 400)
        }
    }
}

@Suite("Graph error paths")
struct GraphErrorPathTests {
    static let missing = "00000000-0000-0000-0000-00000000abcd"

    @Test func unknownObjectsAre404() async throws {
        try await GraphHarness().run { graph in
            for path in [
                "/v1.0/organization/\(Self.missing)", "/v1.0/users/\(Self.missing)",
                "/v1.0/servicePrincipals/\(Self.missing)", "/v1.0/oauth2PermissionGrants/nope",
                "/v1.0/identity/authenticationEventsFlows/\(Self.missing)",
                "/v1.0/identity/authenticationEventsFlows/\(Self.missing)/conditions/applications/includeApplications",
                "/v1.0/applications(appId='\(Self.missing)')",
            ] {
                let reply = try await graph.send(.get, path)
                #expect(reply.status == 404, "\(path)")
                #expect(reply.errorCode == "Request_ResourceNotFound", "\(path)")
            }
            for path in [
                "/v1.0/applications/\(Self.missing)", "/v1.0/servicePrincipals/\(Self.missing)",
                "/v1.0/oauth2PermissionGrants/nope", "/v1.0/identity/authenticationEventsFlows/\(Self.missing)",
            ] {
                #expect(try await graph.send(.delete, path).status == 404, "\(path)")
            }
            let addPassword = try await graph.send(.post, "/v1.0/applications/\(Self.missing)/addPassword", json: "{}")
            #expect(addPassword.status == 404)
        }
    }

    @Test func unsupportedMethodsAre405() async throws {
        try await GraphHarness().run { graph in
            let app = try await graph.createApplication("Methods")
            let id = try #require(app["id"]?.stringValue)
            for (method, path) in [
                ("PUT", "/v1.0/applications/\(id)"), ("DELETE", "/v1.0/applications"),
                ("GET", "/v1.0/applications/\(id)/addPassword"),
                ("POST", "/v1.0/users"), ("PATCH", "/v1.0/organization"), ("POST", "/v1.0/servicePrincipals/\(id)"),
                ("PUT", "/v1.0/servicePrincipals"),
            ] {
                let reply = try await graph.send(.init(method)!, path, json: method == "GET" ? nil : "{}")
                #expect(reply.status == 405, "\(method) \(path)")
            }
        }
    }

    @Test func applicationUpdateRules() async throws {
        try await GraphHarness().run { graph in
            let path = "/v1.0/applications(uniqueName='fixed')"
            let created = try await graph.send(
                .patch, path, json: #"{"displayName": "Fixed"}"#, headers: ["Prefer": "create-if-missing"])
            #expect(created.status == 201)
            let rename = try await graph.send(.patch, path, json: #"{"uniqueName": "other"}"#)
            #expect(rename.status == 400)
            let mismatch = try await graph.send(
                .patch, "/v1.0/applications(uniqueName='new-one')",
                json: #"{"displayName": "x", "uniqueName": "different"}"#,
                headers: ["Prefer": "create-if-missing"])
            #expect(mismatch.status == 400)
            let missingName = try await graph.send(
                .patch, "/v1.0/applications(uniqueName='nameless')", json: #"{"notes": "x"}"#,
                headers: ["Prefer": "create-if-missing"])
            #expect(missingName.status == 400)
            #expect(try await graph.send(.patch, path, json: #"{"displayName": ""}"#).status == 400)
            let badDates = try await graph.send(
                .post, "\(path)/addPassword",
                json:
                    #"{"passwordCredential": {"startDateTime": "2030-01-01T00:00:00Z", "endDateTime": "2029-01-01T00:00:00Z"}}"#
            )
            #expect(badDates.status == 400)
            let chosenEnd = try await graph.send(
                .post, "\(path)/addPassword", json: #"{"passwordCredential": {"endDateTime": "2031-06-01T00:00:00Z"}}"#)
            #expect(chosenEnd.string("endDateTime") == "2031-06-01T00:00:00Z")
            let alternate = try await graph.send(.patch, "/v1.0/applications(displayName='x')", json: "{}")
            #expect(alternate.status == 400)
        }
    }

    @Test func includeApplicationsBodies() async throws {
        try await GraphHarness().run { graph in
            let flow = try await graph.send(
                .post, "/v1.0/identity/authenticationEventsFlows", json: GraphUserFlowsTests.flowBody(name: "bodies"))
            let id = try #require(flow.string("id"))
            let path = "/v1.0/identity/authenticationEventsFlows/\(id)/conditions/applications/includeApplications"
            for body in [#"{"appId": "not-a-guid"}"#, #"{}"#, #"{"appId": "\#(Self.missing)", "extra": 1}"#, "[]"] {
                #expect(try await graph.send(.post, path, json: body).status == 400, "\(body)")
            }
            let wrongType = try await graph.send(
                .post, path, json: ##"{"@odata.type": "#microsoft.graph.application", "appId": "\##(Self.missing)"}"##)
            #expect(wrongType.status == 400)
        }
    }
}
