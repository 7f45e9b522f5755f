import Foundation
import TutorSupport

/// `applications`: list, create, get, update, upsert by `uniqueName`, delete, and the
/// `addPassword`/`removePassword` actions.
extension GraphOperations {
    func applications(_ segments: [Segment]) async throws -> GraphResponse {
        let domain = await directory.organization.initialDomain
        guard case (let key, let rest)? = try target(segments, allowUniqueName: true) else {
            switch method {
            case "GET":
                try require(GraphPermissions.applicationsRead)
                let apps = await directory.visibleApplications()
                return try collection(
                    apps.map { GraphRender.application($0, domain: domain) }, entitySet: "applications",
                    typeName: "application", filterable: GraphFilterable.applications,
                    searchable: ["displayname", "description"])
            case "POST":
                try require(GraphPermissions.applicationsWrite)
                let properties = try Self.applicationProperties(try jsonBody())
                let app = try await directory.createApplication(properties, lag: lag)
                return try await created(
                    entity(
                        GraphRender.application(app, domain: domain), entitySet: "applications",
                        typeName: "application", status: 201), id: app.id, type: "Application")
            default: throw methodNotAllowed()
            }
        }
        if let action = rest.first {
            guard rest.count == 1 else { throw GraphFailure.unknownSegment(rest[1].name) }
            switch action.lowered {
            case "addpassword":
                guard method == "POST" else { throw methodNotAllowed() }
                try require(GraphPermissions.applicationsWrite)
                return try await addPassword(key)
            case "removepassword":
                guard method == "POST" else { throw methodNotAllowed() }
                try require(GraphPermissions.applicationsWrite)
                let body = try jsonBody()
                let members = try GraphValidator(resource: "Application").validateBody(
                    body, properties: [GraphProperty("keyId", .guid)])
                guard let keyId = members.first(where: { $0.0 == "keyId" })?.1.stringValue else {
                    throw GraphFailure.missing("keyId", "Application")
                }
                try await directory.removePassword(key, keyId: keyId)
                return .noContent
            default:
                throw GraphFailure.unknownSegment(action.name)
            }
        }
        switch method {
        case "GET":
            try require(GraphPermissions.applicationsRead)
            guard let app = await directory.findApplication(key) else { throw GraphFailure.notFound(key.text) }
            return try entity(
                GraphRender.application(app, domain: domain), entitySet: "applications", typeName: "application")
        case "PATCH":
            try require(GraphPermissions.applicationsWrite)
            let properties = try Self.applicationProperties(try jsonBody())
            let prefer = (request.headers["prefer"] ?? "").lowercased()
            if case .uniqueName(let name) = key, prefer.contains("create-if-missing") {
                let (created, app) = try await directory.upsertApplication(uniqueName: name, properties, lag: lag)
                if created {
                    return try entity(
                        GraphRender.application(app, domain: domain), entitySet: "applications",
                        typeName: "application",
                        status: 201)
                }
                return .noContent
            }
            try await directory.updateApplication(key, properties)
            return .noContent
        case "DELETE":
            try require(GraphPermissions.applicationsWrite)
            try await directory.deleteApplication(key)
            return .noContent
        default:
            throw methodNotAllowed()
        }
    }

    /// A validated application body. `oauth2RequirePostResponse` is in Graph's v1.0 schema, yet
    /// Graph answers any write of it with a 404 naming an empty resource (reported in
    /// microsoftgraph/msgraph-sdk-powershell#1502 and microsoftgraph/msgraph-bicep-types#155).
    static func applicationProperties(_ body: JSONValue) throws -> [(String, JSONValue)] {
        let properties = try GraphValidator(resource: "Application").validateBody(
            body, properties: GraphSchemas.application, odataType: "application")
        if properties.contains(where: { $0.0 == "oauth2RequirePostResponse" }) { throw GraphFailure.notFound("") }
        return properties
    }

    func addPassword(_ key: ObjectKey) async throws -> GraphResponse {
        let body = try jsonBody(allowEmpty: true)
        let validator = GraphValidator(resource: "Application")
        let members = try validator.validateBody(
            body, properties: [GraphProperty("passwordCredential", .complex(GraphSchemas.passwordCredential))])
        let credential = members.first { $0.0 == "passwordCredential" }?.1 ?? .null
        let start = credential["startDateTime"]?.stringValue.flatMap(GraphDate.parse)
        let end = credential["endDateTime"]?.stringValue.flatMap(GraphDate.parse)
        let (stored, secret) = try await directory.addPassword(
            key, displayName: credential["displayName"]?.stringValue, start: start, end: end)
        let rendered = GraphRender.passwordCredential(stored, secret: secret)
        return .json(
            200,
            .object(
                [.init("@odata.context", contextURL("microsoft.graph.passwordCredential"))]
                    + (rendered.objectMembers ?? [])))
    }
}
