import Foundation
import Hummingbird

extension FaultInjector {
    /// The same faults as Hummingbird middleware, for routes other than Graph's (the Graph routes
    /// inject faults themselves, with Graph's error bodies): errors are OAuth-shaped JSON.
    public func middleware<Context: RequestContext>(context: Context.Type = Context.self) -> FaultMiddleware<Context> {
        FaultMiddleware(injector: self)
    }
}

/// Applies a `FaultInjector` to every request passing through: latency, 429 with `Retry-After`,
/// 500/503/504, dropped connections.
public struct FaultMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The injector that decides each request's fate.
    public let injector: FaultInjector

    /// Middleware drawing from `injector`.
    public init(injector: FaultInjector) {
        self.injector = injector
    }

    /// Delays, fails or drops the request, or passes it on.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if injector.options.latencyMs > 0 {
            try? await Task.sleep(for: injector.latency)
        }
        switch injector.nextAction() {
        case .proceed:
            return try await next(request, context)
        case .throttle(let seconds):
            var response = Self.error(
                status: 429, code: "temporarily_unavailable", description: "Too many requests; retry later.")
            response.headers[.retryAfter] = FaultInjector.retryAfterText(seconds)
            return response
        case .serverError(let status):
            return Self.error(
                status: status, code: status == 503 ? "temporarily_unavailable" : "server_error",
                description: "The service had an internal error (injected fault).")
        case .dropConnection:
            return .droppingConnection(context: context)
        }
    }

    static func error(status: Int, code: String, description: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        let body = #"{"error":"\#(code)","error_description":"\#(description)"}"#
        return Response(
            status: HTTPResponse.Status(code: status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
