/// A shared library tutor opens on first use (libcurl, libarchive) that cannot be loaded: the
/// command that needs it stops with 69, naming the library, the Debian package that has it, and
/// the loader's reason.
public struct MissingLibrary: Error, ExitStatusProviding, CustomStringConvertible, Sendable {
    /// The library's name, e.g. `libcurl`.
    public var library: String
    /// What tutor needs it for, e.g. "to reach the tenant".
    public var purpose: String
    /// The Debian package that installs it, e.g. `libcurl4`.
    public var debianPackage: String
    /// The dynamic loader's message.
    public var reason: String

    public init(library: String, purpose: String, debianPackage: String, reason: String) {
        self.library = library
        self.purpose = purpose
        self.debianPackage = debianPackage
        self.reason = reason
    }

    public var exitStatus: ExitStatus { .unavailable }

    public var description: String {
        "error: tutor needs \(library) \(purpose), and it cannot be loaded: \(reason)\n"
            + "  Install it (Debian and Ubuntu: apt install \(debianPackage)) and try again."
    }
}
