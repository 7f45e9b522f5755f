import Hummingbird

/// A request context that can close the connection its request came on, so that the
/// dropped-connection fault leaves the client with no response at all.
///
/// The server's context conforms by closing its channel (`channel.close(promise: nil)`); with
/// any other context the sandbox cuts the response off after its head instead.
public protocol ConnectionDroppingContext {
    /// Closes the connection without writing anything more.
    func dropConnection()
}

/// Thrown from a response body to cut the response off when the connection cannot be closed.
struct DroppedConnection: Error {}

extension Response {
    /// What a route returns to hang up: the connection is closed (or, with a context that cannot
    /// close it, the response breaks off after its head), so the client gets no answer.
    static func droppingConnection(context: some RequestContext) -> Response {
        if let droppable = context as? any ConnectionDroppingContext {
            droppable.dropConnection()
            return Response(status: .internalServerError)
        }
        return Response(status: .internalServerError, body: ResponseBody { _ in throw DroppedConnection() })
    }
}
