import ArgumentParser

/// `tutor sandbox reset` (not built yet).
struct SandboxResetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reset", abstract: "Not built yet.")

    func run() async throws {
        throw ValidationError("tutor sandbox reset is not built yet")
    }
}
