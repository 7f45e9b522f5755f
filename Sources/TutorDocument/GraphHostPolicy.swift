/// Which hosts a tutorial's requests may go to: Microsoft Graph (global or a national cloud) and
/// the tenant's External ID sign-in host. A tutorial is untrusted input and the runner attaches a
/// Graph token to what it sends, so anything else is refused — at plan time by the parser, and
/// again by the runner on the expanded URL before a token is attached.
///
/// The scheme and authority are read here by hand, byte by byte, rather than by Foundation's
/// `URL`, which disagrees with browsers and curl about `\` and `@`; whatever is not plainly one
/// of the allowed names is refused.
public struct GraphHostPolicy: Sendable {
    /// Microsoft Graph service roots: the global service and the national clouds (US Government
    /// L4, US Government L5 (DOD), China operated by 21Vianet).
    public static let graphHosts: Set<String> = [
        "graph.microsoft.com", "graph.microsoft.us", "dod-graph.microsoft.us", "microsoftgraph.chinacloudapi.cn",
    ]
    /// The External ID sign-in domain: a tenant signs in at `{subdomain}.ciamlogin.com`.
    public static let signInDomain = "ciamlogin.com"

    /// The policy the parser uses.
    public static let standard = GraphHostPolicy()

    public init() {}

    /// An allowed destination.
    public enum Destination: Sendable, Hashable {
        /// One of `graphHosts` (lowercased).
        case graph(host: String)
        /// `{subdomain}.ciamlogin.com`; `subdomain` is nil when the URL template names it `{{variable}}`.
        case signIn(subdomain: String?)
    }

    /// Why a URL is refused.
    public enum Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        /// The URL does not start with `scheme://`.
        case notAbsolute
        /// A scheme other than `https`.
        case notHTTPS(scheme: String)
        /// A `\` anywhere in the URL (browsers read it as `/`, curl does not).
        case backslash
        /// A control character (C0, DEL) anywhere in the URL; its value.
        case controlCharacter(UInt8)
        /// `user@` or `user:password@` before the host.
        case userInfo
        /// An explicit `:port`.
        case port
        /// An IPv4 or IPv6 address instead of a name.
        case ipLiteral(String)
        /// A `{{variable}}` in the scheme or host (other than the sign-in subdomain placeholder).
        case templatedHost(String)
        /// No host between `//` and the path.
        case emptyHost
        /// A host that is neither Microsoft Graph nor a `ciamlogin.com` sign-in host.
        case hostNotAllowed(String)

        /// A sentence for a diagnostic.
        public var description: String {
            switch self {
            case .notAbsolute: return "the URL must be absolute (https://graph.microsoft.com/v1.0/…)"
            case .notHTTPS(let scheme): return "the URL must use https, not '\(scheme)'"
            case .backslash: return "the URL contains '\\', which browsers and HTTP clients read differently"
            case .controlCharacter(let byte):
                return "the URL contains the control character 0x\(String(byte, radix: 16, uppercase: true))"
            case .userInfo: return "the URL has a user name before the host ('…@'), which is not allowed"
            case .port: return "the URL names a port, which is not allowed"
            case .ipLiteral(let host): return "the URL's host '\(host)' is an IP address, not Microsoft Graph"
            case .templatedHost(let authority):
                return
                    "the URL's host '\(authority)' holds a {{variable}}; only {{name}}.ciamlogin.com may, the rest must be written out"
            case .emptyHost: return "the URL has no host"
            case .hostNotAllowed(let host):
                return
                    "the URL's host '\(host)' is not Microsoft Graph (graph.microsoft.com or a national cloud's Graph host) or a {subdomain}.ciamlogin.com sign-in host"
            }
        }
    }

    /// Checks a concrete URL (every `{{variable}}` already filled in), e.g. before a token is attached.
    public func check(url: String) -> Result<Destination, Refusal> {
        check(Array(url.utf8), allowingPlaceholder: false)
    }

    /// Checks a URL template as a tutorial writes it: `{{variables}}` may stand in the path and
    /// query, and as the whole first label of `{{name}}.ciamlogin.com`, nowhere else.
    public func check(template: String) -> Result<Destination, Refusal> {
        check(Array(template.utf8), allowingPlaceholder: true)
    }

    /// Whether a concrete URL may be sent.
    public func allows(url: String) -> Bool {
        if case .success = check(url: url) { return true }
        return false
    }

    private func check(_ bytes: [UInt8], allowingPlaceholder: Bool) -> Result<Destination, Refusal> {
        if let control = bytes.first(where: { $0 < 0x20 || $0 == 0x7F }) { return .failure(.controlCharacter(control)) }
        if bytes.contains(UInt8(ascii: "\\")) { return .failure(.backslash) }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
            bytes[colon...].starts(with: "://".utf8), colon > 0
        else { return .failure(.notAbsolute) }
        let scheme = bytes[..<colon]
        if scheme.contains(UInt8(ascii: "{")) {
            return .failure(.templatedHost(String(decoding: scheme, as: UTF8.self)))
        }
        guard scheme.allSatisfy(Self.isSchemeByte) else { return .failure(.notAbsolute) }
        guard String(decoding: scheme, as: UTF8.self).lowercased() == "https" else {
            return .failure(.notHTTPS(scheme: String(decoding: scheme, as: UTF8.self)))
        }
        let authorityStart = colon + 3
        let authorityEnd =
            bytes[authorityStart...].firstIndex {
                $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#")
            }
            ?? bytes.count
        let authority = bytes[authorityStart..<authorityEnd]
        let authorityText = String(decoding: authority, as: UTF8.self)
        if authority.contains(UInt8(ascii: "@")) { return .failure(.userInfo) }
        if authority.contains(UInt8(ascii: "{")) || authority.contains(UInt8(ascii: "}")) {
            return placeholderDestination(authorityText, allowed: allowingPlaceholder)
        }
        if authority.first == UInt8(ascii: "[") { return .failure(.ipLiteral(authorityText)) }
        if authority.contains(UInt8(ascii: ":")) { return .failure(.port) }
        if authority.isEmpty { return .failure(.emptyHost) }
        let host = authorityText.lowercased()
        guard host.utf8.allSatisfy(Self.isHostByte) else { return .failure(.hostNotAllowed(authorityText)) }
        if Self.looksLikeIPv4(host) { return .failure(.ipLiteral(authorityText)) }
        if Self.graphHosts.contains(host) { return .success(.graph(host: host)) }
        let suffix = "." + Self.signInDomain
        if host.hasSuffix(suffix) {
            let label = String(host.dropLast(suffix.count))
            if Self.isDNSLabel(label) { return .success(.signIn(subdomain: label)) }
        }
        return .failure(.hostNotAllowed(authorityText))
    }

    /// `{{name}}.ciamlogin.com` is the one templated authority allowed, and only in a template.
    private func placeholderDestination(_ authority: String, allowed: Bool) -> Result<Destination, Refusal> {
        let suffix = "}}." + Self.signInDomain
        guard allowed, authority.hasPrefix("{{"), authority.lowercased().hasSuffix(suffix) else {
            return .failure(.templatedHost(authority))
        }
        let name = authority.dropFirst(2).dropLast(suffix.count)
        guard Template.isIdentifier(String(name)) else { return .failure(.templatedHost(authority)) }
        return .success(.signIn(subdomain: nil))
    }

    private static func isSchemeByte(_ byte: UInt8) -> Bool {
        isASCIILetterOrDigit(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: ".")
    }

    /// Letters, digits, `-` and `.`: anything else (percent-escapes, Unicode, `_`) is refused
    /// outright, since browsers map some of it onto other names.
    private static func isHostByte(_ byte: UInt8) -> Bool {
        isASCIILetterOrDigit(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    private static func isASCIILetterOrDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// One DNS label: 1–63 letters, digits and inner hyphens.
    static func isDNSLabel(_ label: String) -> Bool {
        let bytes = Array(label.utf8)
        guard (1...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else {
            return false
        }
        return bytes.allSatisfy { isASCIILetterOrDigit($0) || $0 == UInt8(ascii: "-") }
    }

    /// Whether a host would be read as an IPv4 address by a browser: its last label is a number
    /// (decimal, or `0x` hexadecimal), as in `127.0.0.1`, `2130706433` or `0x7f.1`.
    static func looksLikeIPv4(_ host: String) -> Bool {
        var labels = host.split(separator: ".", omittingEmptySubsequences: false)
        if labels.count > 1, labels.last?.isEmpty == true { labels.removeLast() }
        guard let last = labels.last, !last.isEmpty else { return false }
        if last.allSatisfy({ $0.isASCII && $0.isNumber }) { return true }
        let lowered = last.lowercased()
        return lowered.hasPrefix("0x") && lowered.dropFirst(2).allSatisfy(\.isHexDigit)
    }
}
