import Foundation
import Testing
import TutorSupport

@testable import TutorSandbox

@Suite("Graph user flows")
struct GraphUserFlowsTests {
    static func flowBody(name: String, signUp: Bool = true, provider: String = "EmailPassword-OAUTH") -> String {
        """
        {
          "@odata.type": "#microsoft.graph.externalUsersSelfServiceSignUpEventsFlow",
          "displayName": "\(name)",
          "onInteractiveAuthFlowStart": {
            "@odata.type": "#microsoft.graph.onInteractiveAuthFlowStartExternalUsersSelfServiceSignUp",
            "isSignUpAllowed": \(signUp)
          },
          "onAuthenticationMethodLoadStart": {
            "@odata.type": "#microsoft.graph.onAuthenticationMethodLoadStartExternalUsersSelfServiceSignUp",
            "identityProviders": [{"id": "\(provider)"}]
          },
          "onAttributeCollection": {
            "@odata.type": "#microsoft.graph.onAttributeCollectionExternalUsersSelfServiceSignUp",
            "attributes": [
              {"id": "email", "displayName": "Email Address", "userFlowAttributeType": "builtIn", "dataType": "string"},
              {"id": "displayName", "displayName": "Display Name", "userFlowAttributeType": "builtIn", "dataType": "string"},
              {"id": "city"}
            ],
            "attributeCollectionPage": {
              "views": [{
                "title": null, "description": null,
                "inputs": [
                  {"attribute": "email", "label": "Email Address", "inputType": "text", "hidden": true, "editable": false,
                   "writeToDirectory": true, "required": true, "validationRegEx": "^.+@.+$", "options": []},
                  {"attribute": "displayName", "label": "Display Name", "inputType": "text", "hidden": false,
                   "editable": true, "writeToDirectory": true, "required": false, "validationRegEx": "^.*", "options": []}
                ]
              }]
            }
          },
          "onUserCreateStart": {
            "@odata.type": "#microsoft.graph.onUserCreateStartExternalUsersSelfServiceSignUp",
            "userTypeToCreate": "member"
          }
        }
        """
    }

    static let flows = "/v1.0/identity/authenticationEventsFlows"

    @Test func createGetListDelete() async throws {
        try await GraphHarness().run { graph in
            let created = try await graph.send(.post, Self.flows, json: Self.flowBody(name: "Sign up and sign in"))
            #expect(created.status == 201, "\(String(describing: created.json))")
            let id = try #require(created.string("id"))
            #expect(created.string("@odata.type") == "#microsoft.graph.externalUsersSelfServiceSignUpEventsFlow")
            #expect(created.json?["onInteractiveAuthFlowStart"]?["isSignUpAllowed"] == .bool(true))

            #expect(try await graph.send(.get, "\(Self.flows)/\(id)").string("displayName") == "Sign up and sign in")
            let listed = try await graph.send(.get, "\(Self.flows)?$filter=displayName eq 'Sign up and sign in'")
            #expect(listed.values.count == 1)
            let duplicate = try await graph.send(.post, Self.flows, json: Self.flowBody(name: "Sign up and sign in"))
            #expect(duplicate.status == 409)

            let patched = try await graph.send(
                .patch, "\(Self.flows)/\(id)",
                json:
                    ##"{"@odata.type": "#microsoft.graph.externalUsersSelfServiceSignUpEventsFlow", "displayName": "Renamed"}"##
            )
            #expect(patched.status == 204)
            #expect(try await graph.send(.get, "\(Self.flows)/\(id)").string("displayName") == "Renamed")

            #expect(try await graph.send(.delete, "\(Self.flows)/\(id)").status == 204)
            #expect(try await graph.send(.get, "\(Self.flows)/\(id)").status == 404)
        }
    }

    @Test(arguments: [
        #"{"displayName": "no type"}"#,
        ##"{"@odata.type": "#microsoft.graph.authenticationEventsFlow", "displayName": "abstract"}"##,
        ##"{"@odata.type": "#microsoft.graph.externalUsersSelfServiceSignUpEventsFlow"}"##,
        ##"{"@odata.type": "#microsoft.graph.externalUsersSelfServiceSignUpEventsFlow", "displayName": "x", "onInteractiveAuthFlowStart": {"isSignUpAllowed": true}}"##,
        ##"{"@odata.type": "#microsoft.graph.externalUsersSelfServiceSignUpEventsFlow", "displayName": "x", "onInteractiveAuthFlowStart": {"@odata.type": "#microsoft.graph.onUserCreateStartExternalUsersSelfServiceSignUp"}}"##,
        ##"{"@odata.type": "#microsoft.graph.externalUsersSelfServiceSignUpEventsFlow", "displayName": "x", "onInteractiveAuthFlowStart": {"@odata.type": "#microsoft.graph.onInteractiveAuthFlowStartExternalUsersSelfServiceSignUp", "isSignUpAllowed": "yes"}}"##,
        ##"{"@odata.type": "#microsoft.graph.externalUsersSelfServiceSignUpEventsFlow", "displayName": "x", "favourite": 1}"##,
        ##"{"@odata.type": "#microsoft.graph.externalUsersSelfServiceSignUpEventsFlow", "displayName": "x", "onAttributeCollection": {"@odata.type": "#microsoft.graph.onAttributeCollectionExternalUsersSelfServiceSignUp", "attributes": [{"id": "shoeSize"}]}}"##,
        ##"{"@odata.type": "#microsoft.graph.externalUsersSelfServiceSignUpEventsFlow", "displayName": "x", "onAttributeCollection": {"@odata.type": "#microsoft.graph.onAttributeCollectionExternalUsersSelfServiceSignUp", "attributes": [{"id": "email"}], "attributeCollectionPage": {"views": [{"inputs": [{"attribute": "city", "label": "City", "inputType": "text"}]}]}}}"##,
        ##"{"@odata.type": "#microsoft.graph.externalUsersSelfServiceSignUpEventsFlow", "displayName": "x", "onAttributeCollection": {"@odata.type": "#microsoft.graph.onAttributeCollectionExternalUsersSelfServiceSignUp", "attributes": [{"id": "email"}], "attributeCollectionPage": {"views": [{"inputs": [{"attribute": "email", "inputType": "text"}]}]}}}"##,
        ##"{"@odata.type": "#microsoft.graph.externalUsersSelfServiceSignUpEventsFlow", "displayName": "x", "onAttributeCollection": {"@odata.type": "#microsoft.graph.onAttributeCollectionExternalUsersSelfServiceSignUp", "attributes": [{"id": "email"}], "attributeCollectionPage": {"views": [{"inputs": [{"attribute": "email", "label": "E", "inputType": "dropdown"}]}]}}}"##,
    ])
    func refusesMalformedFlows(body: String) async throws {
        try await GraphHarness().run { graph in
            let reply = try await graph.send(.post, Self.flows, json: body)
            #expect(reply.status == 400, "\(String(describing: reply.json))")
        }
    }

    @Test func unknownIdentityProviderIsRefused() async throws {
        try await GraphHarness().run { graph in
            let reply = try await graph.send(
                .post, Self.flows, json: Self.flowBody(name: "g", provider: "Google-OAUTH"))
            #expect(reply.status == 400)
            #expect(reply.json?["error"]?["message"]?.stringValue?.contains("Google-OAUTH") == true)
        }
    }

    @Test func applicationsOfAFlow() async throws {
        try await GraphHarness().run { graph in
            let app = try await graph.createApplication("Flow member")
            let appId = try #require(app["appId"]?.stringValue)
            let first = try #require(
                try await graph.send(.post, Self.flows, json: Self.flowBody(name: "first")).string("id"))
            let second = try #require(
                try await graph.send(.post, Self.flows, json: Self.flowBody(name: "second", signUp: false)).string("id")
            )
            let include = { (flow: String) in "\(Self.flows)/\(flow)/conditions/applications/includeApplications" }
            let body =
                ##"{"@odata.type": "#microsoft.graph.authenticationConditionApplication", "appId": "\##(appId)"}"##

            let noPrincipal = try await graph.send(.post, include(first), json: body)
            #expect(noPrincipal.status == 404)
            _ = try await graph.createServicePrincipal(appId)

            let added = try await graph.send(.post, include(first), json: body)
            #expect(added.status == 201)
            #expect(added.string("appId") == appId)
            #expect(try await graph.send(.post, include(first), json: body).status == 409)
            #expect(try await graph.send(.post, include(second), json: body).status == 400)

            let listed = try await graph.send(.get, include(first))
            #expect(listed.values.map { $0["appId"]?.stringValue } == [appId])
            let flow = await graph.directory.userFlow(forAppId: appId)
            #expect(flow?.id == first)
            #expect(flow?.isSignUpAllowed == true)
            #expect(flow?.identityProviders == ["EmailPassword-OAUTH"])
            #expect(flow?.attributes == ["email", "displayName", "city"])

            let castPath =
                "\(Self.flows)/\(first)/microsoft.graph.externalUsersSelfServiceSignUpEventsFlow/conditions/applications/includeApplications"
            #expect(try await graph.send(.get, castPath).values.count == 1)
            let byApp = try await graph.send(
                .get,
                "\(Self.flows)?$filter=microsoft.graph.externalUsersSelfServiceSignUpEventsFlow/conditions/applications/includeApplications/any(a:a/appId eq '\(appId)')"
            )
            #expect(byApp.values.map { $0["id"]?.stringValue } == [first])

            #expect(try await graph.send(.delete, "\(include(first))/\(appId)").status == 204)
            #expect(await graph.directory.userFlow(forAppId: appId) == nil)
            #expect(try await graph.send(.delete, "\(include(first))/\(appId)").status == 404)
            #expect(try await graph.send(.post, include(second), json: body).status == 201)
        }
    }
}
