import HummingbirdCore
import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// Wraps the TLS child channel with a handshake deadline: a connection that has not completed
/// its TLS handshake within `handshakeTimeout` is closed, so half-open connections cannot pin
/// the sandbox's connection slots (Hummingbird's idle timeout only covers HTTP keep-alive).
///
/// Setup never fails: a failed child setup would reach the listening channel as an error and
/// end the server's accept loop.
struct GuardedChildChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let handshakeTimeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let deadline = channel.eventLoop.scheduleTask(in: handshakeTimeout) {
            channel.close(promise: nil)
        }
        channel.closeFuture.whenComplete { _ in deadline.cancel() }
        return base.setup(channel: channel, logger: logger).map { value in
            // Right after the TLS handler, where its handshake-completed event passes.
            let watcher = HandshakeDeadlineHandler(deadline: deadline)
            let pipeline = channel.pipeline.syncOperations
            if let tls = try? pipeline.handler(type: NIOSSLServerHandler.self) {
                try? pipeline.addHandler(watcher, position: .after(tls))
            } else {
                deadline.cancel()
            }
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// Cancels the handshake deadline once TLS reports the handshake complete, then leaves.
final class HandshakeDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    let deadline: Scheduled<Void>

    init(deadline: Scheduled<Void>) {
        self.deadline = deadline
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event {
            deadline.cancel()
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}
