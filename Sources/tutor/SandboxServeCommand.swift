import ArgumentParser

/// `tutor sandbox serve` (not built yet).
struct SandboxServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Not built yet.")

    func run() async throws {
        throw ValidationError("tutor sandbox serve is not built yet")
    }
}
