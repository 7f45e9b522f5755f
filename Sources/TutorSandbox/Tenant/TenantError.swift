import Foundation
import TutorSupport

/// Failures of the tenant's directory outside Graph requests: its state file and local accounts.
public enum TenantError: Error, CustomStringConvertible, ExitStatusProviding, Equatable {
    /// The state file exists but is not a tenant state this build can read.
    case corruptStateFile(path: String, reason: String)
    /// The state file cannot be read.
    case unreadableStateFile(path: String, reason: String)
    /// The state file cannot be written; the change was not applied.
    case cannotPersist(path: String, reason: String)
    /// A local account with this email already exists.
    case userExists(email: String)
    /// The sign-up data is not acceptable (empty password, malformed email, …).
    case invalidUser(reason: String)

    /// A message saying what happened and what to do.
    public var description: String {
        switch self {
        case .corruptStateFile(let path, let reason):
            return
                "the sandbox state file \(path) is corrupt (\(reason)); move it away or run `tutor sandbox reset` to start a fresh tenant"
        case .unreadableStateFile(let path, let reason):
            return "cannot read the sandbox state file \(path): \(reason)"
        case .cannotPersist(let path, let reason):
            return "cannot save the sandbox state to \(path): \(reason); the change was not applied"
        case .userExists(let email):
            return "a user with the email \(email) already exists"
        case .invalidUser(let reason):
            return "cannot create the user: \(reason)"
        }
    }

    /// Corrupt or unreadable state is a data/input problem; others are failures to create.
    public var exitStatus: ExitStatus {
        switch self {
        case .corruptStateFile: return .dataError
        case .unreadableStateFile: return .noInput
        case .cannotPersist: return .cannotCreate
        case .userExists, .invalidUser: return .dataError
        }
    }
}
