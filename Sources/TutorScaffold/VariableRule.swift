import Foundation

/// A check a template variable's value must pass, named in the manifest by its `rawValue`.
public enum VariableRule: String, Sendable, CaseIterable {
    /// A GUID such as `00000000-0000-0000-0000-000000000000` (an application or tenant id).
    case guid
    /// An `https` URL with a host and at least one path segment (the tenant), no query or fragment.
    case httpsURLWithTenant = "https-url-with-tenant"
    /// An absolute `http` or `https` URL with a host and a path beyond `/` (a redirect URI).
    case absoluteURLWithPath = "absolute-url-with-path"
    /// Any text on one line that is not empty.
    case nonEmpty = "non-empty"
    /// An absolute file-system path (starting with `/`).
    case absolutePath = "absolute-path"

    /// What the rule asks for, phrased to follow "it must be".
    public var requirement: String {
        switch self {
        case .guid: return "a GUID (8-4-4-4-12 hexadecimal digits)"
        case .httpsURLWithTenant:
            return "an https URL with a tenant path and no trailing slash, query or fragment, "
                + "such as https://contoso.ciamlogin.com/contoso.onmicrosoft.com"
        case .absoluteURLWithPath:
            return "an absolute http or https URL with a path, such as http://localhost:3000/getAToken"
        case .nonEmpty: return "non-empty text on one line"
        case .absolutePath: return "an absolute file path (starting with /) on one line"
        }
    }

    /// Whether `value` passes the rule. Every rule refuses line breaks and other control
    /// characters, because every value ends up on one line of a generated file.
    public func accepts(_ value: String) -> Bool {
        guard !value.isEmpty, !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { return false }
        switch self {
        case .guid: return Self.isGUID(value)
        case .httpsURLWithTenant:
            guard let url = URLComponents(string: value), url.scheme?.lowercased() == "https",
                let host = url.host, !host.isEmpty, url.query == nil, url.fragment == nil
            else { return false }
            let segments = url.path.split(separator: "/", omittingEmptySubsequences: false)
            // "/tenant" splits into ["", "tenant"]: a leading slash, then only non-empty segments.
            return segments.count >= 2 && segments.first == "" && segments.dropFirst().allSatisfy { !$0.isEmpty }
        case .absoluteURLWithPath:
            guard let url = URLComponents(string: value), let scheme = url.scheme?.lowercased(),
                scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
            else { return false }
            return url.path.count > 1 && url.path.hasPrefix("/")
        case .nonEmpty: return true
        case .absolutePath: return value.hasPrefix("/")
        }
    }

    static func isGUID(_ value: String) -> Bool {
        let groups = value.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12] else { return false }
        return groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }
}

/// A value the renderer computes from another variable, so templates need not parse URLs.
public enum DerivedPart: String, Sendable, CaseIterable {
    /// The URL's port, or 80/443 when the URL has none.
    case port
    /// The URL's scheme, host and port, without a path: `http://localhost:3000`.
    case origin
    /// The URL's path.
    case path
    /// The port (as `port`) when the URL is on this machine (`localhost`, `127.0.0.1`, `[::1]`),
    /// absent otherwise: a template's section on it tells a local URI from a deployed one.
    case localPort

    /// The part of `url`, or nil when `url` is not a URL with a scheme and host.
    public func value(of url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else { return nil }
        switch self {
        case .port:
            if let port = components.port { return String(port) }
            return scheme == "https" ? "443" : scheme == "http" ? "80" : nil
        case .origin:
            var origin = "\(scheme)://\(host)"
            if let port = components.port { origin += ":\(port)" }
            return origin
        case .path:
            return components.path
        case .localPort:
            guard ["localhost", "127.0.0.1", "::1", "[::1]"].contains(host.lowercased()) else { return nil }
            return Self.port.value(of: url)
        }
    }
}
