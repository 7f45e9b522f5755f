import CCurl
import Foundation
import TutorSupport

/// An HTTP client over one libcurl easy handle, reused for every request so that connections
/// (and TLS sessions) are kept alive for the whole run.
///
/// libcurl calls block, so they run on a private serial dispatch queue, never on the Swift
/// concurrency pool; one client therefore sends one request at a time. A run whose requests
/// overlap sends them through several (`TransportPool`).
public final class CurlHTTPClient: HTTPTransport, ConnectionCounting, @unchecked Sendable {
    // @unchecked Sendable: the curl handle and the counters are touched only on `queue`,
    // a serial queue; every other stored property is immutable.

    /// Settings of the client.
    public struct Configuration: Sendable {
        /// `User-Agent` header, e.g. `tutor/0.1.0`.
        public var userAgent: String
        /// PEM files with extra trusted CAs, added to the system's trust store.
        public var extraCAFiles: [String]
        /// Time limit for the TCP and TLS connect.
        public var connectTimeout: Duration
        /// Time limit for one whole exchange.
        public var totalTimeout: Duration

        public init(
            userAgent: String, extraCAFile: String? = nil, extraCAFiles: [String] = [],
            connectTimeout: Duration = .seconds(10), totalTimeout: Duration = .seconds(60)
        ) {
            self.userAgent = userAgent
            self.extraCAFiles = (extraCAFile.map { [$0] } ?? []) + extraCAFiles
            self.connectTimeout = connectTimeout
            self.totalTimeout = totalTimeout
        }
    }

    /// A client that cannot be set up (libcurl missing a feature, CA file unreadable); a libcurl
    /// that cannot be loaded at all is a `MissingLibrary`.
    public struct SetupError: Error, CustomStringConvertible, Sendable {
        /// What went wrong.
        public var description: String
    }

    private let configuration: Configuration
    private let queue = DispatchQueue(label: "tutor.http.curl")
    private let handle: UnsafeMutableRawPointer
    /// The handle for requests that must not be sent twice: each goes on a new connection that
    /// is closed after it (see `perform`). A handle of its own, so that the connection the other
    /// requests share stays open.
    private let onceHandle: UnsafeMutableRawPointer
    private let caBundle: Data?
    /// How libcurl gets the trust store; see `TrustStore`.
    let trustStore: TrustStore
    private var totalConnections = 0

    private static let globalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    /// Creates a client; reads and combines the CA bundle when extra CA files are given.
    public init(configuration: Configuration) throws {
        if let reason = tutor_curl_load_error() {
            throw MissingLibrary(
                library: "libcurl", purpose: "to reach the tenant", debianPackage: "libcurl4",
                reason: String(cString: reason))
        }
        guard Self.globalInit == CURLE_OK else { throw SetupError(description: "libcurl failed to initialise") }
        guard let handle = curl_easy_init() else { throw SetupError(description: "libcurl could not create a handle") }
        guard let onceHandle = curl_easy_init() else {
            curl_easy_cleanup(handle)
            throw SetupError(description: "libcurl could not create a handle")
        }
        self.handle = handle
        self.onceHandle = onceHandle
        self.configuration = configuration
        if !configuration.extraCAFiles.isEmpty {
            var bundle = Data()
            if let system = Self.systemCABundlePath(handle),
                let systemPEM = FileManager.default.contents(atPath: system)
            {
                bundle.append(systemPEM)
                bundle.append(Data("\n".utf8))
            }
            for extra in configuration.extraCAFiles {
                guard let extraPEM = FileManager.default.contents(atPath: extra) else {
                    curl_easy_cleanup(handle)
                    curl_easy_cleanup(onceHandle)
                    throw SetupError(description: "cannot read the CA file \(extra)")
                }
                bundle.append(extraPEM)
                bundle.append(Data("\n".utf8))
            }
            caBundle = bundle
            trustStore = TrustStore.file(holding: bundle).map(TrustStore.combinedFile) ?? .blob
        } else {
            caBundle = nil
            trustStore = Self.systemCABundlePath(handle).map(TrustStore.systemFile) ?? .libcurlDefault
        }
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_easy_cleanup(onceHandle)
        if case .combinedFile(let descriptor) = trustStore { close(descriptor) }
    }

    /// How libcurl gets the trusted CAs. libcurl (7.87 and later) builds the OpenSSL trust store
    /// once per handle and keeps it (`CURLOPT_CA_CACHE_TIMEOUT`, a day) only when it comes from
    /// a CA *file* alone; from a blob, or with a CA folder (`CURLOPT_CAPATH`, which Debian's
    /// libcurl sets to /etc/ssl/certs by default), it parses the whole bundle (some 140
    /// certificates) again for every new connection. Every create goes on a new connection, so
    /// that was most of a run's CPU: 54 parses for one tutorial, 1.9 s of CPU, and with 17
    /// tutorials at once it kept both cores busy.
    enum TrustStore: Equatable {
        /// The system's CA file, cached.
        case systemFile(String)
        /// The combined bundle in an unlinked file held open by this descriptor (`file(holding:)`),
        /// cached; the client closes it when it goes.
        case combinedFile(descriptor: Int32)
        /// The combined bundle as a blob (where no file can hold it).
        case blob
        /// libcurl's own defaults (no system bundle file was found).
        case libcurlDefault

        /// The CA file libcurl reads, when there is one.
        var path: String? {
            switch self {
            case .systemFile(let path): return path
            case .combinedFile(let descriptor): return "/proc/self/fd/\(descriptor)"
            case .blob, .libcurlDefault: return nil
            }
        }

        /// A file with `bundle`'s bytes that leaves nothing on disk: created and unlinked; its
        /// open descriptor is returned, read through `/proc/self/fd` (Linux); nil elsewhere.
        static func file(holding bundle: Data) -> Int32? {
            #if os(Linux)
                var template = Array("\(NSTemporaryDirectory())/tutor-ca-XXXXXX".utf8CString)
                let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
                guard descriptor >= 0 else { return nil }
                // Not inherited by processes tutor starts (Swift's Glibc has no mkostemp).
                _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
                unlink(String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
                let written = bundle.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                guard written == bundle.count else {
                    close(descriptor)
                    return nil
                }
                return descriptor
            #else
                return nil
            #endif
        }
    }

    /// New connections opened so far (each one a TCP connect and, for HTTPS, a TLS handshake).
    public var connectionsOpened: Int {
        queue.sync { totalConnections }
    }

    /// The trust store libcurl was built to use, e.g. `/etc/ssl/certs/ca-certificates.crt`.
    private static func systemCABundlePath(_ handle: UnsafeMutableRawPointer) -> String? {
        var pointer: UnsafeMutablePointer<CChar>?
        if tutor_curl_getinfo_string(handle, CURLINFO_CAINFO, &pointer) == CURLE_OK,
            let pointer
        {
            return String(cString: pointer)
        }
        for candidate in [
            "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem",
        ]
        where FileManager.default.fileExists(atPath: candidate) {
            return candidate
        }
        return nil
    }

    /// Sends one request on the client's queue.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try self.perform(request) })
            }
        }
    }

    /// Collects what libcurl hands to the header and body callbacks.
    private final class Exchange {
        var body = Data()
        var headers: [HTTPHeader] = []
    }

    private func perform(_ request: HTTPRequest) throws -> HTTPResponse {
        let raw = request.sendOnlyOnce ? onceHandle : handle
        // Resets options only; live connections and the TLS session cache stay.
        curl_easy_reset(raw)
        let clientRequestId = UUID().uuidString.lowercased()
        let exchange = Exchange()
        let context = Unmanaged.passUnretained(exchange).toOpaque()
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }

        func check(_ code: CURLcode, _ what: String) throws {
            guard code == CURLE_OK else {
                throw HTTPTransportError(
                    kind: .other, method: request.method, url: request.url,
                    message: "cannot set \(what): \(String(cString: curl_easy_strerror(code)))",
                    mayHaveReachedServer: false)
            }
        }

        try check(tutor_curl_setopt_string(raw, CURLOPT_URL, request.url), "URL")
        try check(tutor_curl_setopt_string(raw, CURLOPT_PROTOCOLS_STR, "https,http"), "protocols")
        try check(tutor_curl_setopt_string(raw, CURLOPT_USERAGENT, configuration.userAgent), "user agent")
        try check(tutor_curl_setopt_long(raw, CURLOPT_SSL_VERIFYPEER, 1), "peer verification")
        try check(tutor_curl_setopt_long(raw, CURLOPT_SSL_VERIFYHOST, 2), "host verification")
        try check(tutor_curl_setopt_long(raw, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS), "HTTP version")
        try check(tutor_curl_setopt_long(raw, CURLOPT_NOSIGNAL, 1), "no signals")
        try check(tutor_curl_setopt_long(raw, CURLOPT_TCP_KEEPALIVE, 1), "TCP keep-alive")
        // libcurl silently sends a request again on a new connection when a reused one dies
        // before any answer: harmless for reads, a second object for a create whose first copy
        // the server committed. A request that must not be sent twice therefore never rides a
        // reused connection; the caller decides, with its lookup, whether to send it again.
        if request.sendOnlyOnce {
            try check(tutor_curl_setopt_long(raw, CURLOPT_FRESH_CONNECT, 1), "fresh connection")
            try check(tutor_curl_setopt_long(raw, CURLOPT_FORBID_REUSE, 1), "connection reuse")
        }
        try check(
            tutor_curl_setopt_long(raw, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(configuration.connectTimeout)),
            "connect timeout")
        try check(
            tutor_curl_setopt_long(raw, CURLOPT_TIMEOUT_MS, Self.milliseconds(configuration.totalTimeout)), "timeout")
        if let path = trustStore.path {
            try check(tutor_curl_setopt_string(raw, CURLOPT_CAINFO, path), "CA bundle")
            // The file holds the system's CAs already; a CA folder would stop libcurl caching.
            try check(tutor_curl_setopt_string(raw, CURLOPT_CAPATH, nil), "CA folder")
        } else if trustStore == .blob, let caBundle {
            try caBundle.withUnsafeBytes { buffer in
                try check(
                    tutor_curl_setopt_blob(raw, CURLOPT_CAINFO_BLOB, buffer.baseAddress, buffer.count), "CA bundle")
            }
        }

        switch request.method {
        case "GET": try check(tutor_curl_setopt_long(raw, CURLOPT_HTTPGET, 1), "method")
        case "HEAD": try check(tutor_curl_setopt_long(raw, CURLOPT_NOBODY, 1), "method")
        default: try check(tutor_curl_setopt_string(raw, CURLOPT_CUSTOMREQUEST, request.method), "method")
        }
        if let body = request.body {
            try check(tutor_curl_setopt_offset(raw, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)), "body size")
            // COPYPOSTFIELDS copies the bytes, so the Data may go away.
            try body.withUnsafeBytes { buffer in
                let bytes = buffer.count == 0 ? UnsafeRawPointer(bitPattern: 1) : buffer.baseAddress
                try check(
                    tutor_curl_setopt_pointer(raw, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes)),
                    "body")
            }
            if request.method == "GET" || request.method == "HEAD" {
                try check(tutor_curl_setopt_string(raw, CURLOPT_CUSTOMREQUEST, request.method), "method")
            }
        }

        var lines = request.headers.map { "\($0.name): \($0.value)" }
        lines.append("client-request-id: \(clientRequestId)")
        lines.append("return-client-request-id: true")
        // A 100-continue round trip would add a full latency to every POST.
        lines.append("Expect:")
        for line in lines {
            guard let appended = curl_slist_append(headerList, line) else {
                throw HTTPTransportError(
                    kind: .other, method: request.method, url: request.url, message: "out of memory",
                    mayHaveReachedServer: false)
            }
            headerList = appended
        }
        try check(tutor_curl_setopt_slist(raw, CURLOPT_HTTPHEADER, headerList), "headers")

        let writeBody: tutor_curl_data_callback = { data, size, count, context in
            let exchange = Unmanaged<Exchange>.fromOpaque(context!).takeUnretainedValue()
            let length = size * count
            if let data, length > 0 {
                exchange.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: length)
            }
            return length
        }
        let writeHeader: tutor_curl_data_callback = { data, size, count, context in
            let exchange = Unmanaged<Exchange>.fromOpaque(context!).takeUnretainedValue()
            let length = size * count
            guard let data, length > 0 else { return length }
            let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if line.hasPrefix("HTTP/") {
                // A new status line (after 100 Continue or a redirect): headers start over.
                exchange.headers.removeAll()
            } else if let colon = line.firstIndex(of: ":") {
                let name = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
                let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
                exchange.headers.append(HTTPHeader(name, value))
            }
            return length
        }
        try check(tutor_curl_setopt_data_callback(raw, CURLOPT_WRITEFUNCTION, writeBody), "body callback")
        try check(tutor_curl_setopt_pointer(raw, CURLOPT_WRITEDATA, context), "body context")
        try check(tutor_curl_setopt_data_callback(raw, CURLOPT_HEADERFUNCTION, writeHeader), "header callback")
        try check(tutor_curl_setopt_pointer(raw, CURLOPT_HEADERDATA, context), "header context")

        let clock = ContinuousClock()
        let started = clock.now
        let code = withExtendedLifetime(exchange) { curl_easy_perform(raw) }
        let duration = clock.now - started

        var connects = 0
        var value = 0
        if tutor_curl_getinfo_long(raw, CURLINFO_NUM_CONNECTS, &value) == CURLE_OK { connects = value }
        totalConnections += connects

        guard code == CURLE_OK else {
            throw transportError(code, request: request, handle: raw)
        }
        var status = 0
        _ = tutor_curl_getinfo_long(raw, CURLINFO_RESPONSE_CODE, &status)
        var version = 0
        _ = tutor_curl_getinfo_long(raw, CURLINFO_HTTP_VERSION, &version)
        return HTTPResponse(
            status: status, headers: exchange.headers, body: exchange.body, duration: duration,
            connectionsOpened: connects, httpVersion: Self.versionName(version), clientRequestId: clientRequestId)
    }

    private func transportError(_ code: CURLcode, request: HTTPRequest, handle raw: UnsafeMutableRawPointer)
        -> HTTPTransportError
    {
        let message = String(cString: curl_easy_strerror(code))
        // Once the TLS handshake (or TCP connect for plain HTTP) finished, the request may have gone out.
        var connected = 0.0
        _ = tutor_curl_getinfo_double(raw, CURLINFO_PRETRANSFER_TIME, &connected)
        let sent = connected > 0
        let kind: HTTPTransportError.Kind
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
            kind = .unreachable
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE,
            CURLE_SSL_CERTPROBLEM, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH:
            kind = sent ? .connectionLost : .tls
        case CURLE_OPERATION_TIMEDOUT:
            kind = sent ? .timedOut : .unreachable
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2,
            CURLE_HTTP2_STREAM, CURLE_WEIRD_SERVER_REPLY:
            kind = .connectionLost
        default:
            kind = .other
        }
        let mayHaveReachedServer = kind == .connectionLost || kind == .timedOut
        return HTTPTransportError(
            kind: kind, method: request.method, url: request.url, message: message,
            mayHaveReachedServer: mayHaveReachedServer)
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }

    private static func versionName(_ version: Int) -> String {
        switch version {
        case CURL_HTTP_VERSION_1_0: return "HTTP/1.0"
        case CURL_HTTP_VERSION_2_0: return "HTTP/2"
        case CURL_HTTP_VERSION_3: return "HTTP/3"
        default: return "HTTP/1.1"
        }
    }
}
