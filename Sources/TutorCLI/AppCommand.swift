import ArgumentParser
import Foundation
import Subprocess
import SystemPackage
import TutorSandbox
import TutorSupport

/// `tutor app DIR`: from a rendered project to a running app in one command.
struct AppCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "app",
        abstract: "Run a rendered Flask project: its sandbox, its Python environment, the app.",
        discussion: """
            DIR is a folder `tutor run --out` or `tutor render` wrote (app.py, .env, requirements.txt). \
            When .env's AUTHORITY is the sandbox, the sandbox is served from the home the project was \
            rendered from (the folder of REQUESTS_CA_BUNDLE, or --sandbox-home) on the port AUTHORITY \
            names, unless a `tutor sandbox serve` already serves that home there. DIR/.venv is created \
            and requirements.txt installed into it when either is missing or requirements.txt changed \
            (its SHA-256 is kept in .venv). The app runs as `flask run --host=localhost --port N`, N from \
            REDIRECT_URI, and its URL is printed once it listens. Ctrl-C (or SIGTERM) stops the app and \
            the sandbox.

            Exit codes: 0 stopped by Ctrl-C or SIGTERM, 1 the app stopped by itself, 64 usage, 66 DIR is \
            not a rendered project, 69 a port is taken or the install failed.

            Examples:
              tutor app flask-app
              tutor app flask-app --sandbox-home /tmp/sandbox
              tutor app flask-app --python-env ~/venvs/flask   (an existing venv: nothing is installed)
            """)

    @Argument(help: ArgumentHelp("The rendered project.", valueName: "DIR"))
    var project: String = "."

    @OptionGroup var sandboxHome: SandboxHomeOptions

    @Option(
        name: .customLong("python-env"),
        help: ArgumentHelp(
            "Use this existing virtual environment (its bin/flask) and install nothing (default: $TUTOR_APP_PYTHON_ENV, else DIR/.venv).",
            valueName: "DIR"))
    var pythonEnvironment: String?

    @Option(help: ArgumentHelp("The Python that creates DIR/.venv.", valueName: "PROGRAM"))
    var python = "python3"

    func run() async throws {
        let context = CommandContext.current
        let project = try FlaskProject(folder: URL(fileURLWithPath: self.project).standardizedFileURL)
        // Both ports before anything starts: a taken one is a clear error, not a half-started app.
        // (A listener on [::1] only counts too: a browser may reach it for `localhost`.)
        guard LoopbackPort.isFree(project.port), !LoopbackPort.isListening(project.port) else {
            throw PortTakenError(
                port: project.port,
                advice:
                    "the app listens on the port REDIRECT_URI names; stop that process, or pick another port: run the tutorial again with --var redirectPort=N --fresh --out DIR (the app's redirect URI changes with it)"
            )
        }
        let sandbox = try await startSandbox(for: project)
        let outcome: AppOutcome
        do {
            let environment = try await prepareEnvironment(for: project)
            outcome = try await runApp(project, flask: environment.appendingPathComponent("bin/flask"))
        } catch {
            await sandbox?.stop()
            throw error
        }
        await sandbox?.stop()
        switch outcome {
        case .stopped: context.writeOutput("tutor app: stopped\n")
        case .exited(let status): throw AppError.appExited(status: status)
        }
    }

    /// The sandbox the project signs in to, started here unless a `serve` already serves it;
    /// nil for a real tenant.
    private func startSandbox(for project: FlaskProject) async throws -> SandboxSession? {
        guard project.usesSandbox else { return nil }
        let home = project.sandboxHome(
            explicit: sandboxHome.path.map(SandboxHome.init(path:)), fallback: sandboxHome.defaultHome)
        let info = try await SandboxInfo.load(home: home)
        // The authority names the tenant by id or by domain (`{subdomain}.onmicrosoft.com`).
        let names = [info.tenantId, info.domain, info.subdomain].map { $0.lowercased() }
        if let projectTenant = project.tenantId, !names.contains(projectTenant.lowercased()) {
            throw AppError.otherTenant(home: home.url.path, projectTenant: projectTenant, homeTenant: info.tenantId)
        }
        let context = CommandContext.current
        let session = try await SandboxSession.attachOrStart(
            home: home, port: .exactly(project.sandboxPort),
            requestLog: { line in context.writeOutput(line + "\n") })
        context.writeOutput(
            session.started == nil
                ? "tutor app: using the running sandbox on \(session.info.graphURL)\n"
                : "tutor app: serving the sandbox from \(home.url.path) on \(session.info.graphURL)\n")
        return session
    }

    /// The virtual environment to run the app from: --python-env (or $TUTOR_APP_PYTHON_ENV) as it
    /// is, else DIR/.venv, created and filled from requirements.txt when missing or changed.
    private func prepareEnvironment(for project: FlaskProject) async throws -> URL {
        if let given = pythonEnvironment ?? CommandContext.current.environment["TUTOR_APP_PYTHON_ENV"] {
            return URL(fileURLWithPath: given)
        }
        let venv = project.folder.appendingPathComponent(".venv")
        let stamp = venv.appendingPathComponent(".tutor-requirements.sha256")
        let hash = try project.requirementsHash()
        let installed = (try? String(contentsOf: stamp, encoding: .utf8))?.trimmingCharacters(
            in: .whitespacesAndNewlines)
        let flask = venv.appendingPathComponent("bin/flask")
        if installed == hash, FileManager.default.isExecutableFile(atPath: flask.path) { return venv }
        let context = CommandContext.current
        if !FileManager.default.isExecutableFile(atPath: venv.appendingPathComponent("bin/python").path) {
            context.writeOutput("tutor app: creating \(venv.path)\n")
            let program: Executable = python.contains("/") ? .path(FilePath(python)) : .name(python)
            try await Self.install(program, ["-m", "venv", venv.path], in: project.folder)
        }
        context.writeOutput("tutor app: installing requirements.txt into \(venv.path)\n")
        try await Self.install(
            .path(FilePath(venv.appendingPathComponent("bin/python").path)),
            ["-m", "pip", "install", "--quiet", "-r", "requirements.txt"], in: project.folder)
        try AtomicFile.write(Data((hash + "\n").utf8), to: stamp)
        return venv
    }

    /// Runs one install step to the end, its output on this terminal; a failure is `AppError.install`.
    private static func install(_ executable: Executable, _ arguments: [String], in folder: URL) async throws {
        let result = try await Subprocess.run(
            executable, arguments: Arguments(arguments), workingDirectory: FilePath(folder.path),
            output: .currentStandardError, error: .currentStandardError)
        guard result.terminationStatus.isSuccess else {
            throw AppError.install(
                command: ([executable.description] + arguments).joined(separator: " "),
                status: "\(result.terminationStatus)")
        }
    }

    /// How the app ended.
    enum AppOutcome {
        /// Ctrl-C, SIGTERM, or the command's task was cancelled.
        case stopped
        /// The app exited by itself, with this status.
        case exited(String)
    }

    /// Runs `flask run` in the project until it exits or a signal (or cancellation) stops it;
    /// prints the URL once it listens.
    private func runApp(_ project: FlaskProject, flask: URL) async throws -> AppOutcome {
        let context = CommandContext.current
        let url = "http://localhost:\(project.port)/"
        let stopSignals = StopSignals()
        defer { stopSignals.cancel() }
        return try await withThrowingTaskGroup(of: AppOutcome.self) { group in
            group.addTask {
                var options = PlatformOptions()
                // Its own session: the terminal's Ctrl-C reaches tutor only, which stops the app's
                // whole process group (a reloader's child too): SIGTERM, then SIGKILL after 5 s.
                options.createSession = true
                options.teardownSequence = [
                    .gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(5))
                ]
                let result = try await Subprocess.run(
                    .path(FilePath(flask.path)),
                    arguments: ["run", "--host=localhost", "--port", "\(project.port)"],
                    workingDirectory: FilePath(project.folder.path), platformOptions: options,
                    output: .currentStandardOutput, error: .currentStandardError)
                return Task.isCancelled ? .stopped : .exited("\(result.terminationStatus)")
            }
            group.addTask {
                await stopSignals.wait()
                return .stopped
            }
            group.addTask {
                // The URL once the app listens, polled; a slow start still gets it.
                while !Task.isCancelled {
                    if LoopbackPort.isListening(project.port) {
                        context.writeOutput("tutor app: \(url) (Ctrl-C stops the app and the sandbox)\n")
                        try await Task.sleep(for: .seconds(1_000_000_000))
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
                return .stopped
            }
            let first = try await group.next() ?? .stopped
            group.cancelAll()
            while (try? await group.next()) != nil {}
            return first
        }
    }
}

/// SIGINT and SIGTERM, delivered once as an async wait instead of ending the process; the
/// default dispositions come back on `cancel()`. (Unchecked: the sources are set once in `init`,
/// and a dispatch source may be cancelled from any thread.)
final class StopSignals: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]
    private let stream: AsyncStream<Void>

    init() {
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        self.stream = stream
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield() }
            source.resume()
            return source
        }
    }

    /// Returns at the first signal, or when the waiting task is cancelled.
    func wait() async {
        for await _ in stream { return }
    }

    func cancel() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
