import TutorSupport

/// What can go wrong setting up or serving the sandbox, or keeping its tenant's state, worded so
/// the user can act on it. The one error type of the sandbox outside the wire protocols (Graph's
/// `GraphFailure` and Entra's `EntraError` are answers, not failures of the sandbox).
public enum SandboxError: Error, Sendable, Equatable, CustomStringConvertible, ExitStatusProviding {
    /// The home folder cannot be created or has unsafe permissions.
    case home(path: String, reason: String)
    /// A file in the home is unreadable or corrupt.
    case corruptFile(path: String, reason: String)
    /// The certificates could not be minted or loaded.
    case certificates(folder: String, reason: String)
    /// The server could not start (port in use, TLS setup).
    case cannotStart(reason: String)
    /// A `serve` is already running from this home.
    case alreadyRunning(home: String, port: Int)
    /// The tenant state file exists but is not a tenant state this build can read.
    case corruptStateFile(path: String, reason: String)
    /// The tenant state file cannot be read.
    case unreadableStateFile(path: String, reason: String)
    /// The tenant state file cannot be written; the change was not applied.
    case cannotPersist(path: String, reason: String)
    /// A local account with this email already exists.
    case userExists(email: String)
    /// The sign-up data is not acceptable (empty password, malformed email, …).
    case invalidUser(reason: String)

    /// The message for the user.
    public var description: String { "error: \(message)" }

    /// What happened and what to do, without the `error:` prefix (Graph's 500s carry this).
    public var message: String {
        switch self {
        case .home(let path, let reason):
            "sandbox home \(path): \(reason)"
        case .corruptFile(let path, let reason):
            "\(path) is unreadable or corrupt (\(reason)); fix it or run `tutor sandbox reset` to start over"
        case .certificates(let folder, let reason):
            "cannot create the sandbox certificates in \(folder): \(reason)"
        case .cannotStart(let reason):
            "cannot start the sandbox server: \(reason)"
        case .alreadyRunning(let home, let port):
            "a sandbox is already serving \(home) on port \(port); stop it first"
        case .corruptStateFile(let path, let reason):
            "the sandbox state file \(path) is corrupt (\(reason)); move it away or run `tutor sandbox reset` to start a fresh tenant"
        case .unreadableStateFile(let path, let reason):
            "cannot read the sandbox state file \(path): \(reason)"
        case .cannotPersist(let path, let reason):
            "cannot save the sandbox state to \(path): \(reason); the change was not applied"
        case .userExists(let email):
            "a user with the email \(email) already exists"
        case .invalidUser(let reason):
            "cannot create the user: \(reason)"
        }
    }

    /// Home and file problems are "cannot create" (73), corrupt data or bad sign-up data "data
    /// error" (65), an unreadable state file "no input" (66), a server that cannot start
    /// "unavailable" (69).
    public var exitStatus: ExitStatus {
        switch self {
        case .home, .certificates, .cannotPersist: .cannotCreate
        case .corruptFile, .corruptStateFile, .userExists, .invalidUser: .dataError
        case .unreadableStateFile: .noInput
        case .cannotStart, .alreadyRunning: .unavailable
        }
    }
}
