import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization
import TutorSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Serves the sandbox tenant over HTTPS on loopback: Graph (`/v1.0/…`) and the sign-in
/// endpoints (`/{tenant}/…`), from a home folder or, with no home, from memory.
public final class SandboxServer: Sendable {
    /// Receives one line per request; nil keeps the server quiet.
    public let requestLog: (@Sendable (String) -> Void)?

    /// A server that writes its request log lines to `requestLog`.
    public init(requestLog: (@Sendable (String) -> Void)? = nil) {
        self.requestLog = requestLog
    }

    /// Starts serving and returns once the server listens.
    ///
    /// - Parameters:
    ///   - home: the sandbox home; nil for an in-memory tenant with certificates in a
    ///     temporary folder (removed on `stop()`).
    ///   - port: the port on `host`; 0 picks a free one (see `RunningSandbox.port`).
    ///   - host: the address to bind, 127.0.0.1 by default.
    ///   - faults: fault injection for Graph requests, off by default.
    ///   - handleSignals: stop gracefully on SIGINT and SIGTERM (for `tutor sandbox serve`).
    ///   - limits: timeouts, the connection cap and the sign-in endpoints' bounds.
    public func start(
        home: SandboxHome?, port: Int = 0, host: String = "127.0.0.1", faults: FaultOptions = .none,
        handleSignals: Bool = false, limits: SandboxLimits = .standard
    ) async throws -> RunningSandbox {
        guard (0...65535).contains(port) else { throw SandboxError.cannotStart(reason: "port \(port) is out of range") }
        let prepared = try await Self.prepare(home: home)
        let requestLog = self.requestLog
        let mailbox: SandboxMailbox
        do {
            // One line per message, with the address and subject; the code is read with
            // `tutor sandbox mail`, never from the log.
            mailbox = try SandboxMailbox(file: home?.mailFile) { message in
                requestLog?("tutor sandbox: mail to \(message.to): \(message.subject)")
            }
        } catch {
            prepared.cleanup()
            throw error
        }
        let directory = prepared.directory
        let identity = prepared.identity
        let issuer = prepared.tokens
        if port != 0 { issuer.setOrigin("https://localhost:\(port)") }

        let router = Router(context: SandboxRequestContext.self)
        if let requestLog { router.add(middleware: RequestLogMiddleware(sink: requestLog)) }
        GraphAPI(directory: directory, tokens: issuer, faults: FaultInjector(options: faults)).addRoutes(to: router)
        IdentityService(
            directory: directory, tokens: issuer, tenantId: identity.tenantId, subdomain: identity.subdomain,
            mailbox: mailbox, limits: limits.identity
        ).addRoutes(to: router)

        let tls: TLSConfiguration
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(prepared.certificates.serverCertificateFile.path)
            let key = try NIOSSLPrivateKey(file: prepared.certificates.serverKeyFile.path, format: .pem)
            tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        } catch {
            prepared.cleanup()
            throw SandboxError.certificates(folder: prepared.certificates.serverKeyFile.path, reason: "\(error)")
        }

        let boundPort = BoundPort()
        let quiet = Logger(label: "tutor.sandbox", factory: { _ in SwiftLogNoOpLogHandler() })
        let application = Application(
            router: router, server: Self.serverBuilder(tls: tls, limits: limits),
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: port), serverName: nil,
                availableConnectionsDelegate: MaximumAvailableConnections(max(1, limits.maximumConnections))),
            onServerRunning: { channel in
                let actual = channel.localAddress?.port ?? port
                issuer.setOrigin("https://localhost:\(actual)")
                boundPort.resolve(.success(actual))
            },
            logger: quiet)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [application], gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
                logger: quiet))
        let task = Task {
            do {
                try await group.run()
                boundPort.resolve(.failure(SandboxError.cannotStart(reason: "the server stopped before listening")))
            } catch {
                boundPort.resolve(
                    .failure(SandboxError.cannotStart(reason: Self.describe(error, host: host, port: port))))
                throw error
            }
        }
        let actualPort: Int
        do {
            actualPort = try await boundPort.value()
        } catch {
            _ = try? await task.value
            prepared.cleanup()
            throw error
        }
        if let home {
            do {
                try home.saveServerRecord(port: actualPort)
            } catch {
                await group.triggerGracefulShutdown()
                _ = try? await task.value
                throw error
            }
        }
        let info = SandboxInfo(
            identity: identity, port: actualPort, caFile: prepared.certificates.caCertificateFile,
            adminClientSecretFile: prepared.adminClientSecretFile, home: home, running: true)
        return RunningSandbox(
            port: actualPort, info: info, mailbox: mailbox,
            handle: ServerHandle(group: group, task: task, home: home, cleanup: prepared.cleanup))
    }

    /// HTTP/1.1 over TLS with the handshake deadline and the keep-alive idle timeout of `limits`.
    static func serverBuilder(tls: TLSConfiguration, limits: SandboxLimits) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            let http = HTTP1Channel(
                responder: responder, configuration: .init(idleTimeout: TimeAmount(limits.idleTimeout)))
            return GuardedChildChannel(
                base: try TLSChannel(http, tlsConfiguration: tls),
                handshakeTimeout: TimeAmount(limits.tlsHandshakeTimeout))
        }
    }

    struct Prepared: Sendable {
        var identity: SandboxTenantIdentity
        var certificates: SandboxCertificates
        var directory: TenantDirectory
        var tokens: TokenIssuer
        var adminClientSecretFile: URL
        var cleanup: @Sendable () -> Void
    }

    /// The tenant, certificates and signing key, from `home` or from a fresh temporary folder.
    static func prepare(home: SandboxHome?) async throws -> Prepared {
        if let home {
            if let port = home.runningServerPort() {
                throw SandboxError.alreadyRunning(home: home.url.path, port: port)
            }
            let prepared = try await SandboxBootstrap.prepare(home: home)
            let directory = try SandboxBootstrap.loadDirectory(home: home)
            let tokens = try await TokenIssuer.loadOrCreate(
                keyFile: home.signingKeyFile, tenantId: prepared.identity.tenantId)
            return Prepared(
                identity: prepared.identity, certificates: prepared.certificates, directory: directory, tokens: tokens,
                adminClientSecretFile: home.adminClientSecretFile, cleanup: {})
        }
        let folder = try temporaryFolder()
        let remove: @Sendable () -> Void = { try? FileManager.default.removeItem(at: folder) }
        do {
            let certificates = try SandboxCertificates.loadOrMint(in: folder)
            let identity = SandboxTenantIdentity.random()
            let secret = SecretHasher.newClientSecret()
            let secretFile = folder.appendingPathComponent("admin-client-secret")
            try AtomicFile.write(Data(secret.utf8), to: secretFile, permissions: 0o600)
            let state = TenantDirectory.bootstrap(
                tenantId: identity.tenantId, subdomain: identity.subdomain, adminAppId: identity.adminClientId,
                adminSecret: secret)
            let tokens = try await TokenIssuer(
                privateKeyPEM: try MemoryKey.shared.pem(), tenantId: identity.tenantId)
            return Prepared(
                identity: identity, certificates: certificates,
                directory: TenantDirectory(state: state, stateFile: nil), tokens: tokens,
                adminClientSecretFile: secretFile, cleanup: remove)
        } catch {
            remove()
            throw error
        }
    }

    /// A new 0700 folder under the system's temporary directory.
    static func temporaryFolder() throws -> URL {
        var template = Array((NSTemporaryDirectory() + "/tutor-sandbox-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw SandboxError.home(path: NSTemporaryDirectory(), reason: String(cString: strerror(errno)))
        }
        return URL(fileURLWithPath: String(cString: made), isDirectory: true)
    }

    static func describe(_ error: any Error, host: String, port: Int) -> String {
        let text = "\(error)"
        if text.contains("Address already in use") || text.contains("EADDRINUSE") {
            return "\(host):\(port) is already in use; choose another --port (0 picks a free one)"
        }
        return "cannot listen on \(host):\(port): \(text)"
    }
}

/// One RSA key for all in-memory sandboxes of a process: minting a key takes a while, and
/// each in-memory tenant has its own issuer, so sharing the key lets no token cross tenants.
final class MemoryKey: Sendable {
    static let shared = MemoryKey()
    private let key = Mutex<String?>(nil)

    func pem() throws -> String {
        try key.withLock { stored in
            if let stored { return stored }
            let made = try TokenIssuer.generatePrivateKeyPEM()
            stored = made
            return made
        }
    }
}

/// The port the server bound, delivered once from `onServerRunning` (or the startup failure).
final class BoundPort: Sendable {
    private let state = Mutex<(result: Result<Int, any Error>?, waiter: CheckedContinuation<Int, any Error>?)>(
        (nil, nil))

    func resolve(_ result: Result<Int, any Error>) {
        let waiter: CheckedContinuation<Int, any Error>? = state.withLock { state in
            guard state.result == nil else { return nil }
            state.result = result
            let waiter = state.waiter
            state.waiter = nil
            return waiter
        }
        waiter?.resume(with: result)
    }

    func value() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let ready: Result<Int, any Error>? = state.withLock { state in
                if let result = state.result { return result }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}

/// What `stop()` needs to shut a server down.
final class ServerHandle: Sendable {
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let home: SandboxHome?
    let cleanup: @Sendable () -> Void
    private let stopped = Mutex(false)

    init(group: ServiceGroup, task: Task<Void, any Error>, home: SandboxHome?, cleanup: @escaping @Sendable () -> Void)
    {
        self.group = group
        self.task = task
        self.home = home
        self.cleanup = cleanup
    }

    func finish() {
        let first = stopped.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        home?.removeServerRecord()
        cleanup()
    }
}

/// A sandbox server that is listening.
public struct RunningSandbox: Sendable {
    /// The port it listens on (the real one when 0 was asked for).
    public let port: Int
    /// How to reach the tenant and sign in as its admin.
    public let info: SandboxInfo
    /// The sign-up codes it "sent".
    public let mailbox: SandboxMailbox
    let handle: ServerHandle

    /// Stops listening, lets requests in flight finish, and removes the server record (and the
    /// temporary folder of an in-memory sandbox).
    public func stop() async {
        await handle.group.triggerGracefulShutdown()
        _ = try? await handle.task.value
        handle.finish()
    }

    /// Waits until the server stops (a signal, or `stop()` from elsewhere); throws if it failed.
    public func wait() async throws {
        defer { handle.finish() }
        try await handle.task.value
    }
}
