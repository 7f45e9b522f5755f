import Foundation
import TutorSupport

/// `identity/authenticationEventsFlows` and each flow's
/// `conditions/applications/includeApplications`.
extension GraphOperations {
    func userFlows(_ segments: [Segment]) async throws -> GraphResponse {
        let parser = GraphUserFlowParser()
        let id = segments[0].key.map(Self.unquote) ?? (segments.count >= 2 ? segments[1].name : nil)
        guard let id else {
            switch method {
            case "GET":
                try require(GraphPermissions.userFlowsRead)
                return try collection(
                    await directory.visibleUserFlows().map { GraphRender.userFlow($0, forFilter: true) },
                    entitySet: "identity/authenticationEventsFlows", typeName: "authenticationEventsFlow",
                    filterable: ["displayname", "id", "conditions"], hiddenFromOutput: ["includeApplications"])
            case "POST":
                try require(GraphPermissions.userFlowsWrite)
                let draft = try parser.parseCreate(try jsonBody())
                let flow = try await directory.createUserFlow(draft, lag: lag)
                return try entity(
                    GraphRender.userFlow(flow), entitySet: "identity/authenticationEventsFlows",
                    typeName: "authenticationEventsFlow", status: 201)
            default: throw methodNotAllowed()
            }
        }
        let rest = Array(segments.dropFirst(segments[0].key == nil ? 2 : 1))
        if !rest.isEmpty {
            return try await includeApplications(flowId: id, rest)
        }
        switch method {
        case "GET":
            try require(GraphPermissions.userFlowsRead)
            guard let flow = await directory.findUserFlow(id: id) else { throw GraphFailure.notFound(id) }
            return try entity(
                GraphRender.userFlow(flow), entitySet: "identity/authenticationEventsFlows",
                typeName: "authenticationEventsFlow")
        case "PATCH":
            try require(GraphPermissions.userFlowsWrite)
            guard var flow = await directory.findUserFlow(id: id) else { throw GraphFailure.notFound(id) }
            let before = flow.includeApplications
            try parser.apply(try jsonBody(), to: &flow, creating: false)
            guard flow.includeApplications == before else {
                throw GraphFailure.badRequest(
                    "Use conditions/applications/includeApplications to change the applications of a user flow.")
            }
            let updated = flow
            try await directory.updateUserFlow(id: id) { $0 = updated }
            return .noContent
        case "DELETE":
            try require(GraphPermissions.userFlowsWrite)
            try await directory.deleteUserFlow(id: id)
            return .noContent
        default:
            throw methodNotAllowed()
        }
    }

    func includeApplications(flowId: String, _ rest: [Segment]) async throws -> GraphResponse {
        guard rest.count >= 3, rest[0].lowered == "conditions", rest[1].lowered == "applications",
            rest[2].lowered == "includeapplications", rest[0].key == nil, rest[1].key == nil
        else {
            throw GraphFailure.unknownSegment(
                rest.first { !["conditions", "applications"].contains($0.lowered) }?.name ?? rest[0].name)
        }
        let appId = rest[2].key.map(Self.unquote) ?? (rest.count >= 4 ? rest[3].name : nil)
        if rest.count > (rest[2].key == nil ? 4 : 3) { throw GraphFailure.unknownSegment(rest.last?.name ?? "") }
        let entitySet = "identity/authenticationEventsFlows('\(flowId)')/conditions/applications/includeApplications"
        guard let appId else {
            switch method {
            case "GET":
                try require(GraphPermissions.userFlowsRead)
                guard let flow = await directory.findUserFlow(id: flowId) else { throw GraphFailure.notFound(flowId) }
                return try collection(
                    flow.includeApplications.map(GraphRender.conditionApplication), entitySet: entitySet,
                    typeName: "authenticationConditionApplication", filterable: ["appid"])
            case "POST":
                try require(GraphPermissions.userFlowsWrite)
                let appId = try GraphUserFlowParser.conditionAppId(
                    try jsonBody(), validator: GraphValidator(resource: "AuthenticationConditionApplication"))
                try await directory.addApplication(appId: appId, toUserFlow: flowId)
                return try entity(
                    GraphRender.conditionApplication(appId.lowercased()), entitySet: entitySet,
                    typeName: "authenticationConditionApplication", status: 201)
            default: throw methodNotAllowed()
            }
        }
        switch method {
        case "GET":
            try require(GraphPermissions.userFlowsRead)
            guard let flow = await directory.findUserFlow(id: flowId) else { throw GraphFailure.notFound(flowId) }
            guard flow.includeApplications.contains(where: { $0.equalsIgnoringCase(appId) }) else {
                throw GraphFailure.notFound(appId)
            }
            return try entity(
                GraphRender.conditionApplication(appId.lowercased()), entitySet: entitySet,
                typeName: "authenticationConditionApplication")
        case "DELETE":
            try require(GraphPermissions.userFlowsWrite)
            try await directory.removeApplication(appId: appId, fromUserFlow: flowId)
            return .noContent
        default:
            throw methodNotAllowed()
        }
    }
}
