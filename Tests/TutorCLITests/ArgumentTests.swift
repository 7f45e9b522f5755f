import Foundation
import Testing
import TutorCLI
import TutorSupport

/// Parsing and the one error-to-exit-code mapping, run in-process.
@Suite("Command line: typed arguments and exit codes")
struct ArgumentTests {
    @Test("--var without NAME= is argument-parser's error with tutor run's usage, exit 64")
    func variableWithoutName() async {
        for bad in ["appName", "=value"] {
            let outcome = await tutor(["run", Repository.tutorial.path, "--var", bad])
            #expect(outcome.status == ExitStatus.usage.rawValue)
            #expect(
                outcome.error.contains("The value '\(bad)' is invalid for '--var <NAME=VALUE>'"), "\(outcome.error)")
            #expect(outcome.error.contains("Usage: tutor run"))
            #expect(outcome.error.contains("See 'tutor run --help'"))
        }
    }

    @Test("A value may hold '=' and be empty")
    func assignmentSplitsAtTheFirstEquals() throws {
        let assignment = try #require(Assignment(argument: "query=a=b"))
        #expect(assignment.name == "query" && assignment.value == "a=b")
        #expect(Assignment(argument: "empty=")?.value == "")
        #expect(SecretFromEnvironment(argument: "CLIENT_SECRET=") == nil)
        #expect(SecretFromEnvironment(argument: "CLIENT_SECRET=SECRET")?.environmentVariable == "SECRET")
    }

    @Test("--shard takes K/N with 1 ≤ K ≤ N; anything else is a usage error of tutor verify")
    func shard() async {
        for bad in ["3/2", "0/2", "x", "1/0"] {
            let outcome = await tutor(["verify", Repository.tutorial.path, "--shard", bad])
            #expect(outcome.status == ExitStatus.usage.rawValue, "\(bad)")
            #expect(outcome.error.contains("Usage: tutor verify"), "\(outcome.error)")
        }
    }

    @Test("--secret-env needs NAME=ENV")
    func secretEnvironment() async {
        let outcome = await tutor(["render", "--out", "x", "--secret-env", "CLIENT_SECRET"])
        #expect(outcome.status == ExitStatus.usage.rawValue)
        #expect(outcome.error.contains("'--secret-env <NAME=VAR>'"), "\(outcome.error)")
    }

    @Test("--retry-budget is one shared option, checked for run and verify alike")
    func retryBudget() async {
        for command in ["run", "verify"] {
            let outcome = await tutor([command, Repository.tutorial.path, "--retry-budget", "0"])
            #expect(outcome.status == ExitStatus.usage.rawValue)
            #expect(outcome.error.contains("--retry-budget must be positive"), "\(outcome.error)")
        }
    }

    @Test("--sandbox-home with --tenant is refused")
    func sandboxHomeIsForTheSandbox() async {
        let outcome = await tutor(["cleanup", "--state-dir", "x", "--tenant", "contoso", "--sandbox-home", "/tmp/h"])
        #expect(outcome.status == ExitStatus.usage.rawValue)
        #expect(outcome.error.contains("--sandbox-home is for the sandbox tenant"))
    }

    @Test("A ValidationError thrown while running shows the subcommand's usage, as one from validate() does")
    func validationWhileRunning() async throws {
        let folder = try scratchFolder("prefix")
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = await tutor(
            [
                "render", "--var", "CLIENT_ID=00000000-0000-0000-0000-000000000000", "--out",
                folder.appendingPathComponent("app").path, "--prefix", "p",
            ])
        #expect(outcome.status == ExitStatus.usage.rawValue)
        #expect(outcome.error.hasPrefix("Error: --prefix applies to archives"), "\(outcome.error)")
        #expect(outcome.error.contains("Usage: tutor render"))
        #expect(outcome.error.contains("See 'tutor render --help'"))
    }

    @Test("Errors that know their status keep it: a missing tutorial is 66")
    func missingTutorial() async {
        let outcome = await tutor(["plan", "/nonexistent/tutorial.md"])
        #expect(outcome.status == ExitStatus.noInput.rawValue)
        #expect(outcome.error.contains("/nonexistent/tutorial.md: error:"))
        #expect(outcome.output.isEmpty)
    }

    /// Moved from TutorDocumentTests (it ran the built executable).
    @Test("tutor plan on a refused host exits 65, the diagnostic on standard error, nothing on standard output")
    func planExits65() async {
        let outcome = await tutor([
            "plan", Repository.documentFixtures.appendingPathComponent("bad/host-in-include.md").path,
        ])
        #expect(outcome.status == ExitStatus.dataError.rawValue)
        #expect(outcome.error.contains("bad/sub/evil-host.md:5:5: error: request 'read_org' is refused"))
        #expect(outcome.output.isEmpty)
    }

    @Test("--help and --version go to standard output with status 0")
    func helpAndVersion() async {
        let help = await tutor(["run", "--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("USAGE: tutor run"))
        #expect(help.output.contains("--sandbox-home"))
        let version = await tutor(["--version"])
        #expect(version.status == 0 && version.output == "\(Tutor.version)\n")
    }

    @Test("Every command's sandbox home option has both names")
    func homeOptionNames() async {
        for command in [["sandbox", "serve"], ["sandbox", "info"], ["app"], ["verify"], ["cleanup"]] {
            let help = await tutor(command + ["--help"])
            #expect(help.output.contains("--sandbox-home, --home <DIR>"), "\(command)")
        }
    }
}
