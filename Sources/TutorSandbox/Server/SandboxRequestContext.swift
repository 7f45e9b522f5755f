import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// The request context of the sandbox server: Hummingbird's core context plus the connection,
/// so that the dropped-connection fault can close it.
public struct SandboxRequestContext: RequestContext, ConnectionDroppingContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    private let channel: any Channel

    /// Creates the context for a request arriving on `source.channel`.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = CoreRequestContextStorage(source: source)
        self.channel = source.channel
    }

    /// Closes the connection without answering.
    public func dropConnection() {
        channel.close(promise: nil)
    }
}

/// Writes one line per request: time, method, path (never the query string, which may hold
/// codes), status, duration and request-id. Adds a `request-id` header when the route gave none.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let sink: @Sendable (String) -> Void

    static var requestIdField: HTTPField.Name { HTTPField.Name("request-id")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            log(request: request, status: 500, start: start, requestId: UUID().uuidString.lowercased())
            throw error
        }
        let requestId: String
        if let existing = response.headers[Self.requestIdField] {
            requestId = existing
        } else {
            requestId = UUID().uuidString.lowercased()
            response.headers[Self.requestIdField] = requestId
        }
        log(request: request, status: Int(response.status.code), start: start, requestId: requestId)
        return response
    }

    func log(request: Request, status: Int, start: ContinuousClock.Instant, requestId: String) {
        let elapsed = (ContinuousClock.now - start).components
        let tenths = elapsed.seconds * 10_000 + elapsed.attoseconds / 100_000_000_000_000
        sink(
            "\(LogClock.shared.now()) \(request.method.rawValue) \(Self.safePath(request.uri.path)) \(status) "
                + "\(tenths / 10).\(tenths % 10)ms request-id=\(requestId)")
    }

    /// The path with control characters replaced, so a crafted URL cannot forge log lines.
    static func safePath(_ path: String) -> String {
        guard path.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return path }
        return String(path.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    }
}

/// ISO 8601 UTC timestamps for log lines, formatted once per second rather than per request.
final class LogClock: Sendable {
    static let shared = LogClock()
    private let last = Mutex<(second: Int, text: String)>((-1, ""))

    func now() -> String {
        let second = Int(Date().timeIntervalSince1970)
        return last.withLock { cached in
            if cached.second != second {
                cached = (second, Date(timeIntervalSince1970: TimeInterval(second)).formatted(.iso8601))
            }
            return cached.text
        }
    }
}
