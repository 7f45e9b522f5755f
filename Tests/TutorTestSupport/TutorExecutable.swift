import Foundation

/// The built `tutor` executable, for the few tests that need a real process (crashes, signals, a
/// terminal, exit codes): `swift build --build-tests` puts it beside the test bundle.
public enum TutorExecutable {
    /// Why the executable cannot be found.
    public struct NotBuilt: Error, CustomStringConvertible {
        /// The message.
        public var description: String
    }

    /// The executable beside the test bundle, else `.build/debug/tutor` of this package.
    public static func url() throws -> URL {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<6 where folder.path != "/" {
            let candidate = folder.appendingPathComponent("tutor")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue
            {
                return candidate
            }
            folder.deleteLastPathComponent()
        }
        let built = packageRoot.appendingPathComponent(".build/debug/tutor")
        guard FileManager.default.isExecutableFile(atPath: built.path) else {
            throw NotBuilt(description: "the tutor executable is not built; run swift build --build-tests first")
        }
        return built
    }

    /// The package's root folder (`Tests/TutorTestSupport/` → two levels up).
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
}

extension TutorExecutable {
    /// What a finished `tutor` process left.
    public struct Outcome: Sendable {
        /// Exit status.
        public var status: Int32
        /// Standard output.
        public var output: String
        /// Standard error.
        public var error: String
    }

    /// Runs `tutor ARGUMENTS` to the end without blocking a thread of the test's cooperative pool
    /// (a blocked pool starves every other test of the process on a small machine): output goes to
    /// files, and the wait is a polling sleep.
    public static func run(_ arguments: [String], environment: [String: String]? = nil) async throws -> Outcome {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tutor-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outputURL = folder.appendingPathComponent("stdout")
        let errorURL = folder.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        let outputHandle = try FileHandle(forWritingTo: outputURL)
        let errorHandle = try FileHandle(forWritingTo: errorURL)
        let process = Process()
        process.executableURL = try url()
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = outputHandle
        process.standardError = errorHandle
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        try outputHandle.close()
        try errorHandle.close()
        return Outcome(
            status: process.terminationStatus,
            output: String(decoding: FileManager.default.contents(atPath: outputURL.path) ?? Data(), as: UTF8.self),
            error: String(decoding: FileManager.default.contents(atPath: errorURL.path) ?? Data(), as: UTF8.self))
    }
}
