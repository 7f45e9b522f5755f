import ArgumentParser

/// `tutor sandbox`: the local External ID tenant.
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Serve, inspect or reset the local sandbox tenant.",
        subcommands: [
            SandboxServeCommand.self, SandboxInfoCommand.self, SandboxResetCommand.self, SandboxMailCommand.self,
        ]
    )
}
