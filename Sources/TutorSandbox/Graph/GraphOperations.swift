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
}
