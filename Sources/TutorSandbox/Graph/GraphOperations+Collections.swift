import Foundation
import TutorSupport

/// Collections: paging, `$filter`, `$search`, `$orderby`, `$count` (option and path segment),
/// and what 201 creates carry.
extension GraphOperations {
    /// The collections whose `/$count` segment Graph serves (directory objects, with
    /// `ConsistencyLevel: eventual`).
    static let countable: Set<String> = ["applications", "serviceprincipals", "users"]

    /// A collection page: filter, search, order, page (`$top`, `@odata.nextLink`), select.
    func collection(
        _ items: [JSONValue], entitySet: String, typeName: String, filterable: Set<String>, pageSize: Int = 100,
        hiddenFromOutput: Set<String> = [], defaultProperties: [String]? = nil, searchable: Set<String> = []
    ) throws -> GraphResponse {
        let query = try query()
        let items = try selectedItems(
            items, query: query, typeName: typeName, filterable: filterable, searchable: searchable)
        let total = items.count
        let size = query.top ?? pageSize
        let start = min(query.offset, items.count)
        let end = min(start + size, items.count)
        _ = try expand(.object([]), query.expand, typeName: typeName)  // refused even when nothing is listed
        var page: [JSONValue] = []
        for item in items[start..<end] {
            let shown = hiddenFromOutput.isEmpty ? item : Self.removing(hiddenFromOutput, from: item)
            let selected = try select(
                shown, query.select ?? defaultProperties ?? GraphSchemas.defaultNames(typeName), typeName: typeName)
            page.append(try expand(selected, query.expand, typeName: typeName))
        }
        let context = query.select.map { "\(entitySet)(\($0.joined(separator: ",")))" } ?? entitySet
        var members: [(String, JSONValue)] = [("@odata.context", contextURL(context))]
        if query.count { members.append(("@odata.count", .number(Double(total)))) }
        if end < items.count {
            members.append(
                ("@odata.nextLink", .string("\(request.baseURL)\(request.path)?\(query.nextQuery(offset: end))")))
        }
        members.append(("value", .array(page)))
        return .json(200, .members(members))
    }

    /// The items a query selects, in its order.
    func selectedItems(
        _ items: [JSONValue], query: GraphQuery, typeName: String, filterable: Set<String>, searchable: Set<String>
    ) throws -> [JSONValue] {
        var items = items
        if let filter = query.filter {
            for path in filter.paths {
                let property = path.split(separator: "/").first { !$0.lowercased().hasPrefix("microsoft.graph.") }
                guard let property, filterable.contains(property.lowercased()) else {
                    throw GraphFailure(
                        400, "Request_UnsupportedQuery",
                        "Unsupported or invalid query filter clause specified for property '\(path)' of resource '\(typeName)'."
                    )
                }
            }
            items = items.filter { filter.matches($0) }
        }
        if let search = query.search {
            guard !searchable.isEmpty else {
                throw GraphFailure(400, "Request_UnsupportedQuery", "Search is not supported on this resource.")
            }
            for term in search.terms where !searchable.contains(term.property.lowercased()) {
                throw GraphFailure(
                    400, "Request_UnsupportedQuery",
                    "Unsupported or invalid search clause specified for property '\(term.property)' of resource '\(typeName)'."
                )
            }
            items = items.filter { search.matches($0) }
        }
        if let order = query.orderBy {
            // Graph sorts a filtered or searched list only as an advanced query.
            if query.filter != nil || query.search != nil, !(query.count && query.consistencyLevelEventual) {
                throw GraphFailure(400, "Request_UnsupportedQuery", "Sorting not supported for current query.")
            }
            guard order.property.lowercased() == "displayname" else {
                throw GraphFailure(400, "Request_UnsupportedQuery", "Sorting by '\(order.property)' is not supported.")
            }
            items.sort {
                let left = $0["displayName"]?.stringValue ?? ""
                let right = $1["displayName"]?.stringValue ?? ""
                let ascending = left.localizedCaseInsensitiveCompare(right) == .orderedAscending
                return order.descending ? !ascending && left != right : ascending
            }
        }
        return items
    }

    /// `value` without members named in `names`, at any depth.
    static func removing(_ names: Set<String>, from value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            return .object(
                members.filter { !names.contains($0.key) }.map { .init($0.key, removing(names, from: $0.value)) })
        case .array(let elements):
            return .array(elements.map { removing(names, from: $0) })
        default:
            return value
        }
    }

    /// `GET {collection}/$count`: the number of matching objects as `text/plain`.
    func count(_ segments: [Segment]) async throws -> GraphResponse {
        guard method == "GET" else { throw methodNotAllowed() }
        guard segments.count == 1, segments[0].key == nil, Self.countable.contains(segments[0].lowered) else {
            throw GraphFailure.badRequest("$count is not supported on this resource.")
        }
        guard request.headers["consistencylevel"]?.lowercased() == "eventual" else {
            throw GraphFailure.badRequest("$count is not currently supported.")
        }
        let query = try query()
        let items: [JSONValue]
        let typeName: String
        var filterable: Set<String>
        var searchable: Set<String> = ["displayname", "description"]
        switch segments[0].lowered {
        case "applications":
            try require(GraphPermissions.applicationsRead)
            let domain = await directory.organization.initialDomain
            items = await directory.visibleApplications().map { GraphRender.application($0, domain: domain) }
            typeName = "application"
            filterable = GraphFilterable.applications
        case "serviceprincipals":
            try require(GraphPermissions.applicationsRead)
            items = try await servicePrincipalItems()
            typeName = "servicePrincipal"
            filterable = GraphFilterable.servicePrincipals
        default:
            try require(GraphPermissions.usersRead)
            items = await directory.visibleUsers().map(GraphRender.user)
            typeName = "user"
            filterable = GraphFilterable.users
            searchable = ["displayname", "mail", "userprincipalname"]
        }
        let selected = try selectedItems(
            items, query: query, typeName: typeName, filterable: filterable, searchable: searchable)
        return GraphResponse(status: 200, text: String(selected.count))
    }

    /// Every visible service principal, rendered.
    func servicePrincipalItems() async throws -> [JSONValue] {
        var rendered: [JSONValue] = []
        for principal in await directory.visibleServicePrincipals() {
            rendered.append(
                GraphRender.servicePrincipal(
                    principal, application: await directory.application(appId: principal.appId)))
        }
        return rendered
    }

    /// A 201 with Graph's `Location` for a new directory object:
    /// `https://{host}/v2/{tenantId}/directoryObjects/{id}/Microsoft.DirectoryServices.{Type}`.
    func created(_ response: GraphResponse, id: String, type: String) async -> GraphResponse {
        var response = response
        let tenantId = await directory.tenantId
        response.headers.append(
            ("Location", "\(request.baseURL)/v2/\(tenantId)/directoryObjects/\(id)/Microsoft.DirectoryServices.\(type)")
        )
        return response
    }
}

/// The properties `$filter` may name, per collection.
enum GraphFilterable {
    static let applications: Set<String> = [
        "displayname", "appid", "uniquename", "id", "publisherdomain", "signinaudience", "identifieruris", "tags",
    ]
    static let servicePrincipals: Set<String> = [
        "appid", "displayname", "id", "serviceprincipaltype", "serviceprincipalnames", "tags",
    ]
    static let users: Set<String> = ["displayname", "mail", "userprincipalname", "id", "usertype", "identities"]
}
