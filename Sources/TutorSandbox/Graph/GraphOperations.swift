import Foundation
import TutorSupport

/// The Graph permissions that allow each kind of operation (any one suffices), as the Graph
/// reference lists them for application and delegated callers.
enum GraphPermissions {
    static let applicationsRead = [
        "Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All",
    ]
    static let applicationsWrite = ["Application.ReadWrite.All"]
    static let grantsRead = [
        "DelegatedPermissionGrant.Read.All", "DelegatedPermissionGrant.ReadWrite.All", "Directory.Read.All",
        "Directory.ReadWrite.All",
    ]
    static let grantsWrite = ["DelegatedPermissionGrant.ReadWrite.All"]
    static let userFlowsRead = ["EventListener.Read.All", "EventListener.ReadWrite.All"]
    static let userFlowsWrite = ["EventListener.ReadWrite.All"]
    static let organizationRead = [
        "Organization.Read.All", "Organization.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All",
        "User.Read",
    ]
    static let usersRead = [
        "User.Read.All", "User.ReadWrite.All", "User.ReadBasic.All", "Directory.Read.All", "Directory.ReadWrite.All",
    ]
    static let me = ["User.Read", "User.ReadWrite", "User.Read.All", "User.ReadWrite.All", "Directory.Read.All"]
}

/// One Graph request being answered: path parsing, permission checks and the operation.
struct GraphOperations {
    let api: GraphAPI
    let request: GraphRequest
    let caller: GraphCaller

    var directory: TenantDirectory { api.directory }
    /// The lag of the object being created (drawn anew for each, see `FaultInjector`).
    var lag: Duration { api.faults.nextReplicationLag() }
    var method: String { request.method }

    /// A path segment: `name` or `name(key)`, percent-decoded.
    struct Segment {
        var name: String
        var key: String?
        var lowered: String { name.lowercased() }
    }

    /// Type-cast segments that do not change what a path addresses.
    static let casts: Set<String> = [
        "microsoft.graph.externaluserselfservicesignupeventsflow",
        "microsoft.graph.externalusersselfservicesignupeventsflow", "microsoft.graph.application",
        "microsoft.graph.serviceprincipal", "microsoft.graph.user",
    ]

    /// Which casts each top-level collection takes.
    static let castTargets: [String: Set<String>] = [
        "applications": ["microsoft.graph.application"],
        "serviceprincipals": ["microsoft.graph.serviceprincipal"],
        "users": ["microsoft.graph.user"],
        "identity": [
            "microsoft.graph.externaluserselfservicesignupeventsflow",
            "microsoft.graph.externalusersselfservicesignupeventsflow",
        ],
    ]

    func run() async throws -> GraphResponse {
        var segments = try parsePath()
        if segments.count >= 2, segments.last?.name == "$count", segments.last?.key == nil {
            segments.removeLast()
            return try await count(segments)
        }
        guard let first = segments.first else { throw GraphFailure.unknownSegment("v1.0") }
        switch first.lowered {
        case "applications": return try await applications(segments)
        case "serviceprincipals": return try await servicePrincipals(segments)
        case "oauth2permissiongrants": return try await grants(segments)
        case "identity":
            guard segments.count >= 2, segments[1].lowered == "authenticationeventsflows", first.key == nil else {
                throw GraphFailure.unknownSegment(segments.count >= 2 ? segments[1].name : first.name)
            }
            return try await userFlows(Array(segments.dropFirst()))
        case "users": return try await users(segments)
        case "me": return try await me(segments)
        case "organization": return try await organization(segments)
        default: throw GraphFailure.unknownSegment(first.name)
        }
    }

    // MARK: - Paths

    func parsePath() throws -> [Segment] {
        var path = Substring(request.path)
        if path.lowercased().hasPrefix("/v1.0") { path = path.dropFirst(5) }
        var segments: [Segment] = []
        for raw in path.split(separator: "/", omittingEmptySubsequences: true) {
            let text = raw.contains("%") ? (String(raw).removingPercentEncoding ?? String(raw)) : String(raw)
            let lowered = text.lowercased()
            let canonical = lowered.hasPrefix("graph.") ? "microsoft." + lowered : lowered
            if Self.casts.contains(canonical) {
                // A cast must name the type of the collection it follows.
                let collection = segments.first?.lowered ?? ""
                guard Self.castTargets[collection]?.contains(canonical) == true else {
                    throw GraphFailure.unknownSegment(text)
                }
                continue
            }
            var name = text
            var key: String?
            if let open = text.firstIndex(of: "("), text.hasSuffix(")") {
                name = String(text[..<open])
                key = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
            }
            if name.lowercased().hasPrefix("microsoft.graph.") { name = String(name.dropFirst(16)) }
            if name.lowercased().hasPrefix("graph.") { name = String(name.dropFirst(6)) }
            segments.append(Segment(name: name, key: key))
        }
        return segments
    }

    /// `'x'`, `appId='x'`, `uniqueName='x'` → the key.
    func objectKey(_ text: String, allowUniqueName: Bool) throws -> ObjectKey {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        let value = Self.unquote(parts.last ?? "")
        if parts.count == 1 { return .id(value) }
        switch parts[0].trimmingCharacters(in: .whitespaces).lowercased() {
        case "appid": return .appId(value)
        case "uniquename" where allowUniqueName: return .uniqueName(value)
        default: throw GraphFailure(400, "BadRequest", "'\(parts[0])' is not an alternate key of this resource.")
        }
    }

    static func unquote(_ text: String) -> String {
        var value = text.trimmingCharacters(in: .whitespaces)
        if value.hasPrefix("'"), value.hasSuffix("'"), value.count >= 2 {
            value = String(value.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'")
        }
        return value
    }

    /// The object a path addresses (`set(key)` or `set/{id}`) and the segments after it.
    func target(_ segments: [Segment], allowUniqueName: Bool) throws -> (ObjectKey, [Segment])? {
        if let key = segments[0].key {
            return (try objectKey(key, allowUniqueName: allowUniqueName), Array(segments.dropFirst()))
        }
        guard segments.count >= 2 else { return nil }
        let id = segments[1].name
        guard isGUID(id) else { throw GraphFailure.badRequest("Invalid object identifier '\(id)'.") }
        return (.id(id), Array(segments.dropFirst(2)))
    }

    // MARK: - Helpers

    func require(_ permissions: [String]) throws {
        guard caller.holdsAny(of: permissions) else { throw GraphFailure.denied }
    }

    func jsonBody(allowEmpty: Bool = false) throws -> JSONValue {
        if request.body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            if allowEmpty { return .object([]) }
            throw GraphFailure(400, "BadRequest", "Empty Payload. JSON content expected.")
        }
        do {
            return try JSONValue.parse(request.body)
        } catch {
            throw GraphFailure(
                400, "BadRequest",
                "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format."
            )
        }
    }

    func query() throws -> GraphQuery {
        try GraphQuery(
            query: request.query,
            consistencyLevelEventual: request.headers["consistencylevel"]?.lowercased() == "eventual")
    }

    func contextURL(_ fragment: String) -> JSONValue {
        .string("\(request.baseURL)/v1.0/$metadata#\(fragment)")
    }

    func methodNotAllowed() -> GraphFailure { GraphFailure.methodNotAllowed }

    /// A single object, with `$select` applied.
    func entity(
        _ object: JSONValue, entitySet: String, typeName: String, status: Int = 200, defaultProperties: [String]? = nil
    ) throws -> GraphResponse {
        let query = try query()
        let selected = try expand(
            select(
                object, query.select ?? defaultProperties ?? GraphSchemas.defaultNames(typeName), typeName: typeName),
            query.expand, typeName: typeName)
        let context =
            query.select.map { "\(entitySet)(\($0.joined(separator: ",")))/$entity" } ?? "\(entitySet)/$entity"
        return .json(status, .object([.init("@odata.context", contextURL(context))] + (selected.objectMembers ?? [])))
    }

    func select(_ object: JSONValue, _ names: [String]?, typeName: String) throws -> JSONValue {
        guard let names, let members = object.objectMembers else { return object }
        var result: [JSONValue.JSONMember] = members.filter { $0.key == "@odata.type" }
        for name in names {
            guard let member = members.first(where: { $0.key.equalsIgnoringCase(name) }) else {
                throw GraphFailure(
                    400, "BadRequest",
                    "Could not find a property named '\(name)' on type 'microsoft.graph.\(typeName)'.")
            }
            result.append(member)
        }
        return .object(result)
    }

    // MARK: - organization

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

    // MARK: - applications

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

    // MARK: - servicePrincipals

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

    // MARK: - identity/authenticationEventsFlows

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
