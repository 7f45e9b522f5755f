import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TutorSupport

@testable import TutorSandbox

/// Tokens for tests: each token string stands for a fixed caller; any other token is invalid.
struct FixedTokens: GraphTokenValidating {
    struct Rejected: Error, CustomStringConvertible {
        var description: String { "the token is not valid" }
    }

    var callers: [String: GraphCaller]

    func graphCaller(forAccessToken token: String) async throws -> GraphCaller {
        guard let caller = callers[token] else { throw Rejected() }
        return caller
    }
}

/// A Graph response as a test sees it.
struct GraphReply {
    var status: Int
    var headers: HTTPFields
    var json: JSONValue?

    var errorCode: String? { json?["error"]?["code"]?.stringValue }
    var values: [JSONValue] { json?["value"]?.arrayElements ?? [] }

    func string(_ key: String) -> String? { json?[key]?.stringValue }

    func header(_ name: String) -> String? {
        HTTPFields.Element.Name(name).flatMap { headers[$0] }
    }
}

/// A sandbox tenant's Graph API behind a Hummingbird router, called without sockets.
struct GraphHarness {
    static let tenantId = "11111111-2222-3333-4444-555555555555"
    static let adminAppId = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    static let adminSecret = "admin-secret-for-tests-0123456789abcdefgh"

    let directory: TenantDirectory
    let api: GraphAPI

    /// Callers: `admin` holds the admin app's roles; `reader` only Application.Read.All;
    /// `nobody` no permission; `user` is a delegated caller with User.Read for the admin user.
    static func tokens(adminUserId: String) -> FixedTokens {
        FixedTokens(callers: [
            "admin": GraphCaller(
                appId: adminAppId, roles: Set(WellKnownGraph.adminAppRoles), scopes: [], userObjectId: nil),
            "reader": GraphCaller(appId: adminAppId, roles: ["Application.Read.All"], scopes: [], userObjectId: nil),
            "nobody": GraphCaller(appId: adminAppId, roles: [], scopes: [], userObjectId: nil),
            "user": GraphCaller(
                appId: adminAppId, roles: [], scopes: ["User.Read", "openid"], userObjectId: adminUserId),
        ])
    }

    static func freshState() -> TenantState {
        TenantDirectory.bootstrap(
            tenantId: tenantId, subdomain: "contoso", adminAppId: adminAppId, adminSecret: adminSecret,
            adminPassword: "Admin-Password-1")
    }

    init(faults: FaultOptions = .none, state: TenantState? = nil, stateFile: URL? = nil) {
        let state = state ?? Self.freshState()
        directory = TenantDirectory(state: state, stateFile: stateFile)
        let adminUser = state.users.first { $0.isAdministrator }?.id ?? ""
        api = GraphAPI(
            directory: directory, tokens: Self.tokens(adminUserId: adminUser), faults: FaultInjector(options: faults))
    }

    /// Runs `body` with a client for this harness.
    func run(_ body: @escaping @Sendable (GraphClient) async throws -> Void) async throws {
        let directory = self.directory
        let router = Router()
        api.addRoutes(to: router)
        let app = Application(router: router)
        try await app.test(.router) { client in
            try await body(GraphClient(client: client, directory: directory))
        }
    }
}

/// Sends Graph requests through the test client.
struct GraphClient: Sendable {
    let client: any TestClientProtocol
    let directory: TenantDirectory

    @discardableResult
    func send(
        _ method: HTTPRequest.Method, _ path: String, token: String? = "admin", json: String? = nil,
        headers: [String: String] = [:]
    ) async throws -> GraphReply {
        var fields = HTTPFields()
        if let token { fields[.authorization] = "Bearer \(token)" }
        if json != nil { fields[.contentType] = "application/json" }
        for (name, value) in headers {
            if let fieldName = HTTPFields.Element.Name(name) { fields[fieldName] = value }
        }
        let response = try await client.executeRequest(
            uri: path, method: method, headers: fields, body: json.map { ByteBuffer(string: $0) })
        let text = String(buffer: response.body)
        let parsed = text.isEmpty ? nil : try JSONValue.parse(text)
        return GraphReply(status: Int(response.status.code), headers: response.headers, json: parsed)
    }

    /// Creates an application and returns its JSON.
    func createApplication(_ name: String, extra: String = "") async throws -> JSONValue {
        let reply = try await send(.post, "/v1.0/applications", json: #"{"displayName": "\#(name)"\#(extra)}"#)
        #expect(reply.status == 201, "create application: \(String(describing: reply.json))")
        return reply.json ?? .null
    }

    /// Creates the service principal of `appId` and returns its JSON.
    func createServicePrincipal(_ appId: String) async throws -> JSONValue {
        let reply = try await send(.post, "/v1.0/servicePrincipals", json: #"{"appId": "\#(appId)"}"#)
        #expect(reply.status == 201, "create service principal: \(String(describing: reply.json))")
        return reply.json ?? .null
    }
}
