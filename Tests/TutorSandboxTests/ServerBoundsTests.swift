import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization
import Testing

@testable import TutorSandbox

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The server's own bounds, seen from raw sockets: half-open connections are closed, idle ones
/// too, and connections beyond the cap wait until a slot frees.
@Suite("Sandbox server bounds", .serialized)
struct ServerBoundsTests {
    @Test("A connection that never starts TLS is closed after the handshake timeout")
    func handshakeTimeout() async throws {
        let running = try await SandboxServer().start(
            home: nil, port: 0, limits: SandboxLimits(tlsHandshakeTimeout: .seconds(1), idleTimeout: .seconds(30)))
        defer { Task { await running.stop() } }
        let connection = try RawConnection(port: running.port)
        defer { connection.close() }
        let closedAfter = try #require(connection.secondsUntilClosed(limit: 8), "the server kept the connection")
        #expect(closedAfter >= 0.5)
        #expect(closedAfter < 4)
    }

    @Test("A TLS connection outlives the handshake deadline, and is closed when idle")
    func idleTimeout() async throws {
        let running = try await SandboxServer().start(
            home: nil, port: 0, limits: SandboxLimits(tlsHandshakeTimeout: .seconds(1), idleTimeout: .seconds(3)))
        defer { Task { await running.stop() } }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(running.info.caFile)
        let context = try NIOSSLContext(configuration: tls)
        let handshake = HandshakeRecorder()
        let started = ContinuousClock.now
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        try NIOSSLClientHandler(context: context, serverHostname: "localhost"))
                    try channel.pipeline.syncOperations.addHandler(handshake)
                }
            }
            .connect(host: "127.0.0.1", port: running.port).get()
        try await channel.closeFuture.get()
        let lifetime = ContinuousClock.now - started
        #expect(handshake.completed)
        #expect(lifetime > .milliseconds(2500), "closed after \(lifetime), before the idle timeout")
        #expect(lifetime < .seconds(8))
    }

    @Test("Beyond the connection cap new connections wait; earlier ones keep working")
    func connectionCap() async throws {
        let running = try await SandboxServer().start(
            home: nil, port: 0,
            limits: SandboxLimits(tlsHandshakeTimeout: .seconds(30), idleTimeout: .seconds(30), maximumConnections: 2))
        let first = try sandboxClient(caFile: running.info.caFile)
        let third = try sandboxClient(caFile: running.info.caFile)
        let discovery = running.info.authority + "/v2.0/.well-known/openid-configuration"
        do {
            #expect(try await fetch(first, discovery).status == 200)
            let holder = try RawConnection(port: running.port)
            try await Task.sleep(for: .milliseconds(300))
            // Two connections are open: the third waits in the backlog, unanswered.
            await #expect(throws: (any Error).self) { _ = try await fetch(third, discovery, timeout: .seconds(2)) }
            // The first connection still works.
            #expect(try await fetch(first, discovery).status == 200)
            holder.close()
            #expect(try await fetch(third, discovery, timeout: .seconds(15)).status == 200)
        } catch {
            try? await first.shutdown()
            try? await third.shutdown()
            await running.stop()
            throw error
        }
        try await first.shutdown()
        try await third.shutdown()
        await running.stop()
    }
}

/// Notes whether TLS reported its handshake complete.
final class HandshakeRecorder: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny
    private let done = Mutex(false)

    var completed: Bool { done.withLock { $0 } }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event { done.withLock { $0 = true } }
        context.fireUserInboundEventTriggered(event)
    }
}

/// A plain TCP connection to the loopback that never speaks.
final class RawConnection: Sendable {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            Glibc.close(descriptor)
            throw POSIXError(.ECONNREFUSED)
        }
    }

    /// Seconds until the server closes the connection, or nil when it is still open after `limit`.
    func secondsUntilClosed(limit: Int) -> Double? {
        var timeout = timeval(tv_sec: limit, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let start = Date()
        var byte: UInt8 = 0
        let received = recv(descriptor, &byte, 1, 0)
        if received < 0, errno == EAGAIN || errno == EWOULDBLOCK { return nil }
        return Date().timeIntervalSince(start)
    }

    func close() {
        shutdown(descriptor, Int32(SHUT_RDWR))
        Glibc.close(descriptor)
    }
}
