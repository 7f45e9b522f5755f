/// A URL with the special schemes `http` or `https`, parsed as browsers parse it (the WHATWG URL
/// Standard, https://url.spec.whatwg.org/): a backslash separates path segments, the last `@` of
/// the authority ends the userinfo, hosts are percent-decoded and lower-cased, IPv4 hosts in any
/// of the numeric forms browsers accept become dotted quads, and a default port is dropped.
///
/// Foundation follows RFC 3986 instead, so `http://evil.example\@localhost:5000/` is a URL on
/// `localhost` for Foundation and on `evil.example` for a browser; the sandbox decides where to
/// send a browser with this parser. Hosts outside ASCII (which need IDNA) are refused.
struct BrowserURL: Sendable, Equatable {
    enum Scheme: String, Sendable {
        case http, https

        var defaultPort: Int { self == .http ? 80 : 443 }
    }

    /// Why a text is not a URL a browser would load with http or https.
    enum Failure: Error, Sendable, Equatable {
        case missingScheme
        case otherScheme(String)
        case missingHost
        case invalidHost
        case invalidPort
    }

    var scheme: Scheme
    /// Percent-encoded, empty when absent.
    var username: String
    /// Percent-encoded, empty when absent.
    var password: String
    /// Whether the authority held an `@`, even with empty credentials (`http://@host/`).
    var hasUserinfo: Bool
    /// A lower-case domain, a dotted IPv4 address, or an IPv6 address in brackets.
    var host: String
    /// Nil when absent or the scheme's default.
    var port: Int?
    /// Starts with `/`; `.` and `..` segments resolved, percent-encoded as browsers do.
    var path: String
    var query: String?
    var fragment: String?

    /// The serialization browsers give (`href`).
    var href: String {
        var text = scheme.rawValue + "://"
        if !username.isEmpty || !password.isEmpty {
            text += username + (password.isEmpty ? "" : ":" + password) + "@"
        }
        text += host
        if let port { text += ":\(port)" }
        text += path
        if let query { text += "?" + query }
        if let fragment { text += "#" + fragment }
        return text
    }

    /// `localhost`, 127.0.0.0/8 or `[::1]`.
    var isLoopback: Bool {
        host == "localhost" || host == "[::1]" || host.hasPrefix("127.") && host.first(where: \.isLetter) == nil
    }

    /// Parses `text` without a base URL.
    static func parse(_ text: String) throws(Failure) -> BrowserURL {
        // Leading and trailing C0 controls and spaces go; tabs and newlines go everywhere.
        var bytes = Array(text.utf8)
        while let first = bytes.first, first <= 0x20 { bytes.removeFirst() }
        while let last = bytes.last, last <= 0x20 { bytes.removeLast() }
        bytes.removeAll { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }

        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0, isAlpha(bytes[0]),
            bytes[..<colon].allSatisfy({ isAlpha($0) || isDigit($0) || "+-.".utf8.contains($0) })
        else { throw .missingScheme }
        let schemeText = String(decoding: bytes[..<colon].map(lowercased), as: UTF8.self)
        guard let scheme = Scheme(rawValue: schemeText) else { throw .otherScheme(schemeText) }

        // Special schemes skip any run of slashes and backslashes before the authority.
        var index = colon + 1
        while index < bytes.count, isSlash(bytes[index]) { index += 1 }
        let authorityEnd = bytes[index...].firstIndex {
            isSlash($0) || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#")
        }
        let authority = bytes[index..<(authorityEnd ?? bytes.count)]
        index = authorityEnd ?? bytes.count

        var url = BrowserURL(
            scheme: scheme, username: "", password: "", hasUserinfo: false, host: "", port: nil, path: "/",
            query: nil, fragment: nil)
        var hostAndPort = authority
        if let at = authority.lastIndex(of: UInt8(ascii: "@")) {
            url.hasUserinfo = true
            let userinfo = authority[..<at]
            if let separator = userinfo.firstIndex(of: UInt8(ascii: ":")) {
                url.username = percentEncode(userinfo[..<separator], set: .userinfo)
                url.password = percentEncode(userinfo[(separator + 1)...], set: .userinfo)
            } else {
                url.username = percentEncode(userinfo, set: .userinfo)
            }
            hostAndPort = authority[(at + 1)...]
        }
        var insideBrackets = false
        var portStart: Int?
        for position in hostAndPort.indices {
            switch hostAndPort[position] {
            case UInt8(ascii: "["): insideBrackets = true
            case UInt8(ascii: "]"): insideBrackets = false
            case UInt8(ascii: ":") where !insideBrackets && portStart == nil: portStart = position
            default: break
            }
        }
        let hostBytes = hostAndPort[..<(portStart ?? hostAndPort.endIndex)]
        guard !hostBytes.isEmpty else { throw .missingHost }
        url.host = try parseHost(hostBytes)
        if let portStart {
            let digits = hostAndPort[(portStart + 1)...]
            guard digits.allSatisfy(isDigit) else { throw .invalidPort }
            if !digits.isEmpty {
                var value = 0
                for digit in digits {
                    value = value * 10 + Int(digit - UInt8(ascii: "0"))
                    guard value <= 65535 else { throw .invalidPort }
                }
                url.port = value == scheme.defaultPort ? nil : value
            }
        }

        let pathEnd = bytes[index...].firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? bytes.count
        url.path = resolvePath(bytes[index..<pathEnd])
        index = pathEnd
        if index < bytes.count, bytes[index] == UInt8(ascii: "?") {
            let queryEnd = bytes[index...].firstIndex(of: UInt8(ascii: "#")) ?? bytes.count
            url.query = percentEncode(bytes[(index + 1)..<queryEnd], set: .specialQuery)
            index = queryEnd
        }
        if index < bytes.count {
            url.fragment = percentEncode(bytes[(index + 1)...], set: .fragment)
        }
        return url
    }

    // MARK: Path

    /// Splits on `/` and `\`, drops `.` segments and lets `..` remove the one before.
    static func resolvePath(_ bytes: ArraySlice<UInt8>) -> String {
        var remainder = bytes
        if let first = remainder.first, isSlash(first) { remainder = remainder.dropFirst() }
        let segments = remainder.split(omittingEmptySubsequences: false, whereSeparator: isSlash)
        var path: [String] = []
        for (position, segment) in segments.enumerated() {
            let isLast = position == segments.count - 1
            let lowered = String(decoding: segment.map(lowercased), as: UTF8.self)
            if ["..", ".%2e", "%2e.", "%2e%2e"].contains(lowered) {
                if !path.isEmpty { path.removeLast() }
                if isLast { path.append("") }
            } else if lowered == "." || lowered == "%2e" {
                if isLast { path.append("") }
            } else {
                path.append(percentEncode(segment, set: .path))
            }
        }
        return "/" + path.joined(separator: "/")
    }

    // MARK: Host

    static func parseHost(_ bytes: ArraySlice<UInt8>) throws(Failure) -> String {
        if bytes.first == UInt8(ascii: "[") {
            guard bytes.last == UInt8(ascii: "]"), let address = IPv6.parse(bytes.dropFirst().dropLast()) else {
                throw .invalidHost
            }
            return "[" + IPv6.serialize(address) + "]"
        }
        let decoded = percentDecode(bytes)
        // Beyond ASCII a host needs IDNA (UTS #46), which the sandbox does not implement.
        guard !decoded.isEmpty, decoded.allSatisfy({ $0 < 0x80 }) else { throw .invalidHost }
        let domain = decoded.map(lowercased)
        guard !domain.contains(where: isForbiddenInDomain) else { throw .invalidHost }
        if endsInANumber(domain) {
            guard let address = IPv4.parse(domain) else { throw .invalidHost }
            return IPv4.serialize(address)
        }
        return String(decoding: domain, as: UTF8.self)
    }

    static func endsInANumber(_ domain: [UInt8]) -> Bool {
        var parts = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        if parts.last?.isEmpty == true {
            guard parts.count > 1 else { return false }
            parts.removeLast()
        }
        guard let last = parts.last, !last.isEmpty else { return false }
        if last.allSatisfy(isDigit) { return true }
        return IPv4.number(last) != nil
    }

    static func isForbiddenInDomain(_ byte: UInt8) -> Bool {
        byte <= 0x20 || byte == 0x7F || "#%/:<>?@[\\]^|".utf8.contains(byte)
    }

    // MARK: Bytes

    static func isAlpha(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
    static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
    static func isSlash(_ byte: UInt8) -> Bool { byte == UInt8(ascii: "/") || byte == UInt8(ascii: "\\") }
    static func lowercased(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }

    /// The WHATWG percent-encode sets the parser needs; all include C0 controls and non-ASCII.
    enum EncodeSet {
        case fragment, specialQuery, path, userinfo

        func contains(_ byte: UInt8) -> Bool {
            if byte < 0x20 || byte > 0x7E { return true }
            let extra: String
            switch self {
            case .fragment: extra = " \"<>`"
            case .specialQuery: extra = " \"#<>'"
            case .path: extra = " \"#<>?`{}"
            case .userinfo: extra = " \"#<>?`{}/:;=@[\\]^|"
            }
            return extra.utf8.contains(byte)
        }
    }

    static func percentEncode<Bytes: Collection<UInt8>>(_ bytes: Bytes, set: EncodeSet) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for byte in bytes {
            if set.contains(byte) {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func percentDecode(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.endIndex,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return out
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
