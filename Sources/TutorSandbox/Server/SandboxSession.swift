import Foundation

/// The sandbox a command talks to: the `tutor sandbox serve` already answering from a home, or
/// one started in this process for the command (stop it with `stop()`).
public struct SandboxSession: Sendable {
    /// Where the sandbox should listen.
    public enum PortChoice: Sendable, Equatable {
        /// The home's remembered port (8443 at first); when it is taken, a free one, which the
        /// home then remembers, so that a later `serve` of the home matches the authority.
        case preferred
        /// Exactly this port (a rendered project's authority names it); taken is an error.
        case exactly(Int)
    }

    public let home: SandboxHome
    /// How to reach the tenant.
    public let info: SandboxInfo
    /// The admin app's client secret.
    public let adminClientSecret: String
    /// The server this process started, nil when a `serve` was already answering.
    public let started: RunningSandbox?
    /// The remembered port that was taken when the sandbox had to move to `info.port`.
    public let movedFrom: Int?

    /// Attaches to the `serve` answering from `home`, else starts a sandbox from it in this process
    /// (with `faults` and `requestLog`, which do not apply to a running `serve`).
    public static func attachOrStart(
        home: SandboxHome, port choice: PortChoice = .preferred, faults: FaultOptions = .none,
        requestLog: (@Sendable (String) -> Void)? = nil
    ) async throws -> SandboxSession {
        if let running = home.runningServerPort() {
            if case .exactly(let wanted) = choice, wanted != running {
                throw SandboxError.cannotStart(
                    reason:
                        "a sandbox serves \(home.url.path) on port \(running), not on \(wanted); stop it (Ctrl-C in its terminal) and try again"
                )
            }
            let info = try await SandboxInfo.load(home: home)
            return SandboxSession(
                home: home, info: info, adminClientSecret: try home.readAdminClientSecret(), started: nil,
                movedFrom: nil)
        }
        let server = SandboxServer(requestLog: requestLog)
        let started: RunningSandbox
        var movedFrom: Int?
        switch choice {
        case .exactly(let port):
            guard LoopbackPort.isFree(port) else {
                throw PortTakenError(
                    port: port, advice: "the sandbox must listen there: stop that process, or serve another port")
            }
            started = try await server.start(home: home, port: port, faults: faults)
        case .preferred:
            let preferred = home.preferredPort
            if LoopbackPort.isFree(preferred),
                let onPreferred = try? await server.start(home: home, port: preferred, faults: faults)
            {
                started = onPreferred
            } else {
                started = try await server.start(home: home, port: 0, faults: faults)
                movedFrom = preferred
            }
        }
        return SandboxSession(
            home: home, info: started.info, adminClientSecret: try home.readAdminClientSecret(), started: started,
            movedFrom: movedFrom)
    }

    /// Stops the server this process started (waits until it has stopped); nothing for an attached one.
    public func stop() async {
        await started?.stop()
    }

    /// The exact command that serves this home on its port later, e.g.
    /// `tutor sandbox serve --home /tmp/sandbox --port 53211` (plain `tutor sandbox serve` for
    /// the default home on 8443).
    public func serveCommand(defaultHome: SandboxHome) -> String {
        var words = ["tutor", "sandbox", "serve"]
        if home != defaultHome { words += ["--home", Self.shellWord(home.url.path)] }
        if info.port != SandboxInfo.defaultPort { words += ["--port", "\(info.port)"] }
        return words.joined(separator: " ")
    }

    /// `text` as one shell word: bare when it holds only safe characters, else single-quoted.
    public static func shellWord(_ text: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=:@%,")
        if !text.isEmpty, text.allSatisfy(safe.contains) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
