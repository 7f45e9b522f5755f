import ArgumentParser
import Foundation
import TutorDocument
import TutorHTTP
import TutorRunner
import TutorSandbox
import TutorScaffold
import TutorSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `tutor run`: executes a tutorial's steps against a tenant, recording and resuming.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a tutorial's steps against a tenant (the sandbox by default).",
        discussion: """
            Executes every request of every step, with the retries Microsoft Graph needs (requests that \
            share no variable overlap, so replication waits do not add up; --serial keeps strict order), and \
            records each one, in document order, in record.json (secrets only in the 0600 secrets.json) in the state folder, \
            .tutor/runs/<tutorial>-<tenant> by default. Running the same command again resumes: finished \
            steps are skipped and nothing is created twice. Secrets are read only from environment \
            variables or standard input, never from the command line.

            Without --tenant, the sandbox tenant is used: the one `tutor sandbox serve` serves from the \
            home (--sandbox-home, else the default home), or one started for this command on the port \
            the home remembers. The closing note names the exact `tutor sandbox serve` command for that \
            home and port, and `tutor app OUT` runs the rendered project.

            Exit codes: 0 done, 1 a step failed, 64 usage, 65 tutorial errors, 69 tenant unreachable \
            (or libcurl not installed), 73 cannot write state or output, 77 sign-in or permission \
            denied, 130 interrupted.

            Examples:
              tutor run tutorials/tutorial-web-app-python-flask-prepare-tenant.md
              tutor run tutorials/tutorial-web-app-python-flask-prepare-tenant.md --var appName=my-app --out my-app
              AZURE_CLIENT_ID=... AZURE_CLIENT_SECRET=... tutor run TUTORIAL.md --tenant contoso
              tutor run TUTORIAL.md --tenant contoso --access-token-env GRAPH_TOKEN --json
            """)

    @Argument(help: "The tutorial's Markdown file.")
    var tutorial: String

    @OptionGroup var tenantOptions: TenantOptions

    @Option(name: .customLong("var"), help: ArgumentHelp("Set an input (not for secrets).", valueName: "NAME=VALUE"))
    var variables: [Assignment] = []

    @Option(
        name: .customLong("state-dir"), help: ArgumentHelp("Where record.json and secrets.json go.", valueName: "DIR"))
    var stateDirectory: String?

    @Option(name: .long, help: ArgumentHelp("Render the Flask project here after a successful run.", valueName: "PATH"))
    var out: String?

    @Flag(name: .long, help: "Replace an existing --out.")
    var force = false

    @Option(name: .long, help: ArgumentHelp("Run again from this request (or step title) on.", valueName: "NAME"))
    var from: String?

    @Flag(name: .long, help: "Ignore the saved record and start over.")
    var fresh = false

    @Flag(
        name: .long,
        help: "Send every request after the one before it, in document order (by default independent requests overlap)."
    )
    var serial = false

    @Flag(name: .long, help: "Print JSON Lines events instead of text.")
    var json = false

    @Flag(name: .shortAndLong, help: "Show every HTTP request.")
    var verbose = false

    @OptionGroup var retry: RetryOptions

    func run() async throws {
        let parsed = try TutorialParser().parse(path: tutorial)
        for warning in parsed.warnings { printError(warning.description) }
        // Refuse an unusable --out before anything is done to the tenant.
        let output = try out.map { try OutputTarget(path: $0) }
        try output?.preflight(force: force)
        let templateFolder = try output.map { _ in try TemplateLocator.resolve(nil) }
        let sandbox = try await tenantOptions.withTenant { resolved in
            try await execute(parsed, output: output, templateFolder: templateFolder, resolved: resolved)
            return resolved.sandbox
        }
        if let sandbox, !json { noteSandbox(sandbox) }
    }

    /// Runs the tutorial against the resolved tenant and renders `output`.
    private func execute(
        _ parsed: Tutorial, output: OutputTarget?, templateFolder: URL?, resolved: TenantOptions.Resolved
    ) async throws {
        let context = CommandContext.current
        let environment = context.environment
        let connection = resolved.connection
        let values = Assignment.values(variables)
        let state =
            stateDirectory.map { URL(fileURLWithPath: $0) }
            ?? RunOptions.defaultStateDirectory(
                tutorialPath: tutorial, tenantName: connection.name,
                base: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))

        let client = try makeHTTPClient(for: connection)

        let toStandardError = out == "-"
        let descriptor = toStandardError ? STDERR_FILENO : STDOUT_FILENO
        let isTerminal = isatty(descriptor) == 1
        let reporter = ConsoleReporter(
            style: ConsoleReporter.defaultStyle(json: json, isTerminal: isTerminal, term: environment["TERM"]),
            verbose: verbose, color: ConsoleReporter.usesColor(isTerminal: isTerminal, environment: environment),
            width: isTerminal ? terminalWidth(descriptor, environment: environment) : nil,
            write: { text in
                if toStandardError { context.writeError(text) } else { context.writeOutput(text) }
            })
        defer { reporter.finish() }

        let interrupt = InterruptFlag()
        let signals = watchInterrupts(
            interrupt, saying: "interrupting after the requests in progress (Ctrl-C again to quit now)")
        defer { signals.cancel() }

        // Overlapping requests each get a connection of their own (made as needed).
        let transport = TransportPool(first: client, limit: serial ? 1 : RunOptions.defaultConcurrentRequests) {
            try makeHTTPClient(for: connection)
        }
        let runner = TutorialRunner(
            tutorial: parsed, connection: connection, transport: transport,
            options: RunOptions(
                variables: values, stateDirectory: state, fresh: fresh, from: from,
                retryPolicy: retry.policy,
                toolVersion: Tutor.version, projectOutput: out == "-" ? nil : out, overlap: !serial),
            observer: reporter, interrupt: interrupt, prompt: { printError($0) })
        _ = try await runner.run()
        if let output, let templateFolder {
            let values = try RunStateVariables(stateDirectory: state)
            let time = try ProjectRenderer.fixedTime(environment: environment, fallback: values.startedAt ?? Date())
            let rendered = try ProjectRenderer().render(
                template: templateFolder, variables: values.variables, to: output, force: force, fixedTime: time)
            if output != .standardOutput {
                let line = "rendered \(rendered.paths.count) files into \(rendered.output)\n"
                if json { context.writeError(line) } else { context.writeOutput(line) }
            }
        }
    }

    /// The closing note about the sandbox: where it listened, and the exact command that serves
    /// it again (or runs the rendered app, which serves it too).
    private func noteSandbox(_ sandbox: SandboxSession) {
        if let movedFrom = sandbox.movedFrom {
            printError(
                "note: port \(movedFrom) was taken, so the sandbox listened on \(sandbox.info.port); its home remembers that port now"
            )
        }
        guard sandbox.started != nil else { return }
        let serve = sandbox.serveCommand(defaultHome: tenantOptions.sandboxHome.defaultHome)
        if let out, out != "-" {
            printError(
                "note: the sandbox ran inside this command and has stopped; `tutor app \(SandboxSession.shellWord(out))` serves it and runs the app (or start `\(serve)` before signing in with the app)"
            )
        } else {
            printError(
                "note: the sandbox ran inside this command and has stopped; start `\(serve)` before signing in with the app"
            )
        }
    }
}

/// The terminal's width in columns (the kernel's window size, else `COLUMNS`), nil when unknown.
func terminalWidth(_ descriptor: Int32, environment: [String: String]) -> Int? {
    var size = winsize()
    if ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
    return environment["COLUMNS"].flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil }
}
