import ArgumentParser

/// `tutor plan` (not built yet).
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plan", abstract: "Not built yet.")

    func run() async throws {
        throw ValidationError("tutor plan is not built yet")
    }
}
