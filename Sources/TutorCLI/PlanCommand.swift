import ArgumentParser
import TutorDocument
import TutorSupport

/// `tutor plan`: shows what a tutorial would do, without doing it.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show a tutorial's steps, requests, inputs and outputs without running anything.",
        discussion: """
            Reads the tutorial and every file it includes, checks its annotations, and lists each step \
            with its source file:line; for each request its name, method, URL, whether it reads, writes \
            or deletes, the variables it uses and captures, and the permissions it needs.

            A tutorial with errors exits 65 and prints every diagnostic as file:line:column: error: message.

            Exit codes: 0 the tutorial is valid, 64 usage, 65 the tutorial has errors, 66 a file cannot \
            be opened.

            Examples:
              tutor plan tutorials/tutorial-web-app-python-flask-prepare-tenant.md
              tutor plan tutorials/tutorial-web-app-python-flask-prepare-tenant.md --json | jq '.steps[].title'
            """
    )

    @Argument(help: "The tutorial's Markdown file.")
    var tutorial: String

    @Flag(help: "Print the plan as JSON (shape in docs/formats.md).")
    var json = false

    func run() async throws {
        let parsed = try TutorialParser().parse(path: tutorial)
        for warning in parsed.warnings { printError(warning.description) }
        let plan = TutorialPlan(parsed)
        CommandContext.current.writeOutput(json ? plan.json().serialized(pretty: true) + "\n" : plan.text())
    }
}
