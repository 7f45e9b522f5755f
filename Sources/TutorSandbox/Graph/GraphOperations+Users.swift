import Foundation
import TutorSupport

/// `users`, `/me` and `organization`: read-only.
extension GraphOperations {
    func organization(_ segments: [Segment]) async throws -> GraphResponse {
        try require(GraphPermissions.organizationRead)
        guard method == "GET" else { throw methodNotAllowed() }
        let organization = await directory.organization
        let rendered = GraphRender.organization(organization)
        if segments.count == 1, segments[0].key == nil {
            return try collection([rendered], entitySet: "organization", typeName: "organization", filterable: ["id"])
        }
        let id = segments[0].key.map(Self.unquote) ?? segments[1].name
        guard segments.count <= 2, id.equalsIgnoringCase(organization.id) else {
            throw GraphFailure.notFound(id)
        }
        return try entity(rendered, entitySet: "organization", typeName: "organization")
    }

    // MARK: - users

    func users(_ segments: [Segment]) async throws -> GraphResponse {
        guard method == "GET" else { throw methodNotAllowed() }
        try require(GraphPermissions.usersRead)
        let key = segments[0].key.map(Self.unquote) ?? (segments.count >= 2 ? segments[1].name : nil)
        guard let key else {
            return try collection(
                await directory.visibleUsers().map(GraphRender.user), entitySet: "users", typeName: "user",
                filterable: GraphFilterable.users, defaultProperties: GraphRender.userDefaultProperties,
                searchable: ["displayname", "mail", "userprincipalname"])
        }
        if segments.count > (segments[0].key == nil ? 2 : 1) {
            throw GraphFailure.unknownSegment(segments.last?.name ?? "")
        }
        guard let user = await directory.findUser(key) else { throw GraphFailure.notFound(key) }
        return try entity(
            GraphRender.user(user), entitySet: "users", typeName: "user",
            defaultProperties: GraphRender.userDefaultProperties)
    }

    func me(_ segments: [Segment]) async throws -> GraphResponse {
        guard method == "GET" else { throw methodNotAllowed() }
        guard let userId = caller.userObjectId else {
            throw GraphFailure(400, "BadRequest", "/me request is only valid with delegated authentication flow.")
        }
        try require(GraphPermissions.me)
        if segments.count > 1 { throw GraphFailure.unknownSegment(segments[1].name) }
        guard let user = await directory.findUser(userId) else { throw GraphFailure.notFound(userId) }
        return try entity(
            GraphRender.user(user), entitySet: "users", typeName: "user",
            defaultProperties: GraphRender.userDefaultProperties)
    }
}
