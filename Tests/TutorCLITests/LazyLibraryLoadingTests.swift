import Foundation
import Testing
import TutorTestSupport

/// libcurl and libarchive are opened only by the commands that use them (docs/development.md,
/// "Start-up"): a real `tutor` process is run with glibc's `LD_DEBUG=files`, which lists every
/// shared library the loader maps, as it maps it.
@Suite struct LazyLibraryLoadingTests {
    private func librariesLoaded(by arguments: [String], environment extra: [String: String] = [:]) async throws
        -> (status: Int32, libraries: String)
    {
        var environment = ProcessInfo.processInfo.environment
        environment["LD_DEBUG"] = "files"
        environment.merge(extra) { _, new in new }
        let outcome = try await TutorExecutable.run(arguments, environment: environment)
        let lines = outcome.error.split(separator: "\n").filter { $0.contains("file=") }
        return (outcome.status, lines.joined(separator: "\n"))
    }

    @Test func versionAndPlanLoadNeitherLibcurlNorLibarchive() async throws {
        let tutorial = TutorExecutable.packageRoot
            .appendingPathComponent("tutorials/tutorial-web-app-python-flask-prepare-tenant.md").path
        for arguments in [["--version"], ["plan", tutorial]] {
            let loaded = try await librariesLoaded(by: arguments)
            #expect(loaded.status == 0, "\(arguments)")
            #expect(loaded.libraries.contains("libc.so.6"), "LD_DEBUG lists nothing: \(arguments)")
            #expect(!loaded.libraries.contains("libcurl"), "\(arguments) loaded libcurl")
            #expect(!loaded.libraries.contains("libarchive"), "\(arguments) loaded libarchive")
        }
    }

    @Test func renderingAnArchiveLoadsLibarchiveButNotLibcurl() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tutor-lazy-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let loaded = try await librariesLoaded(
            by: [
                "render", "--var", "CLIENT_ID=00000000-0000-0000-0000-000000000001",
                "--var", "AUTHORITY=https://contoso.ciamlogin.com/contoso.onmicrosoft.com",
                "--var", "REDIRECT_URI=http://localhost:3000/getAToken",
                "--secret-env", "CLIENT_SECRET=TUTOR_LAZY_TEST_SECRET",
                "--out", folder.appendingPathComponent("app.tar").path,
            ],
            environment: ["TUTOR_LAZY_TEST_SECRET": "not-a-real-secret"])
        #expect(loaded.status == 0)
        #expect(loaded.libraries.contains("libarchive.so.13"))
        #expect(!loaded.libraries.contains("libcurl"))
    }

    /// Exported symbols make the Swift runtime's start-up slow: it looks itself up with `dladdr`,
    /// which scans every one (`Sources/tutor/exports.map` keeps only `main`). `nm` comes with
    /// binutils, which the Swift toolchain needs on Linux.
    @Test func theExecutableExportsNothingButMain() throws {
        let nm = Process()
        nm.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        nm.arguments = ["nm", "-D", "--defined-only", try TutorExecutable.url().path]
        let output = Pipe()
        nm.standardOutput = output
        try nm.run()
        let listing = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        nm.waitUntilExit()
        #expect(nm.terminationStatus == 0)
        let exported = listing.split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }
        #expect(Set(exported).isSubset(of: ["main"]), "exported: \(exported.prefix(5)) (\(exported.count) in all)")
    }
}
