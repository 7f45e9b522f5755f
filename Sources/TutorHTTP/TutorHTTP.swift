import Foundation

/// One HTTP request: method, absolute URL, headers in order, optional body.
public struct HTTPRequest: Sendable, Hashable {
    /// HTTP method, uppercase.
    public var method: String
    /// Absolute URL.
    public var url: String
    /// Header fields in order (name, value).
    public var headers: [HTTPHeader]
    /// Body bytes, if any.
    public var body: Data?
    /// Whether a second copy could do harm (a create): then no layer below the caller may send it
    /// again on its own. POSTs by default; a token request, say, is safe to repeat.
    public var sendOnlyOnce: Bool

    public init(
        method: String, url: String, headers: [HTTPHeader] = [], body: Data? = nil, sendOnlyOnce: Bool? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.sendOnlyOnce = sendOnlyOnce ?? (method.uppercased() == "POST")
    }
}

/// One header field.
public struct HTTPHeader: Sendable, Hashable {
    /// Field name as sent or received.
    public var name: String
    /// Field value.
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A response: status, headers, body and what it cost.
public struct HTTPResponse: Sendable {
    /// HTTP status code.
    public var status: Int
    /// Header fields of the final response, in order.
    public var headers: [HTTPHeader]
    /// Body bytes.
    public var body: Data
    /// Wall time of the exchange.
    public var duration: Duration
    /// New connections (TCP + TLS handshakes) this exchange opened; 0 when one was reused.
    public var connectionsOpened: Int
    /// The protocol used, e.g. `HTTP/2` or `HTTP/1.1`.
    public var httpVersion: String
    /// The `client-request-id` this client sent.
    public var clientRequestId: String

    public init(
        status: Int, headers: [HTTPHeader] = [], body: Data = Data(), duration: Duration = .zero,
        connectionsOpened: Int = 0, httpVersion: String = "HTTP/1.1", clientRequestId: String = ""
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.duration = duration
        self.connectionsOpened = connectionsOpened
        self.httpVersion = httpVersion
        self.clientRequestId = clientRequestId
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// Graph's `request-id` header, kept for error messages and records.
    public var requestId: String? { header("request-id") }
}

/// Why an exchange failed before a complete response arrived.
public struct HTTPTransportError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: Sendable, Hashable {
        /// The host could not be resolved or connected to; nothing was sent.
        case unreachable
        /// TLS failed (certificate not trusted, handshake error); nothing was sent.
        case tls
        /// The connection dropped or the time ran out after the request may have been sent.
        case connectionLost
        /// The time limit passed.
        case timedOut
        /// Anything else libcurl reports (bad URL, out of memory, …).
        case other
    }

    /// The kind of failure.
    public var kind: Kind
    /// Method and URL of the request.
    public var method: String
    /// URL of the request.
    public var url: String
    /// libcurl's message.
    public var message: String
    /// Whether the server may have received (and acted on) the request.
    public var mayHaveReachedServer: Bool

    public init(kind: Kind, method: String, url: String, message: String, mayHaveReachedServer: Bool) {
        self.kind = kind
        self.method = method
        self.url = url
        self.message = message
        self.mayHaveReachedServer = mayHaveReachedServer
    }

    /// `METHOD URL: message`.
    public var description: String { "\(method) \(url): \(message)" }
}

/// Sends HTTP requests; the runner talks to this seam so tests can replace the network.
public protocol HTTPTransport: Sendable {
    /// Sends one request and returns the complete response, or throws `HTTPTransportError`.
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}

/// A transport that can tell how many connections (TCP + TLS handshakes) it opened.
public protocol ConnectionCounting: Sendable {
    /// New connections opened so far.
    var connectionsOpened: Int { get }
}
