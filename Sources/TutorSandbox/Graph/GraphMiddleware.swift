import Foundation
import Hummingbird

/// The context of a request on the Graph routes: the server's context, plus the caller that
/// `GraphCallerMiddleware` found in the bearer token.
public struct GraphRequestContext<Parent: RequestContext>: ChildRequestContext {
    /// Hummingbird's per-request storage, carried over from the parent context.
    public var coreContext: CoreRequestContextStorage
    /// The server's context, kept so that the dropped-connection fault can still close the
    /// connection through it.
    let parent: Parent
    /// Who is calling; set by `GraphCallerMiddleware` before any handler runs.
    var caller: GraphCaller?

    /// The Graph context of a request that arrived with `context`.
    public init(context: Parent) {
        self.coreContext = context.coreContext
        self.parent = context
    }
}

extension GraphRequestContext: ConnectionDroppingContext where Parent: ConnectionDroppingContext {
    /// Closes the connection through the server's context.
    public func dropConnection() {
        parent.dropConnection()
    }
}

/// The outermost Graph middleware: reads the body (Graph's 413 above 4 MB, before anything else
/// looks at the request) and answers any error that is not already Graph's as Graph's 500.
struct GraphEnvelopeMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Largest request body accepted.
    static var maximumBodySize: Int { 4 << 20 }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        var request = request
        do {
            _ = try await request.collectBody(upTo: Self.maximumBodySize)
        } catch {
            throw GraphFailure.tooLarge
        }
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            throw GraphFailure.internalError(error)
        }
    }
}

/// Checks the bearer token once for every Graph route and puts the caller in the context; a
/// missing or invalid token is Graph's 401 with its `WWW-Authenticate` challenge.
struct GraphCallerMiddleware<Parent: RequestContext>: RouterMiddleware {
    typealias Context = GraphRequestContext<Parent>
    let tokens: any GraphTokenValidating

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        var context = context
        context.caller = try await GraphAPI.caller(authorization: request.headers[.authorization], tokens: tokens)
        return try await next(request, context)
    }
}
