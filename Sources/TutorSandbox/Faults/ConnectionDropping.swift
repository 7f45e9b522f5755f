/// A request context that can close the connection its request came on, so that the
/// dropped-connection fault leaves the client with no response at all.
///
/// The server's context conforms by closing its channel (`channel.close(promise: nil)`); with
/// any other context the sandbox cuts the response off after its head instead.
public protocol ConnectionDroppingContext {
    /// Closes the connection without writing anything more.
    func dropConnection()
}
