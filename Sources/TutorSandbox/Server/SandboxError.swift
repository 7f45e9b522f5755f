import TutorSupport

/// What can go wrong setting up or serving the sandbox, worded so the user can act on it.
public enum SandboxError: Error, Sendable, CustomStringConvertible, ExitStatusProviding {
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

    /// The message for the user.
    public var description: String {
        switch self {
        case .home(let path, let reason):
            "error: sandbox home \(path): \(reason)"
        case .corruptFile(let path, let reason):
            "error: \(path) is unreadable or corrupt (\(reason)); fix it or run `tutor sandbox reset` to start over"
        case .certificates(let folder, let reason):
            "error: cannot create the sandbox certificates in \(folder): \(reason)"
        case .cannotStart(let reason):
            "error: cannot start the sandbox server: \(reason)"
        case .alreadyRunning(let home, let port):
            "error: a sandbox is already serving \(home) on port \(port); stop it first"
        }
    }

    /// Home and file problems are "cannot create" (73); a server that cannot start is "unavailable" (69).
    public var exitStatus: ExitStatus {
        switch self {
        case .home, .certificates: .cannotCreate
        case .corruptFile: .dataError
        case .cannotStart, .alreadyRunning: .unavailable
        }
    }
}
