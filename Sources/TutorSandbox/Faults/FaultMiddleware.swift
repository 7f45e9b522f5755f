import Foundation
import Hummingbird

/// An injected failure, for each route group to answer in its own error shape.
public enum InjectedFault: Sendable, Equatable {
    /// 429 Too Many Requests with this `Retry-After` text (seconds, perhaps fractional).
    case throttled(retryAfter: String)
    /// 500, 503 or 504.
    case serverError(status: Int)
}

extension FaultInjector {
    /// This injector as middleware whose failures are OAuth-shaped JSON (`error`,
    /// `error_description`), for routes other than Graph's.
    public func middleware<Context: RequestContext>(context: Context.Type = Context.self) -> FaultMiddleware<Context> {
        FaultMiddleware(injector: self)
    }
}

/// Applies a `FaultInjector` to every request passing through: latency, 429 with `Retry-After`,
/// 500/503/504, dropped connections, and the lost answer of a create (a POST answered 201 whose
/// connection is closed instead). The one fault path: the Graph routes use it with Graph's error
/// bodies, other routes with OAuth's.
public struct FaultMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The injector that decides each request's fate.
    public let injector: FaultInjector
    /// The error thrown for an injected failure; it renders itself (`HTTPResponseError`).
    let failure: @Sendable (InjectedFault) -> any Error

    /// Middleware drawing from `injector`, answering failures in OAuth's error shape.
    public init(injector: FaultInjector) {
        self.init(injector: injector, failure: { OAuthFault($0) })
    }

    /// Middleware drawing from `injector`, answering failures with the error `failure` makes.
    init(injector: FaultInjector, failure: @escaping @Sendable (InjectedFault) -> any Error) {
        self.injector = injector
        self.failure = failure
    }

    /// Delays, fails or drops the request, or passes it on (and perhaps loses a create's answer).
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if injector.options.latencyMs > 0 {
            try? await Task.sleep(for: injector.latency)
        }
        switch injector.nextAction() {
        case .proceed:
            let response = try await next(request, context)
            // The lost-answer fault: the object exists now, but the client never hears of it.
            if request.method == .post, response.status == .created, injector.losesAnswer() {
                return .droppingConnection(context: context)
            }
            return response
        case .throttle(let seconds):
            throw failure(.throttled(retryAfter: FaultInjector.retryAfterText(seconds)))
        case .serverError(let status):
            throw failure(.serverError(status: status))
        case .dropConnection:
            return .droppingConnection(context: context)
        }
    }
}

/// An injected failure in OAuth's error shape (`temporarily_unavailable`, `server_error`).
struct OAuthFault: HTTPResponseError {
    let fault: InjectedFault

    init(_ fault: InjectedFault) {
        self.fault = fault
    }

    var status: HTTPResponse.Status {
        switch fault {
        case .throttled: .tooManyRequests
        case .serverError(let status): HTTPResponse.Status(code: status)
        }
    }

    func response(from request: Request, context: some RequestContext) -> Response {
        let code: String
        let description: String
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        switch fault {
        case .throttled(let retryAfter):
            (code, description) = ("temporarily_unavailable", "Too many requests; retry later.")
            headers[.retryAfter] = retryAfter
        case .serverError(let status):
            code = status == 503 ? "temporarily_unavailable" : "server_error"
            description = "The service had an internal error (injected fault)."
        }
        let body = #"{"error":"\#(code)","error_description":"\#(description)"}"#
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
