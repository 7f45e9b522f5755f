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
