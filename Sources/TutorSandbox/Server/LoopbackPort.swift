import Foundation
import TutorSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process that holds a TCP port, as far as `/proc` tells.
public struct PortHolder: Sendable, Equatable, CustomStringConvertible {
    /// Its process id.
    public var pid: Int32
    /// Its command name (`/proc/PID/comm`).
    public var command: String

    /// "python3 (pid 4242)".
    public var description: String { "\(command) (pid \(pid))" }
}

/// A TCP port on 127.0.0.1: whether it is free, and who holds it.
public enum LoopbackPort {
    /// Whether a listener could bind 127.0.0.1:`port` now.
    public static func isFree(_ port: Int) -> Bool {
        withSocket(port: port) { descriptor, address, length in
            var reuse: Int32 = 1
            setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
            return bind(descriptor, address, length) == 0
        } ?? false
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    public static func acceptsConnections(_ port: Int) -> Bool {
        withSocket(port: port) { descriptor, address, length in connect(descriptor, address, length) == 0 } ?? false
    }

    /// Whether a socket listens on `port` (any address, IPv4 or IPv6, per `/proc/net/tcp{,6}`), or
    /// something accepts connections on 127.0.0.1:`port`.
    public static func isListening(_ port: Int, proc: URL = URL(fileURLWithPath: "/proc")) -> Bool {
        let listed = ["net/tcp", "net/tcp6"].contains { table in
            let text = (try? String(contentsOf: proc.appendingPathComponent(table), encoding: .utf8)) ?? ""
            return !listeningInodes(port: port, table: text).isEmpty
        }
        return listed || acceptsConnections(port)
    }

    /// Calls `body` with a new TCP socket and the address 127.0.0.1:`port`, then closes the
    /// socket; nil for a port out of range or no socket.
    private static func withSocket(
        port: Int, _ body: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Bool
    ) -> Bool? {
        guard (1...65535).contains(port) else { return nil }
        #if canImport(Glibc)
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                body(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }

    /// The process listening on `port`, found by the socket's inode in `/proc/net/tcp` and
    /// `/proc/net/tcp6` and a `socket:[inode]` link under `/proc/*/fd`; nil when not knowable
    /// (another user's process, no `/proc`).
    public static func holder(of port: Int, proc: URL = URL(fileURLWithPath: "/proc")) -> PortHolder? {
        let inodes = Set(
            ["net/tcp", "net/tcp6"].flatMap { table in
                listeningInodes(
                    port: port,
                    table: procText(proc.appendingPathComponent(table)))
            })
        guard !inodes.isEmpty else { return nil }
        let links = Set(inodes.map { "socket:[\($0)]" })
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: proc.path)) ?? []
        for name in processes.sorted() {
            guard let pid = Int32(name) else { continue }
            let fdFolder = proc.appendingPathComponent("\(name)/fd")
            for target in linkTargets(in: fdFolder.path) {
                if links.contains(target) {
                    let command =
                        (try? String(
                            contentsOf: proc.appendingPathComponent("\(name)/comm"), encoding: .utf8))?
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                    return PortHolder(pid: pid, command: command ?? "?")
                }
            }
        }
        return nil
    }

    /// A `/proc` file read to its end. Such files report a size of 0, and a busy process's
    /// `/proc/net/tcp` runs to many pages: read until `read` says end of file rather than
    /// trusting a reader that goes by the size.
    static func procText(_ url: URL) -> String {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { return "" }
        defer { try? handle.close() }
        return String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
    }

    /// What each entry of a `/proc/PID/fd` folder links to. Read with `readdir` and `readlink`,
    /// skipping an entry that is gone by the time it is read: a busy process opens and closes
    /// descriptors all the time, and a listing that fails as a whole on one of them (as
    /// `FileManager.contentsOfDirectory` can) would hide the holder.
    static func linkTargets(in folder: String) -> [String] {
        guard let directory = opendir(folder) else { return [] }
        defer { closedir(directory) }
        var targets: [String] = []
        var buffer = [CChar](repeating: 0, count: 256)
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name != ".", name != ".." else { continue }
            let length = readlink(folder + "/" + name, &buffer, buffer.count - 1)
            guard length > 0 else { continue }
            targets.append(String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return targets
    }

    /// The inodes of the sockets listening (state 0A) on `port` in a `/proc/net/tcp` table.
    static func listeningInodes(port: Int, table: String) -> [String] {
        table.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > 9, fields[3] == "0A", let colon = fields[1].lastIndex(of: ":"),
                Int(fields[1][fields[1].index(after: colon)...], radix: 16) == port
            else { return nil }
            return String(fields[9])
        }
    }

    /// "port 8443 is taken by python3 (pid 4242)", or "port 8443 is taken" when the holder is unknown.
    public static func takenMessage(_ port: Int) -> String {
        "port \(port) is taken" + (holder(of: port).map { " by \($0)" } ?? "")
    }
}

/// A port that something else holds, where the sandbox or an app must listen.
public struct PortTakenError: Error, Sendable, CustomStringConvertible, ExitStatusProviding {
    public var port: Int
    /// Who holds it, when known.
    public var holder: PortHolder?
    /// What to do about it.
    public var advice: String

    /// The error for `port` now, with its holder looked up.
    public init(port: Int, advice: String) {
        self.port = port
        self.holder = LoopbackPort.holder(of: port)
        self.advice = advice
    }

    /// The message for the user.
    public var description: String {
        "error: port \(port) is taken" + (holder.map { " by \($0)" } ?? "") + "; \(advice)"
    }

    /// Something else holds the port: the service is unavailable (69).
    public var exitStatus: ExitStatus { .unavailable }
}
