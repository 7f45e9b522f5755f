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

    /// Largest request body accepted.
    static let maximumBodySize = 4 << 20

    /// Adds `/v1.0/**` (and `/V1.0/**`) for GET, POST, PATCH, PUT and DELETE to `router`.
    public func addRoutes<Methods: RouterMethods>(to router: Methods) {
        for prefix in ["/v1.0", "/V1.0"] {
            for method: HTTPRequest.Method in [.get, .post, .patch, .put, .delete] {
                router.on(RouterPath(prefix + "/**"), method: method) { request, context in
                    try await self.handle(request, context: context)
                }
                router.on(RouterPath(prefix), method: method) { request, context in
                    try await self.handle(request, context: context)
                }
            }
        }
    }

    /// Answers one Hummingbird request.
    func handle<Context: RequestContext>(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: Self.maximumBodySize)
        } catch {
            return Self.httpResponse(
                errorResponse(
                    GraphFailure(413, "Request_EntityTooLarge", "The request body is larger than 4 MB."),
                    requestId: Self.newRequestId(), clientRequestId: nil))
        }
        var headers: [String: String] = [:]
        for field in request.headers {
            headers[field.name.canonicalName] = field.value
        }
        let authority = request.head.authority ?? headers["host"] ?? "localhost"
        let graphRequest = GraphRequest(
            method: request.method.rawValue.uppercased(), path: request.uri.path, query: request.uri.query ?? "",
            headers: headers, body: Data(body.readableBytesView), baseURL: "https://\(authority)")
        switch await respond(to: graphRequest) {
        case .response(let response):
            return Self.httpResponse(response)
        case .dropConnection:
            return .droppingConnection(context: context)
        }
    }

    /// `HTTPField`, reached through the re-exported `HTTPFields`.
    typealias HeaderField = HTTPFields.Element

    static func httpResponse(_ response: GraphResponse) -> Response {
        var fields = HTTPFields()
        for (name, value) in response.headers {
            if let fieldName = HeaderField.Name(name) { fields.append(HeaderField(name: fieldName, value: value)) }
        }
        if let text = response.text {
            fields[.contentType] = "text/plain"
            return Response(
                status: HTTPResponse.Status(code: response.status), headers: fields,
                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        guard let body = response.body else {
            return Response(status: HTTPResponse.Status(code: response.status), headers: fields)
        }
        fields[.contentType] =
            "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
        return Response(
            status: HTTPResponse.Status(code: response.status), headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(string: body.serialized())))
    }

    /// What to do with a request: answer, or hang up.
    enum Outcome: Sendable {
        case response(GraphResponse)
        case dropConnection
    }

    static func newRequestId() -> String { UUID().uuidString.lowercased() }

    /// Answers one Graph request: faults, then the token, then the operation, then (for a
    /// create) perhaps the lost-answer fault.
    func respond(to request: GraphRequest) async -> Outcome {
        let requestId = Self.newRequestId()
        let clientRequestId = request.headers["client-request-id"]
        if faults.options.latencyMs > 0 {
            try? await Task.sleep(for: faults.latency)
        }
        switch faults.nextAction() {
        case .proceed:
            break
        case .throttle(let seconds):
            let retryAfter = FaultInjector.retryAfterText(seconds)
            return .response(
                Self.withIds(
                    errorResponse(
                        GraphFailure(
                            429, "TooManyRequests", "Too many requests. Retry after \(retryAfter) seconds.",
                            headers: [("Retry-After", retryAfter)]),
                        requestId: requestId, clientRequestId: clientRequestId),
                    requestId: requestId, clientRequestId: clientRequestId))
        case .serverError(let status):
            let failure: GraphFailure
            switch status {
            case 503:
                failure = GraphFailure(
                    503, "serviceNotAvailable", "The service is temporarily unavailable. Please retry later.",
                    headers: [("Retry-After", "1")])
            case 504: failure = GraphFailure(504, "UnknownError", "The gateway timed out waiting for the service.")
            default: failure = GraphFailure(500, "InternalServerError", "An internal server error occurred.")
            }
            return .response(
                Self.withIds(
                    errorResponse(failure, requestId: requestId, clientRequestId: clientRequestId),
                    requestId: requestId, clientRequestId: clientRequestId))
        case .dropConnection:
            return .dropConnection
        }
        var response: GraphResponse
        do {
            let caller = try await authenticate(request)
            response = try await GraphOperations(api: self, request: request, caller: caller).run()
        } catch let failure as GraphFailure {
            response = errorResponse(failure, requestId: requestId, clientRequestId: clientRequestId)
        } catch let error as TenantError {
            response = errorResponse(
                GraphFailure(500, "InternalServerError", "\(error)"), requestId: requestId,
                clientRequestId: clientRequestId)
        } catch {
            response = errorResponse(
                GraphFailure(500, "InternalServerError", "An internal server error occurred."), requestId: requestId,
                clientRequestId: clientRequestId)
        }
        // The lost-answer fault: the object exists now, but the client never hears of it.
        if request.method == "POST", response.status == 201, faults.losesAnswer() {
            return .dropConnection
        }
        return .response(Self.withIds(response, requestId: requestId, clientRequestId: clientRequestId))
    }

    /// Adds the headers every Graph answer carries: `request-id`, `client-request-id` (echoed, or
    /// the request id), `x-ms-ags-diagnostic`, `Strict-Transport-Security`, `Cache-Control`, and
    /// `OData-Version` on JSON bodies.
    static func withIds(_ response: GraphResponse, requestId: String, clientRequestId: String?) -> GraphResponse {
        var response = response
        response.headers.append(("request-id", requestId))
        response.headers.append(("client-request-id", clientRequestId ?? requestId))
        response.headers.append(
            (
                "x-ms-ags-diagnostic",
                #"{"ServerInfo":{"DataCenter":"Sandbox","Slice":"E","Ring":"5","ScaleUnit":"000","RoleInstance":"localhost"}}"#
            ))
        response.headers.append(("Strict-Transport-Security", "max-age=31536000"))
        if !response.headers.contains(where: { $0.0.lowercased() == "cache-control" }) {
            response.headers.append(("Cache-Control", "no-cache"))
        }
        if response.body != nil { response.headers.append(("OData-Version", "4.0")) }
        return response
    }

    private func authenticate(_ request: GraphRequest) async throws -> GraphCaller {
        guard let token = Self.bearerToken(request.headers["authorization"] ?? "") else {
            throw GraphFailure(
                401, "InvalidAuthenticationToken", "Access token is empty.", headers: Self.challengeHeaders)
        }
        do {
            return try await tokens.graphCaller(forAccessToken: token)
        } catch {
            throw GraphFailure(
                401, "InvalidAuthenticationToken", "Access token validation failure: \(error)",
                headers: Self.challengeHeaders)
        }
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

    func errorResponse(_ failure: GraphFailure, requestId: String, clientRequestId: String?) -> GraphResponse {
        let body = JSONValue.members([
            (
                "error",
                .members(
                    [
                        ("code", .string(failure.code)),
                        ("message", .string(failure.message)),
                    ] + Self.detailsMember(failure) + [
                        (
                            "innerError",
                            .members([
                                ("date", .string(GraphDate.string(Date()))),
                                ("request-id", .string(requestId)),
                                ("client-request-id", .string(clientRequestId ?? requestId)),
                            ])
                        )
                    ])
            )
        ])
        return GraphResponse(status: failure.status, headers: failure.headers, body: body)
    }

    /// `details` when the failure has any, as Graph sends them (`code`, `message`, `target`).
    static func detailsMember(_ failure: GraphFailure) -> [(String, JSONValue)] {
        guard !failure.details.isEmpty else { return [] }
        return [
            (
                "details",
                .array(
                    failure.details.map {
                        .members([
                            ("code", .string($0.code)), ("message", .string(failure.message)),
                            ("target", .string($0.target)),
                        ])
                    })
            )
        ]
    }
}
