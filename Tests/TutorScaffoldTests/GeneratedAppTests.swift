import Foundation
import Testing

@testable import TutorScaffold

/// The generated Python compiles (`python3 -m py_compile`); Debian's python3 is a test package.
@Suite("Generated app")
struct GeneratedAppTests {
    @Test func appPyCompiles() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("app")
        try ProjectRenderer().render(
            template: TestSupport.flaskTemplate, variables: TestSupport.sandboxValues, to: .directory(output),
            force: false, fixedTime: TestSupport.fixedTime)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-m", "py_compile", output.appendingPathComponent("app.py").path]
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        environment["PYTHONPYCACHEPREFIX"] = folder.appendingPathComponent("pycache").path
        process.environment = environment
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
