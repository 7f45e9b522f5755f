import ArgumentParser

/// `tutor verify` (not built yet).
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Not built yet.")

    func run() async throws {
        throw ValidationError("tutor verify is not built yet")
    }
}
