import ArgumentParser

/// `tutor sandbox info` (not built yet).
struct SandboxInfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Not built yet.")

    func run() async throws {
        throw ValidationError("tutor sandbox info is not built yet")
    }
}
