import Foundation
import TutorSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The ids that name a sandbox tenant, fixed when its home is first used (`tenant.json`).
public struct SandboxTenantIdentity: Codable, Sendable, Equatable {
    /// The tenant id (a GUID).
    public var tenantId: String
    /// The subdomain: the tenant's domain is `{subdomain}.onmicrosoft.com`.
    public var subdomain: String
    /// The appId of the pre-provisioned admin app.
    public var adminClientId: String

    public init(tenantId: String, subdomain: String, adminClientId: String) {
        self.tenantId = tenantId
        self.subdomain = subdomain
        self.adminClientId = adminClientId
    }

    /// Fresh ids: random GUIDs and a `sandbox` subdomain with a random suffix.
    public static func random() -> SandboxTenantIdentity {
        let suffix = String(UUID().uuidString.lowercased().filter(\.isHexDigit).prefix(8))
        return SandboxTenantIdentity(
            tenantId: UUID().uuidString.lowercased(), subdomain: "tutorsandbox\(suffix)",
            adminClientId: UUID().uuidString.lowercased())
    }
}

/// Where `serve` says it listens, so other processes can find it (`server.json`).
public struct SandboxServerRecord: Codable, Sendable, Equatable {
    /// The port the server listens on.
    public var port: Int
    /// The serving process.
    public var pid: Int32
}

/// The sandbox's folder: certificates, signing key, admin secret, tenant state, server record.
///
/// Default `${XDG_STATE_HOME:-~/.local/state}/tutor/sandbox`, mode 0700; every key, secret and
/// state file in it is 0600.
public struct SandboxHome: Sendable, Equatable {
    public let url: URL

    /// A home at `url` (created on `prepare()`).
    public init(url: URL) {
        self.url = url.standardizedFileURL
    }

    /// A home at `path`.
    public init(path: String) {
        self.init(url: URL(fileURLWithPath: path))
    }

    /// The default home for `environment`: `$XDG_STATE_HOME/tutor/sandbox`, else
    /// `$HOME/.local/state/tutor/sandbox`.
    public static func defaultHome(environment: [String: String] = ProcessInfo.processInfo.environment)
        -> SandboxHome
    {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            return SandboxHome(path: "\(state)/tutor/sandbox")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return SandboxHome(path: "\(home)/.local/state/tutor/sandbox")
    }

    /// The tenant ids (`tenant.json`).
    public var tenantFile: URL { url.appendingPathComponent("tenant.json") }
    /// The tenant directory's state (`state.json`, 0600).
    public var stateFile: URL { url.appendingPathComponent("state.json") }
    /// The sign-up codes the sandbox "sent" (`mail.json`, 0600), newest first.
    public var mailFile: URL { url.appendingPathComponent("mail.json") }
    /// The admin app's client secret (`admin-client-secret`, 0600).
    public var adminClientSecretFile: URL { url.appendingPathComponent("admin-client-secret") }
    /// The RS256 token signing key (`token-signing-key.pem`, 0600).
    public var signingKeyFile: URL { url.appendingPathComponent("token-signing-key.pem") }
    /// The running server's port and pid (`server.json`), present while `serve` runs.
    public var serverFile: URL { url.appendingPathComponent("server.json") }
    /// The CA certificate clients trust.
    public var caCertificateFile: URL { url.appendingPathComponent("ca.pem") }
    /// The port the home's server last listened on (`port.json`), which the tenant's authority
    /// and every project rendered from it name; kept across `reset`.
    public var portFile: URL { url.appendingPathComponent("port.json") }

    /// Creates the folder (and its parents) with mode 0700, and tightens it if it is wider.
    public func prepare() throws {
        do {
            try FileManager.default.createDirectory(
                at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw SandboxError.home(path: url.path, reason: "cannot create it (\(error.localizedDescription))")
        }
        guard chmod(url.path, 0o700) == 0 else {
            throw SandboxError.home(path: url.path, reason: String(cString: strerror(errno)))
        }
    }

    /// The tenant ids, or nil when the home has never been used.
    public func loadIdentity() throws -> SandboxTenantIdentity? {
        guard FileManager.default.fileExists(atPath: tenantFile.path) else { return nil }
        do {
            return try JSONDecoder().decode(SandboxTenantIdentity.self, from: Data(contentsOf: tenantFile))
        } catch {
            throw SandboxError.corruptFile(path: tenantFile.path, reason: "\(error)")
        }
    }

    /// Writes the tenant ids (the last step of bootstrapping a home).
    func saveIdentity(_ identity: SandboxTenantIdentity) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(identity), to: tenantFile, permissions: 0o600)
    }

    /// The admin app's client secret.
    public func readAdminClientSecret() throws -> String {
        do {
            return try String(contentsOf: adminClientSecretFile, encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw SandboxError.corruptFile(path: adminClientSecretFile.path, reason: "cannot read it")
        }
    }

    /// The record of a running `serve`, if any was written.
    public func loadServerRecord() -> SandboxServerRecord? {
        guard let data = try? Data(contentsOf: serverFile) else { return nil }
        return try? JSONDecoder().decode(SandboxServerRecord.self, from: data)
    }

    /// Records that this process serves the home on `port`, and remembers the port.
    func saveServerRecord(port: Int) throws {
        let record = SandboxServerRecord(port: port, pid: getpid())
        try AtomicFile.write(try JSONEncoder().encode(record), to: serverFile, permissions: 0o600)
        if rememberedPort != port {
            try AtomicFile.write(try JSONEncoder().encode(RememberedPort(port: port)), to: portFile, permissions: 0o600)
        }
    }

    /// The port a server of this home last listened on, nil before the first one.
    public var rememberedPort: Int? {
        guard let data = try? Data(contentsOf: portFile),
            let port = (try? JSONDecoder().decode(RememberedPort.self, from: data))?.port, (1...65535).contains(port)
        else { return nil }
        return port
    }

    /// The port to serve on when none is given: the remembered one, else the default 8443.
    public var preferredPort: Int { rememberedPort ?? SandboxInfo.defaultPort }

    /// `port.json`.
    struct RememberedPort: Codable {
        var port: Int
    }

    /// Removes the server record if it is this process's.
    func removeServerRecord() {
        if loadServerRecord()?.pid == getpid() { unlink(serverFile.path) }
    }

    /// The port of a `serve` that is answering from this home, or nil.
    public func runningServerPort() -> Int? {
        guard let record = loadServerRecord(), record.pid > 0 else { return nil }
        guard kill(record.pid, 0) == 0 || errno == EPERM else { return nil }
        return LoopbackPort.acceptsConnections(record.port) ? record.port : nil
    }

    /// Forgets the tenant: state, ids, admin secret, signing key and mail. The CA stays, so that
    /// clients that trust it keep doing so. Refused while a `serve` runs from this home.
    public func reset() throws {
        if let port = runningServerPort() { throw SandboxError.alreadyRunning(home: url.path, port: port) }
        for file in [stateFile, tenantFile, adminClientSecretFile, signingKeyFile, serverFile, mailFile] {
            if unlink(file.path) != 0 && errno != ENOENT {
                throw SandboxError.home(path: file.path, reason: String(cString: strerror(errno)))
            }
        }
    }
}
