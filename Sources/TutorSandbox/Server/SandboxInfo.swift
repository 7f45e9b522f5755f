import Foundation
import TutorSupport

/// What `tutor sandbox info` prints: how to reach the sandbox tenant and sign in as its admin.
public struct SandboxInfo: Codable, Sendable, Equatable {
    /// The tenant id (a GUID).
    public var tenantId: String
    /// The tenant's subdomain.
    public var subdomain: String
    /// The initial domain, `{subdomain}.onmicrosoft.com`.
    public var domain: String
    /// Scheme, host and port of Graph (paths start with `/v1.0`), e.g. `https://localhost:8443`.
    public var graphURL: String
    /// The sign-in authority, `graphURL/{tenantId}`.
    public var authority: String
    /// The CA certificate to trust (PEM).
    public var caFile: String
    /// The admin app's appId, for client credentials.
    public var adminClientId: String
    /// The file (0600) that holds the admin app's client secret.
    public var adminClientSecretFile: String
    /// The sandbox home, nil for an in-memory sandbox.
    public var home: String?
    /// The port a server listens on (when none runs, the one the home remembers, else the default).
    public var port: Int
    /// Whether a server is answering on `port`.
    public var running: Bool

    /// The port `serve` uses when none is given.
    public static let defaultPort = 8443

    /// Creates the info for a tenant served on `port`.
    public init(
        identity: SandboxTenantIdentity, port: Int, caFile: URL, adminClientSecretFile: URL, home: SandboxHome?,
        running: Bool
    ) {
        self.tenantId = identity.tenantId
        self.subdomain = identity.subdomain
        self.domain = "\(identity.subdomain).onmicrosoft.com"
        self.graphURL = "https://localhost:\(port)"
        self.authority = "https://localhost:\(port)/\(identity.tenantId)"
        self.caFile = caFile.path
        self.adminClientId = identity.adminClientId
        self.adminClientSecretFile = adminClientSecretFile.path
        self.home = home?.url.path
        self.port = port
        self.running = running
    }

    /// The info of the sandbox in `home`, preparing the home on first use (tenant, admin app,
    /// certificates); `running` tells whether a `serve` answers from it.
    public static func load(home: SandboxHome) async throws -> SandboxInfo {
        let prepared = try await SandboxBootstrap.prepare(home: home)
        let runningPort = home.runningServerPort()
        return SandboxInfo(
            identity: prepared.identity, port: runningPort ?? home.preferredPort,
            caFile: prepared.certificates.caCertificateFile, adminClientSecretFile: home.adminClientSecretFile,
            home: home, running: runningPort != nil)
    }

    /// The info as one JSON object (keys in the order docs/sandbox.md documents), pretty-printed.
    public func jsonText() -> String {
        var members: [JSONValue.JSONMember] = [
            .init("tenantId", .string(tenantId)),
            .init("subdomain", .string(subdomain)),
            .init("domain", .string(domain)),
            .init("graphURL", .string(graphURL)),
            .init("authority", .string(authority)),
            .init("caFile", .string(caFile)),
            .init("adminClientId", .string(adminClientId)),
            .init("adminClientSecretFile", .string(adminClientSecretFile)),
        ]
        members.append(.init("home", home.map { .string($0) } ?? .null))
        members.append(.init("port", .number(Double(port))))
        members.append(.init("running", .bool(running)))
        return JSONValue.object(members).serialized(pretty: true)
    }
}
