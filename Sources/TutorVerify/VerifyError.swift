import TutorSupport

/// Why `tutor verify` or `tutor cleanup` could not do its work. (A tutorial that fails is a
/// result in the report, not an error.)
public enum VerifyError: Error, CustomStringConvertible, ExitStatusProviding {
    /// Flags or arguments are wrong (e.g. `--shard 3/2`).
    case usage(String)
    /// A state directory holds no usable record.
    case state(String)
    /// A report or state file cannot be written.
    case cannotWrite(path: String, reason: String)

    /// A message the user can act on.
    public var description: String {
        switch self {
        case .usage(let message): return "error: \(message)"
        case .state(let message): return "error: run state: \(message)"
        case .cannotWrite(let path, let reason): return "error: cannot write \(path): \(reason)"
        }
    }

    /// 64 for usage, 66 for a missing record, 73 for an unwritable file.
    public var exitStatus: ExitStatus {
        switch self {
        case .usage: return .usage
        case .state: return .noInput
        case .cannotWrite: return .cannotCreate
        }
    }
}
