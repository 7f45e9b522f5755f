/// The process exit codes of `tutor` (sysexits), as the README lists them.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// Everything went as planned.
    case success = 0
    /// A step failed: a Graph error or a failed expectation.
    case stepFailed = 1
    /// The command line is wrong.
    case usage = 64
    /// The tutorial or template has errors.
    case dataError = 65
    /// An input file cannot be opened.
    case noInput = 66
    /// The tenant or the network cannot be reached.
    case unavailable = 69
    /// Something went wrong inside tutor itself (a bug, not the tutorial or the tenant).
    case software = 70
    /// The output cannot be created.
    case cannotCreate = 73
    /// Authentication failed or a permission is missing.
    case noPermission = 77
    /// The user interrupted the command.
    case interrupted = 130
}

/// An error that knows which exit status it should end the process with.
public protocol ExitStatusProviding: Error {
    /// The exit status the command should end with for this error.
    var exitStatus: ExitStatus { get }
}
