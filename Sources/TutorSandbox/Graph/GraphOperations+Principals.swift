import Foundation
import TutorSupport

/// `servicePrincipals` and `oauth2PermissionGrants`, as `TenantDirectory+Principals` keeps them.
extension GraphOperations {
    func servicePrincipals(_ segments: [Segment]) async throws -> GraphResponse {
        guard case (let key, let rest)? = try target(segments, allowUniqueName: false) else {
            switch method {
            case "GET":
                try require(GraphPermissions.applicationsRead)
                return try collection(
                    try await servicePrincipalItems(), entitySet: "servicePrincipals", typeName: "servicePrincipal",
                    filterable: GraphFilterable.servicePrincipals, searchable: ["displayname", "description"])
            case "POST":
                try require(GraphPermissions.applicationsWrite)
                let properties = try GraphValidator(resource: "ServicePrincipal").validateBody(
                    try jsonBody(), properties: GraphSchemas.servicePrincipal, odataType: "servicePrincipal")
                let principal = try await directory.createServicePrincipal(properties, lag: lag)
                return try await created(
                    entity(
                        GraphRender.servicePrincipal(
                            principal, application: await directory.application(appId: principal.appId)),
                        entitySet: "servicePrincipals", typeName: "servicePrincipal", status: 201),
                    id: principal.id, type: "ServicePrincipal")
            default: throw methodNotAllowed()
            }
        }
        if let extra = rest.first, extra.lowered == "approleassignedto", extra.key == nil {
            return try await appRoleAssignedTo(key, Array(rest.dropFirst()))
        }
        if let extra = rest.first { throw GraphFailure.unknownSegment(extra.name) }
        switch method {
        case "GET":
            try require(GraphPermissions.applicationsRead)
            guard let principal = await directory.findServicePrincipal(key) else {
                throw GraphFailure.notFound(key.text)
            }
            return try entity(
                GraphRender.servicePrincipal(
                    principal, application: await directory.application(appId: principal.appId)),
                entitySet: "servicePrincipals", typeName: "servicePrincipal")
        case "PATCH":
            try require(GraphPermissions.applicationsWrite)
            let properties = try GraphValidator(resource: "ServicePrincipal").validateBody(
                try jsonBody(), properties: GraphSchemas.servicePrincipal, odataType: "servicePrincipal")
            try await directory.updateServicePrincipal(key, properties)
            return .noContent
        case "DELETE":
            try require(GraphPermissions.applicationsWrite)
            try await directory.deleteServicePrincipal(key)
            return .noContent
        default:
            throw methodNotAllowed()
        }
    }

    // MARK: - oauth2PermissionGrants

    func grants(_ segments: [Segment]) async throws -> GraphResponse {
        let id = segments[0].key.map(Self.unquote) ?? (segments.count >= 2 ? segments[1].name : nil)
        guard let id else {
            switch method {
            case "GET":
                try require(GraphPermissions.grantsRead)
                return try collection(
                    await directory.visibleGrants().map(GraphRender.grant), entitySet: "oauth2PermissionGrants",
                    typeName: "oAuth2PermissionGrant",
                    filterable: ["clientid", "resourceid", "consenttype", "principalid", "id"])
            case "POST":
                try require(GraphPermissions.grantsWrite)
                let properties = try GraphValidator(resource: "OAuth2PermissionGrant").validateBody(
                    try jsonBody(), properties: GraphSchemas.oauth2PermissionGrant, odataType: "oAuth2PermissionGrant")
                let grant = try await directory.createGrant(properties, lag: lag)
                return try entity(
                    GraphRender.grant(grant), entitySet: "oauth2PermissionGrants", typeName: "oAuth2PermissionGrant",
                    status: 201)
            default: throw methodNotAllowed()
            }
        }
        let restStart = segments[0].key == nil ? 2 : 1
        if segments.count > restStart { throw GraphFailure.unknownSegment(segments[restStart].name) }
        switch method {
        case "GET":
            try require(GraphPermissions.grantsRead)
            guard let grant = await directory.findGrant(id: id) else { throw GraphFailure.notFound(id) }
            return try entity(
                GraphRender.grant(grant), entitySet: "oauth2PermissionGrants", typeName: "oAuth2PermissionGrant")
        case "PATCH":
            try require(GraphPermissions.grantsWrite)
            let properties = try GraphValidator(resource: "OAuth2PermissionGrant").validateBody(
                try jsonBody(), properties: GraphSchemas.oauth2PermissionGrant, odataType: "oAuth2PermissionGrant")
            try await directory.updateGrant(id: id, properties)
            return .noContent
        case "DELETE":
            try require(GraphPermissions.grantsWrite)
            try await directory.deleteGrant(id: id)
            return .noContent
        default:
            throw methodNotAllowed()
        }
    }
}
