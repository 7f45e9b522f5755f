import TutorSupport

extension GraphOperations {
    /// `servicePrincipals/{id}/appRoleAssignedTo[/{assignment id}]`: GET and POST on the
    /// collection, GET and DELETE on one assignment (docs: serviceprincipal-list-approleassignedto.md,
    /// serviceprincipal-post-approleassignedto.md, serviceprincipal-delete-approleassignedto.md).
    func appRoleAssignedTo(_ key: ObjectKey, _ rest: [Segment]) async throws -> GraphResponse {
        if rest.count > 1 { throw GraphFailure.unknownSegment(rest[1].name) }
        let entitySet = "servicePrincipals('\(key.text)')/appRoleAssignedTo"
        guard let resource = await directory.findServicePrincipal(key) else { throw GraphFailure.notFound(key.text) }
        let render = { [directory] (assignment: SandboxAppRoleAssignment) async -> JSONValue in
            let principal = await directory.findServicePrincipal(.id(assignment.principalId))
            return GraphRender.appRoleAssignment(
                assignment, principalName: principal?.displayName, resourceName: resource.displayName)
        }
        guard let id = rest.first?.name else {
            switch method {
            case "GET":
                try require(GraphPermissions.applicationsRead)
                var items: [JSONValue] = []
                for assignment in await directory.assignments(toResource: resource) {
                    items.append(await render(assignment))
                }
                return try collection(
                    items, entitySet: entitySet, typeName: "appRoleAssignment",
                    filterable: ["principalid", "approleid", "resourceid"])
            case "POST":
                try require(["AppRoleAssignment.ReadWrite.All"])
                guard let members = try jsonBody().objectMembers else {
                    throw GraphFailure.badRequest("The request body must be a JSON object.")
                }
                let assignment = try await directory.createAppRoleAssignment(
                    resource: key, members.map { ($0.key, $0.value) }, lag: lag)
                return try entity(
                    await render(assignment), entitySet: entitySet, typeName: "appRoleAssignment", status: 201)
            default: throw methodNotAllowed()
            }
        }
        switch method {
        case "GET":
            try require(GraphPermissions.applicationsRead)
            guard let assignment = await directory.assignments(toResource: resource).first(where: { $0.id == id })
            else { throw GraphFailure.notFound(id) }
            return try entity(await render(assignment), entitySet: entitySet, typeName: "appRoleAssignment")
        case "DELETE":
            try require(["AppRoleAssignment.ReadWrite.All"])
            try await directory.deleteAppRoleAssignment(resource: key, id: id)
            return .noContent
        default: throw methodNotAllowed()
        }
    }
}

extension GraphRender {
    /// An appRoleAssignment as Graph shows it.
    static func appRoleAssignment(_ assignment: SandboxAppRoleAssignment, principalName: String?, resourceName: String)
        -> JSONValue
    {
        .object([
            .init("id", .string(assignment.id)), .init("deletedDateTime", .null),
            .init("appRoleId", .string(assignment.appRoleId)),
            .init("createdDateTime", GraphDate.value(assignment.createdDateTime)),
            .init("principalDisplayName", principalName.map(JSONValue.string) ?? .null),
            .init("principalId", .string(assignment.principalId)), .init("principalType", .string("ServicePrincipal")),
            .init("resourceDisplayName", .string(resourceName)), .init("resourceId", .string(assignment.resourceId)),
        ])
    }
}
