import ArgumentParser
import TutorSupport

/// The `tutor` command: run Microsoft Learn tutorials, render their starter projects.
@main
struct Tutor: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "tutor",
        abstract: "Turn a Microsoft Learn tutorial into something that runs.",
        discussion: """
            Parses a tutorial (DocFX Markdown, includes and all), runs its Microsoft Graph requests \
            against a tenant or the built-in sandbox, records every step, and renders the starter \
            Flask project.
            """,
        version: version,
        subcommands: [
            PlanCommand.self, RunCommand.self, VerifyCommand.self, RenderCommand.self, CleanupCommand.self,
            RunsCommand.self, SandboxCommand.self,
        ]
    )
}
