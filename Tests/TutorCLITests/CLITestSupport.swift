import Foundation
import TutorCLI
import TutorSandbox
import TutorTestSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs `tutor ARGUMENTS` in-process: the way new CLI tests run commands. HOME is a scratch
/// folder unless `environment` says otherwise, so that no test touches the user's sandbox home.
func tutor(_ arguments: [String], environment: [String: String] = [:]) async -> CommandOutcome {
    var merged = [
        "HOME": FileManager.default.temporaryDirectory.appendingPathComponent("tutor-cli-home").path,
        "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
    ]
    merged.merge(environment) { _, given in given }
    return await Tutor.capture(arguments, environment: merged)
}

/// A new scratch folder.
func scratchFolder(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("tutor-cli-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The repository's folders.
enum Repository {
    static let root = TutorExecutable.packageRoot
    static let tutorial = root.appendingPathComponent("tutorials/tutorial-web-app-python-flask-prepare-tenant.md")
    static let documentFixtures = root.appendingPathComponent("Tests/TutorDocumentTests/Fixtures")
}

/// A socket listening on a free loopback port, to stand for "something else holds this port".
final class PortSquatter {
    let port: Int
    private let descriptor: Int32

    init() throws {
        #if canImport(Glibc)
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && listen(descriptor, 1) == 0
                    && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw SquatError()
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }

    struct SquatError: Error {}
}

/// A free loopback port now (bound, read, released).
func freePort() throws -> Int {
    try PortSquatter().port
}

/// Waits up to `seconds` for `condition`, polling.
func eventually(seconds: Double = 20, _ condition: () -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return condition()
}
