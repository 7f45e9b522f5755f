import Foundation
import HTTPTypes
import Hummingbird
import TutorSupport

/// A Graph response before it becomes an HTTP response; it renders itself with the headers every
/// Graph answer carries, so a handler just returns it.
struct GraphResponse: Sendable, ResponseGenerator {
    var status: Int
    var headers: [(String, String)] = []
    var body: JSONValue?
    /// A `text/plain` body instead of JSON (`/$count`).
    var text: String? = nil

    static func json(_ status: Int, _ body: JSONValue) -> GraphResponse {
        GraphResponse(status: status, headers: [], body: body)
    }

    static let noContent = GraphResponse(status: 204, headers: [], body: nil)

    func response(from request: Request, context: some RequestContext) -> Response {
        response(requestId: Self.newRequestId(), clientRequestId: request.headers[Self.clientRequestIdField])
    }

    static func newRequestId() -> String { UUID().uuidString.lowercased() }

    static var clientRequestIdField: HTTPField.Name { HTTPField.Name("client-request-id")! }

    /// The HTTP response, with the headers every Graph answer carries: `request-id`,
    /// `client-request-id` (echoed, or the request id), `x-ms-ags-diagnostic`,
    /// `Strict-Transport-Security`, `Cache-Control`, and `OData-Version` on JSON bodies.
    func response(requestId: String, clientRequestId: String?) -> Response {
        var headers = self.headers
        headers.append(("request-id", requestId))
        headers.append(("client-request-id", clientRequestId ?? requestId))
        headers.append(
            (
                "x-ms-ags-diagnostic",
                #"{"ServerInfo":{"DataCenter":"Sandbox","Slice":"E","Ring":"5","ScaleUnit":"000","RoleInstance":"localhost"}}"#
            ))
        headers.append(("Strict-Transport-Security", "max-age=31536000"))
        if !headers.contains(where: { $0.0.lowercased() == "cache-control" }) {
            headers.append(("Cache-Control", "no-cache"))
        }
        if body != nil { headers.append(("OData-Version", "4.0")) }
        var fields = HTTPFields()
        for (name, value) in headers {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        let status = HTTPResponse.Status(code: status)
        if let text {
            fields[.contentType] = "text/plain"
            return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        guard let body else { return Response(status: status, headers: fields) }
        fields[.contentType] =
            "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
        return Response(
            status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: body.serialized())))
    }
}

/// A Graph error: status, Graph's `code` and `message`, and extra headers (`Retry-After`, …).
/// Handlers throw it; it renders itself as Graph's error body (`HTTPResponseError`).
struct GraphFailure: Error, Sendable, HTTPResponseError {
    var statusCode: Int
    var code: String
    var message: String
    var headers: [(String, String)] = []
    /// Graph's `error.details`: the specific reason (`code`) and what it is about (`target`).
    var details: [(code: String, target: String)] = []

    init(
        _ status: Int, _ code: String, _ message: String, headers: [(String, String)] = [],
        details: [(code: String, target: String)] = []
    ) {
        self.statusCode = status
        self.code = code
        self.message = message
        self.headers = headers
        self.details = details
    }

    var status: HTTPResponse.Status { HTTPResponse.Status(code: statusCode) }

    func response(from request: Request, context: some RequestContext) -> Response {
        let requestId = GraphResponse.newRequestId()
        let clientRequestId = request.headers[GraphResponse.clientRequestIdField]
        return graphResponse(requestId: requestId, clientRequestId: clientRequestId)
            .response(requestId: requestId, clientRequestId: clientRequestId)
    }

    /// Graph's error body: `code`, `message`, `details` when there are any, and `innerError`
    /// with the date and the request ids.
    func graphResponse(requestId: String, clientRequestId: String?) -> GraphResponse {
        let body = JSONValue.members([
            (
                "error",
                .members(
                    [
                        ("code", .string(code)),
                        ("message", .string(message)),
                    ] + detailsMember + [
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
        return GraphResponse(status: statusCode, headers: headers, body: body)
    }

    /// `details` when the failure has any, as Graph sends them (`code`, `message`, `target`).
    private var detailsMember: [(String, JSONValue)] {
        guard !details.isEmpty else { return [] }
        return [
            (
                "details",
                .array(
                    details.map {
                        .members([
                            ("code", .string($0.code)), ("message", .string(message)), ("target", .string($0.target)),
                        ])
                    })
            )
        ]
    }

    static func notFound(_ id: String) -> GraphFailure {
        GraphFailure(
            404, "Request_ResourceNotFound",
            "Resource '\(id)' does not exist or one of its queried reference-property objects are not present.")
    }

    static func badRequest(_ message: String) -> GraphFailure {
        GraphFailure(400, "Request_BadRequest", message)
    }

    static func invalidValue(_ property: String, _ resource: String) -> GraphFailure {
        badRequest("Invalid value specified for property '\(property)' of resource '\(resource)'.")
    }

    static func unknownProperty(_ property: String) -> GraphFailure {
        badRequest("Property '\(property)' does not exist as a declared property or extension property.")
    }

    static func readOnly(_ property: String) -> GraphFailure {
        badRequest("Property '\(property)' is read-only and cannot be set.")
    }

    static func missing(_ property: String, _ resource: String) -> GraphFailure {
        badRequest("Required property '\(property)' of resource '\(resource)' is missing.")
    }

    static let methodNotAllowed = GraphFailure(
        405, "Request_BadRequest", "Specified HTTP method is not allowed for the request uri.")

    static func unknownSegment(_ segment: String) -> GraphFailure {
        GraphFailure(400, "BadRequest", "Resource not found for the segment '\(segment)'.")
    }

    static let denied = GraphFailure(
        403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")

    static let tooLarge = GraphFailure(413, "Request_EntityTooLarge", "The request body is larger than 4 MB.")

    /// Any other error inside a Graph request: a sandbox failure says what it is, anything else
    /// is Graph's generic 500.
    static func internalError(_ error: any Error) -> GraphFailure {
        GraphFailure(
            500, "InternalServerError",
            (error as? SandboxError)?.message ?? "An internal server error occurred.")
    }

    /// Graph's answer to an injected fault: 429 `TooManyRequests`, 503 `serviceNotAvailable`,
    /// 504 `UnknownError`, 500 `InternalServerError`.
    static func injected(_ fault: InjectedFault) -> any Error {
        switch fault {
        case .throttled(let retryAfter):
            GraphFailure(
                429, "TooManyRequests", "Too many requests. Retry after \(retryAfter) seconds.",
                headers: [("Retry-After", retryAfter)])
        case .serverError(503):
            GraphFailure(
                503, "serviceNotAvailable", "The service is temporarily unavailable. Please retry later.",
                headers: [("Retry-After", "1")])
        case .serverError(504):
            GraphFailure(504, "UnknownError", "The gateway timed out waiting for the service.")
        case .serverError:
            GraphFailure(500, "InternalServerError", "An internal server error occurred.")
        }
    }
}
