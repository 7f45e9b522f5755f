import Foundation
import TutorSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Brings a sandbox home (or a temporary folder) to a usable state: certificates, tenant ids,
/// admin app credentials and the tenant directory.
enum SandboxBootstrap {
    /// What a prepared home holds.
    struct Prepared: Sendable {
        var identity: SandboxTenantIdentity
        var certificates: SandboxCertificates
    }

    /// Prepares `home`: mints what is missing, bootstraps the tenant on first use.
    static func prepare(home: SandboxHome) async throws -> Prepared {
        try home.prepare()
        // `serve`, `info` and `run` may prepare the same new home at once: one at a time, or
        // each would mint its own tenant. (No suspension point inside, so the lock is never held
        // across an await.)
        let lockFile = home.url.appendingPathComponent("bootstrap.lock").path
        let lock = open(lockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else {
            throw SandboxError.home(path: lockFile, reason: String(cString: strerror(errno)))
        }
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw SandboxError.home(path: lockFile, reason: String(cString: strerror(errno)))
            }
        }
        let certificates = try SandboxCertificates.loadOrMint(in: home.url)
        if let identity = try home.loadIdentity() {
            guard FileManager.default.fileExists(atPath: home.stateFile.path) else {
                throw SandboxError.corruptFile(
                    path: home.stateFile.path, reason: "the tenant state is missing although tenant.json exists")
            }
            return Prepared(identity: identity, certificates: certificates)
        }
        // First use: the secret first, then the state, then tenant.json, which marks the home
        // as bootstrapped; a crash in between leaves a home that bootstraps again.
        let identity = SandboxTenantIdentity.random()
        let secret = SecretHasher.newClientSecret()
        try AtomicFile.write(Data(secret.utf8), to: home.adminClientSecretFile, permissions: 0o600)
        // A state file left by an interrupted bootstrap belongs to ids that were never recorded.
        unlink(home.stateFile.path)
        _ = try TenantDirectory.open(stateFile: home.stateFile) {
            TenantDirectory.bootstrap(
                tenantId: identity.tenantId, subdomain: identity.subdomain, adminAppId: identity.adminClientId,
                adminSecret: secret)
        }
        try home.saveIdentity(identity)
        return Prepared(identity: identity, certificates: certificates)
    }

    /// Loads the tenant directory persisted in `home`.
    static func loadDirectory(home: SandboxHome) throws -> TenantDirectory {
        TenantDirectory(state: try TenantDirectory.loadState(from: home.stateFile), stateFile: home.stateFile)
    }
}
