import ArgumentParser

/// `tutor render` (not built yet).
struct RenderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "render", abstract: "Not built yet.")

    func run() async throws {
        throw ValidationError("tutor render is not built yet")
    }
}
