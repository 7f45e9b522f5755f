import ArgumentParser
import Foundation
import TutorScaffold
import TutorSupport

/// `tutor render`: the starter project from a run's state folder or from `--var` values.
struct RenderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render the starter project into a folder, an archive, or a tar stream.",
        discussion: """
            Values come from a run's state folder (record.json outputs, secrets from secrets.json) \
            or from --var; secret variables (CLIENT_SECRET) only through --secret-env, never on the \
            command line. --out picks the output: a folder, NAME.tar, NAME.tar.gz, NAME.tgz, NAME.zip, \
            or - for a tar stream on standard output. Archives are reproducible: entries sorted, \
            times from SOURCE_DATE_EPOCH (else the run's start, else now), owner 0:0.

            Exit codes: 0 rendered, 64 usage (an unknown --var, a bad --out), 65 a value breaks its \
            rule or the template is invalid, 66 the state folder or template cannot be read, 69 \
            libarchive is not installed, 73 the output cannot be created (or exists without --force).

            Examples:
              tutor render --state-dir .tutor/runs/tutorial-web-app-python-flask-prepare-tenant-sandbox --out flask-app
              CLIENT_SECRET=... tutor render --var CLIENT_ID=<guid> \\
                --var AUTHORITY=https://contoso.ciamlogin.com/contoso.onmicrosoft.com \\
                --var REDIRECT_URI=http://localhost:3000/getAToken --secret-env CLIENT_SECRET=CLIENT_SECRET \\
                --out flask-app.tar.gz
            """)

    @Option(
        name: .long,
        help: ArgumentHelp("A template name (under the templates folder) or a template folder.", valueName: "NAME|DIR"))
    var template: String?

    @Option(name: .customLong("state-dir"), help: ArgumentHelp("A run's state folder.", valueName: "DIR"))
    var stateDirectory: String?

    @Option(
        name: .customLong("var"), help: ArgumentHelp("A template variable (not for secrets).", valueName: "NAME=VALUE"))
    var variables: [Assignment] = []

    @Option(
        name: .customLong("secret-env"),
        help: ArgumentHelp("Take variable NAME from environment variable VAR.", valueName: "NAME=VAR"))
    var secretEnvironment: [SecretFromEnvironment] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A folder, .tar, .tar.gz, .tgz, .zip, or - (stdout); a missing parent folder is created.",
            valueName: "PATH"))
    var out: String?

    @Flag(
        name: .customLong("list-vars"), help: "List the template's variables, their rules and descriptions, and exit.")
    var listVariables = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The folder an archive unpacks into (default: the archive's name without extension; none for --out -); '.' for none.",
            valueName: "NAME"))
    var prefix: String?

    @Flag(name: .long, help: "Replace an existing output.")
    var force = false

    func validate() throws {
        if listVariables { return }
        guard out != nil else { throw ValidationError("give the output with --out PATH") }
        if stateDirectory == nil && variables.isEmpty && secretEnvironment.isEmpty {
            throw ValidationError("give the values with --state-dir DIR or with --var NAME=VALUE")
        }
    }

    func run() async throws {
        if listVariables {
            printLine(try ProjectTemplate(folder: try TemplateLocator.resolve(template)).manifest.variableListing)
            return
        }
        try await render(out: out ?? "-")
    }

    private func render(out: String) async throws {
        // Output refusals first (a terminal for --out -, an existing output), before the
        // template or any secret is read.
        let output = try OutputTarget(path: out)
        try output.preflight(force: force)
        let folder = try ArchiveFolder(prefix: prefix)
        if case .directory = output, prefix != nil {
            throw ValidationError("--prefix applies to archives and --out - only, not to the folder \(out)")
        }
        let templateFolder = try TemplateLocator.resolve(template)
        let project = try ProjectTemplate(folder: templateFolder)
        let environment = CommandContext.current.environment
        var values: [String: String] = [:]
        var fallbackTime = Date()
        if let stateDirectory {
            let state = try RunStateVariables(stateDirectory: URL(fileURLWithPath: stateDirectory))
            values = state.variables
            if let startedAt = state.startedAt { fallbackTime = startedAt }
        }
        let secretNames = Set(project.manifest.variables.filter(\.secret).map(\.name))
        for assignment in variables {
            try project.manifest.checkGivenName(assignment.name, option: "--var")
            if secretNames.contains(assignment.name) {
                throw ValidationError(
                    "\(assignment.name) is a secret: pass it with --secret-env \(assignment.name)=ENV_VAR, not on the command line"
                )
            }
            values[assignment.name] = assignment.value
        }
        for secret in secretEnvironment {
            try project.manifest.checkGivenName(secret.name, option: "--secret-env")
            guard let value = environment[secret.environmentVariable] else {
                throw ValidationError(
                    "--secret-env \(secret.name)=\(secret.environmentVariable): environment variable \(secret.environmentVariable) is not set"
                )
            }
            values[secret.name] = value
        }
        let time = try ProjectRenderer.fixedTime(environment: environment, fallback: fallbackTime)
        let summary = try ProjectRenderer().render(
            project: project, variables: values, to: output, folder: folder, force: force, fixedTime: time)
        if output != .standardOutput {
            printLine("rendered \(summary.paths.count) files from \(project.manifest.name) into \(summary.output)")
        }
    }
}
