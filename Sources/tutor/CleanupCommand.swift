import ArgumentParser

/// `tutor cleanup` (not built yet).
struct CleanupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cleanup", abstract: "Not built yet.")

    func run() async throws {
        throw ValidationError("tutor cleanup is not built yet")
    }
}
