import TutorSupport

/// Everything that can stop a template from being rendered or written, each with a message a
/// user can act on and the exit status the README gives it.
public enum ScaffoldError: Error, CustomStringConvertible, ExitStatusProviding, Equatable {
    /// The template folder or its manifest cannot be found or read.
    case templateNotFound(String)
    /// The manifest is not valid (bad JSON, unknown rule, unsafe path, …).
    case invalidManifest(manifest: String, reason: String)
    /// A Mustache file of the template cannot be parsed or uses a name the manifest does not declare.
    case invalidTemplateFile(path: String, reason: String)
    /// A variable the manifest requires has no value.
    case missingVariable(name: String, description: String)
    /// A secret variable the manifest requires has no value (it can only come from the
    /// environment or a state folder, never from `--var`).
    case missingSecret(name: String, description: String)
    /// `--var` or `--secret-env` names a variable the template does not have.
    case unknownVariable(UnknownVariable)
    /// A variable's value breaks the manifest's rule for it; `value` is nil for secrets.
    case invalidVariable(name: String, rule: String, value: String?)
    /// Several variables are missing or invalid; each is reported (one per line).
    case variableProblems([ScaffoldError])
    /// The run's state folder is missing a file or holds something unreadable.
    case invalidState(path: String, reason: String)
    /// The `--out` path has an extension that names no supported output.
    case unknownOutputKind(path: String)
    /// `--out -` while standard output is a terminal: the tar stream (secrets included) would
    /// be printed on the screen.
    case terminalOutput
    /// `--prefix` is not one folder name, or is given for a folder output.
    case invalidPrefix(String)
    /// The output exists and `--force` was not given.
    case outputExists(path: String, reason: String)
    /// The output cannot be created or written; `reason` keeps the system's or libarchive's message.
    case cannotWrite(path: String, reason: String)

    /// A message naming what is wrong and how to fix it; never contains a secret.
    public var description: String {
        switch self {
        case .templateNotFound(let detail):
            return "error: template not found: \(detail)"
        case .invalidManifest(let manifest, let reason):
            return "\(manifest): error: invalid template manifest: \(reason)"
        case .invalidTemplateFile(let path, let reason):
            return "\(path): error: \(reason)"
        case .missingVariable(let name, let description):
            let what = description.isEmpty ? "" : " (\(description))"
            return "error: variable \(name)\(what) has no value; give it with --var \(name)=VALUE "
                + "or render from a run's --state-dir"
        case .missingSecret(let name, let description):
            let what = description.isEmpty ? "" : " (\(description))"
            return "error: secret variable \(name)\(what) has no value; put it in an environment variable and "
                + "give it with --secret-env \(name)=ENV_VAR, or render from a run's --state-dir"
        case .unknownVariable(let unknown):
            return unknown.description
        case .invalidVariable(let name, let rule, let value):
            let shown = value.map { " '\($0)'" } ?? ""
            return "error: variable \(name)\(shown) is invalid: it must be \(rule)"
        case .variableProblems(let problems):
            return problems.map(\.description).joined(separator: "\n")
        case .invalidState(let path, let reason):
            return "\(path): error: \(reason)"
        case .invalidPrefix(let prefix):
            return "error: --prefix '\(prefix)': give one folder name (no '/', not '..'), or '.' for none; "
                + "it applies to archives and --out - only"
        case .unknownOutputKind(let path):
            return "error: cannot tell what to write to '\(path)': use a directory name without an extension "
                + "(or ending in /), an archive ending in .tar, .tar.gz, .tgz or .zip, or - for a tar stream "
                + "on standard output"
        case .terminalOutput:
            return "error: refusing to write a tar stream (which holds the client secret) to a terminal; "
                + "redirect standard output (--out - > project.tar, or a pipe) or give --out a file or folder name"
        case .outputExists(let path, let reason):
            return "error: \(path) \(reason); choose another --out or add --force to replace it"
        case .cannotWrite(let path, let reason):
            return "error: cannot create \(path): \(reason)"
        }
    }

    /// 65 for template and variable errors, 66 for unreadable inputs, 64 for a bad `--out` or
    /// an unknown variable name on the command line, 73 when the output cannot be created.
    public var exitStatus: ExitStatus {
        switch self {
        case .templateNotFound, .invalidState: return .noInput
        case .invalidManifest, .invalidTemplateFile, .missingVariable, .missingSecret, .invalidVariable,
            .variableProblems:
            return .dataError
        case .unknownOutputKind, .unknownVariable, .terminalOutput, .invalidPrefix: return .usage
        case .outputExists, .cannotWrite: return .cannotCreate
        }
    }
}
