import Foundation
import Hummingbird
import TutorSupport

/// The Microsoft Graph v1.0 subset of the sandbox tenant, as routes under `/v1.0`.
public struct GraphAPI: Sendable {
    /// The tenant's objects.
    public let directory: TenantDirectory
    /// Checks bearer tokens.
    public let tokens: any GraphTokenValidating
    /// Latency, throttling, server errors, dropped connections and replication lag.
    public let faults: FaultInjector

    /// A Graph API over `directory`, trusting tokens `tokens` accepts, with `faults` injected.
    public init(directory: TenantDirectory, tokens: any GraphTokenValidating, faults: FaultInjector = FaultInjector()) {
        self.directory = directory
        self.tokens = tokens
        self.faults = faults
    }

    /// Adds `/v1.0/**` (and `/V1.0/**`) for GET, POST, PATCH, PUT and DELETE to `router`, as a
    /// route group whose middleware does what every Graph request needs, in Graph's order: read
    /// the body (413), inject faults, check the token (401). Handlers then just answer or throw
    /// a `GraphFailure`, which renders itself.
    public func addRoutes<Methods: RouterMethods>(to router: Methods) {
        for prefix in ["/v1.0", "/V1.0"] {
            let group = router.group(RouterPath(prefix), context: GraphRequestContext<Methods.Context>.self)
                .add(middleware: GraphEnvelopeMiddleware())
                .add(middleware: FaultMiddleware(injector: faults, failure: GraphFailure.injected))
                .add(middleware: GraphCallerMiddleware(tokens: tokens))
            for method: HTTPRequest.Method in [.get, .post, .patch, .put, .delete] {
                for path in ["**", ""] {
                    group.on(RouterPath(path), method: method) { request, context in
                        try await self.respond(to: request, context: context)
                    }
                }
            }
        }
    }

    /// Answers one Graph request whose caller the middleware has checked.
    func respond(to request: Request, context: GraphRequestContext<some RequestContext>) async throws
        -> GraphResponse
    {
        guard let caller = context.caller else {
            // Only reachable if a route were added without `GraphCallerMiddleware`.
            throw GraphFailure(401, "InvalidAuthenticationToken", "Access token is empty.")
        }
        var request = request
        // Already collected (and bounded) by `GraphEnvelopeMiddleware`.
        let body = try await request.collectBody(upTo: .max)
        var headers: [String: String] = [:]
        for field in request.headers {
            headers[field.name.canonicalName] = field.value
        }
        let authority = request.head.authority ?? headers["host"] ?? "localhost"
        let graphRequest = GraphRequest(
            method: request.method.rawValue.uppercased(), path: request.uri.path, query: request.uri.query ?? "",
            headers: headers, body: Data(body.readableBytesView), baseURL: "https://\(authority)")
        return try await GraphOperations(api: self, request: graphRequest, caller: caller).run()
    }

    /// The caller of a valid bearer `authorization` header, or Graph's 401.
    static func caller(authorization: String?, tokens: any GraphTokenValidating) async throws -> GraphCaller {
        let token = try requireBearerToken(authorization)
        do {
            return try await tokens.graphCaller(forAccessToken: token)
        } catch {
            throw invalidToken(error)
        }
    }

    /// The bearer token of an `authorization` header, or Graph's 401 for a missing one.
    static func requireBearerToken(_ authorization: String?) throws(GraphFailure) -> String {
        guard let token = bearerToken(authorization ?? "") else {
            throw GraphFailure(401, "InvalidAuthenticationToken", "Access token is empty.", headers: challengeHeaders)
        }
        return token
    }

    /// Graph's 401 for a token that does not validate, saying why.
    static func invalidToken(_ error: any Error) -> GraphFailure {
        GraphFailure(
            401, "InvalidAuthenticationToken", "Access token validation failure: \(error)", headers: challengeHeaders)
    }

    /// The token of a `Bearer` authorization header, or nil. Works on bytes: tokens are long,
    /// and Foundation's trimming would bridge every one through UTF-16.
    static func bearerToken(_ header: String) -> String? {
        var bytes = Substring(header).utf8[...]
        let scheme = Array("bearer".utf8)
        guard bytes.count > scheme.count,
            zip(bytes.prefix(scheme.count), scheme).allSatisfy({ $0 | 0x20 == $1 }),
            bytes.dropFirst(scheme.count).first == UInt8(ascii: " ")
        else { return nil }
        bytes = bytes.dropFirst(scheme.count)
        while let first = bytes.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { bytes.removeFirst() }
        while let last = bytes.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { bytes.removeLast() }
        guard !bytes.isEmpty else { return nil }
        return String(Substring(bytes))
    }

    static let challengeHeaders = [
        (
            "WWW-Authenticate",
            "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"\(WellKnownGraph.appId)\""
        )
    ]
}
