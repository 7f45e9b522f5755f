import Foundation
import Testing

@testable import TutorHTTP

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A plain-HTTP/1.1 keep-alive server on 127.0.0.1, one connection at a time, for client tests.
final class LoopbackServer: @unchecked Sendable {
    // @unchecked Sendable: `received` and `accepted` are guarded by `lock`; the socket is only
    // used by the server thread after init.
    struct Reply {
        var status: Int
        var headers: [(String, String)]
        var body: String
        /// Close the connection without answering.
        var drop = false
    }

    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var received: [String] = []
    private var acceptedCount = 0
    private let respond: @Sendable (String) -> Reply

    init(respond: @escaping @Sendable (String) -> Reply) throws {
        self.respond = respond
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) }
        }
        guard bound == 0, listen(listener, 8) == 0 else {
            self.port = 0
            throw POSIXError(.EADDRINUSE)
        }
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    var requests: [String] { lock.withLock { received } }
    var connections: Int { lock.withLock { acceptedCount } }

    /// Wakes the accepting thread, which then closes the listener. Closing it here instead would
    /// free its descriptor number while that thread may still call accept() on it, and a server
    /// of another test that got the same number would have its connections served by this one.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func serve() {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else {
                close(listener)
                return
            }
            lock.withLock { acceptedCount += 1 }
            handle(connection)
            close(connection)
        }
    }

    private func handle(_ connection: Int32) {
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            // Read one request: head, then Content-Length bytes.
            var headEnd: Int?
            while headEnd == nil {
                if let range = findHeadEnd(buffer) {
                    headEnd = range
                    break
                }
                let count = read(connection, &chunk, chunk.count)
                if count <= 0 { return }
                buffer += chunk[0..<count]
            }
            let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
            let length =
                head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
            while buffer.count < headEnd! + 4 + length {
                let count = read(connection, &chunk, chunk.count)
                if count <= 0 { return }
                buffer += chunk[0..<count]
            }
            let body = String(decoding: buffer[(headEnd! + 4)..<(headEnd! + 4 + length)], as: UTF8.self)
            buffer.removeFirst(headEnd! + 4 + length)
            let request = head + "\r\n\r\n" + body
            lock.withLock { received.append(request) }
            let reply = respond(request)
            if reply.drop { return }
            var text = "HTTP/1.1 \(reply.status) X\r\nContent-Length: \(reply.body.utf8.count)\r\n"
            for (name, value) in reply.headers { text += "\(name): \(value)\r\n" }
            text += "\r\n" + reply.body
            let bytes = Array(text.utf8)
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBufferPointer { write(connection, $0.baseAddress, $0.count) }
                if written <= 0 { return }
                offset += written
            }
        }
    }

    private func findHeadEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }
}

@Suite struct CurlHTTPClientTests {
    func client(timeout: Duration = .seconds(10)) throws -> CurlHTTPClient {
        try CurlHTTPClient(configuration: .init(userAgent: "tutor/test", totalTimeout: timeout))
    }

    @Test func sendsHeadersAndBodyAndReusesTheConnection() async throws {
        let server = try LoopbackServer { request in
            .init(
                status: request.hasPrefix("POST") ? 201 : 200,
                headers: [("request-id", "graph-req-1"), ("Content-Type", "application/json")],
                body: #"{"ok": true}"#)
        }
        defer { server.stop() }
        let http = try client()
        let url = "http://127.0.0.1:\(server.port)/v1.0/applications?$filter=x"
        let first = try await http.send(
            HTTPRequest(
                method: "POST", url: url, headers: [HTTPHeader("Content-Type", "application/json")],
                body: Data(#"{"displayName": "a"}"#.utf8)))
        let second = try await http.send(HTTPRequest(method: "GET", url: url))
        let third = try await http.send(HTTPRequest(method: "PATCH", url: url, body: Data("{}".utf8)))

        #expect(first.status == 201)
        #expect(second.status == 200)
        #expect(third.status == 200)
        #expect(String(decoding: first.body, as: UTF8.self) == #"{"ok": true}"#)
        #expect(first.requestId == "graph-req-1")
        #expect(first.header("content-type") == "application/json")
        // A POST goes on a connection of its own, closed after it (libcurl would otherwise resend
        // it by itself on a reused connection that died); the others share one.
        #expect(server.connections == 2)
        #expect(http.connectionsOpened == 2)
        #expect(first.connectionsOpened == 1 && second.connectionsOpened == 1 && third.connectionsOpened == 0)

        let requests = server.requests
        #expect(requests.count == 3)
        #expect(requests[0].hasPrefix("POST /v1.0/applications?$filter=x HTTP/1.1"))
        #expect(requests[0].contains("User-Agent: tutor/test"))
        #expect(requests[0].hasSuffix(#"{"displayName": "a"}"#))
        #expect(!requests[0].contains("Expect:"))
        #expect(requests[2].hasPrefix("PATCH "))
        // A fresh client-request-id on every request, echoed back to the caller.
        let ids = requests.compactMap { request in
            request.split(separator: "\r\n").first { $0.hasPrefix("client-request-id: ") }.map {
                String($0.dropFirst(19))
            }
        }
        #expect(Set(ids).count == 3)
        #expect(ids[0] == first.clientRequestId)
    }

    @Test func droppedConnectionMayHaveReachedTheServer() async throws {
        let server = try LoopbackServer { _ in .init(status: 200, headers: [], body: "", drop: true) }
        defer { server.stop() }
        do {
            _ = try await client().send(
                HTTPRequest(method: "POST", url: "http://127.0.0.1:\(server.port)/x", body: Data("{}".utf8)))
            Issue.record("expected a transport error")
        } catch let error as HTTPTransportError {
            #expect(error.kind == .connectionLost)
            #expect(error.mayHaveReachedServer)
        }
    }

    @Test func refusedConnectionIsUnreachableAndNotSent() async throws {
        let server = try LoopbackServer { _ in .init(status: 200, headers: [], body: "") }
        let port = server.port
        server.stop()
        do {
            _ = try await client().send(HTTPRequest(method: "POST", url: "http://127.0.0.1:\(port)/x"))
            Issue.record("expected a transport error")
        } catch let error as HTTPTransportError {
            #expect(error.kind == .unreachable)
            #expect(!error.mayHaveReachedServer)
        }
    }

    @Test func unreadableCAFileIsRefused() {
        #expect(throws: CurlHTTPClient.SetupError.self) {
            try CurlHTTPClient(configuration: .init(userAgent: "t", extraCAFile: "/nonexistent/ca.pem"))
        }
    }

    /// The combined CA bundle reaches libcurl as a file (which libcurl caches per handle), not a
    /// blob (which it parses again for every connection), and that file leaves nothing on disk:
    /// it is unlinked at once and read through its open descriptor.
    @Test func theCombinedCABundleIsAFileThatLeavesNothingBehind() throws {
        #if os(Linux)
            let bundle = Data("-----BEGIN CERTIFICATE-----\nnot really\n-----END CERTIFICATE-----\n".utf8)
            let descriptor = try #require(CurlHTTPClient.TrustStore.file(holding: bundle))
            defer { close(descriptor) }
            let path = try #require(CurlHTTPClient.TrustStore.combinedFile(descriptor: descriptor).path)
            #expect(FileManager.default.contents(atPath: path) == bundle)
            let target = try FileManager.default.destinationOfSymbolicLink(atPath: path)
            #expect(target.hasSuffix("(deleted)"), "\(target) is still on disk")
        #endif
        let ca = FileManager.default.temporaryDirectory.appendingPathComponent("tutor-test-ca-\(UUID().uuidString).pem")
        try Data("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n".utf8).write(to: ca)
        defer { try? FileManager.default.removeItem(at: ca) }
        let client = try CurlHTTPClient(configuration: .init(userAgent: "t", extraCAFile: ca.path))
        #if os(Linux)
            guard case .combinedFile = client.trustStore, let combined = client.trustStore.path else {
                Issue.record("the combined bundle is not a cached file: \(client.trustStore)")
                return
            }
            #expect(
                String(decoding: FileManager.default.contents(atPath: combined) ?? Data(), as: UTF8.self)
                    .hasSuffix("-----END CERTIFICATE-----\n\n"))
        #endif
    }
}
