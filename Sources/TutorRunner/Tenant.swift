import Foundation

/// Where a tenant's endpoints are and how to sign in to it.
public struct TenantConnection: Sendable {
    /// The name used for the default state directory: `sandbox`, or the `--tenant` value.
    public var name: String
    /// Tenant id (GUID), when known before sign-in.
    public var tenantId: String?
    /// Subdomain (`contoso` of `contoso.onmicrosoft.com`), when known before sign-in.
    public var subdomain: String?
    /// Graph base URL (scheme, host, port), e.g. `https://graph.microsoft.com`.
    public var graphURL: String
    /// Sign-in base URL (scheme, host, port), e.g. `https://contoso.ciamlogin.com`.
    public var loginURL: String
    /// The authority tokens are requested from, e.g. `https://contoso.ciamlogin.com/{tenantId}`.
    public var authority: String
    /// Whether this is the built-in sandbox tenant.
    public var isSandbox: Bool
    /// A PEM file of CAs to trust in addition to the system's: the sandbox's own CA, or `--ca-file`
    /// for a real tenant.
    public var caFile: String?
    /// More PEM files to trust (`--ca-file` beside the sandbox's CA, e.g. for a TLS proxy).
    public var extraCAFiles: [String] = []

    /// Every CA file to trust beyond the system's.
    public var caFiles: [String] { (caFile.map { [$0] } ?? []) + extraCAFiles }
    /// How to get a Graph token.
    public var credential: Credential

    public init(
        name: String, tenantId: String?, subdomain: String?, graphURL: String, loginURL: String, authority: String,
        isSandbox: Bool, caFile: String?, credential: Credential
    ) {
        self.name = name
        self.tenantId = tenantId
        self.subdomain = subdomain
        self.graphURL = Self.trimmed(graphURL)
        self.loginURL = Self.trimmed(loginURL)
        self.authority = Self.trimmed(authority)
        self.isSandbox = isSandbox
        self.caFile = caFile
        self.credential = credential
    }

    /// A real External ID tenant named by subdomain, GUID or domain, with the public cloud's
    /// endpoints unless `graphURL`/`loginURL` say otherwise.
    public static func external(
        tenant: String, graphURL: String?, loginURL: String?, caFile: String?, credential: Credential
    ) -> TenantConnection {
        let isGUID = UUID(uuidString: tenant) != nil
        var subdomain: String?
        if !isGUID {
            subdomain = tenant.split(separator: ".").first.map(String.init)
        }
        let login = loginURL ?? "https://\(subdomain ?? tenant).ciamlogin.com"
        let tenantPath = isGUID ? tenant : (tenant.contains(".") ? tenant : "\(tenant).onmicrosoft.com")
        return TenantConnection(
            name: tenant, tenantId: isGUID ? tenant : nil, subdomain: subdomain,
            graphURL: graphURL ?? "https://graph.microsoft.com", loginURL: login,
            authority: "\(trimmed(login))/\(tenantPath)", isSandbox: false, caFile: caFile, credential: credential)
    }

    /// The sandbox tenant, signed in with its admin app's client credentials like a real tenant.
    public static func sandbox(
        tenantId: String, subdomain: String, graphURL: String, authority: String, caFile: String,
        adminClientId: String, adminClientSecret: String
    ) -> TenantConnection {
        TenantConnection(
            name: "sandbox", tenantId: tenantId, subdomain: subdomain, graphURL: graphURL, loginURL: graphURL,
            authority: authority, isSandbox: true, caFile: caFile,
            credential: .clientSecret(clientId: adminClientId, secret: adminClientSecret))
    }

    /// The token endpoint of the authority.
    public var tokenEndpoint: String { "\(authority)/oauth2/v2.0/token" }

    /// The device authorization endpoint of the authority.
    public var deviceCodeEndpoint: String { "\(authority)/oauth2/v2.0/devicecode" }

    /// Rewrites a Learn URL onto this tenant: `https://graph.microsoft.com` → the Graph URL,
    /// `https://{x}.ciamlogin.com` → the login URL. Other URLs are left alone.
    public func rebase(_ url: String) -> String {
        let graphPrefix = "https://graph.microsoft.com"
        if url.lowercased().hasPrefix(graphPrefix) {
            let rest = url.dropFirst(graphPrefix.count)
            if rest.isEmpty || rest.hasPrefix("/") || rest.hasPrefix("?") { return graphURL + rest }
        }
        return rebaseLogin(url)
    }

    /// Rewrites every `https://{x}.ciamlogin.com` in `text` onto the login URL.
    public func rebaseLogin(_ text: String) -> String {
        guard text.contains(".ciamlogin.com") else { return text }
        var output = ""
        var rest = text[...]
        while let start = rest.range(of: "https://") {
            output += rest[..<start.lowerBound]
            let afterScheme = rest[start.upperBound...]
            let hostEnd =
                afterScheme.firstIndex { $0 == "/" || $0 == "?" || $0 == "\"" || $0 == " " } ?? afterScheme.endIndex
            let host = afterScheme[..<hostEnd]
            if host.lowercased().hasSuffix(".ciamlogin.com") {
                output += loginURL
            } else {
                output += rest[start.lowerBound..<hostEnd]
            }
            rest = afterScheme[hostEnd...]
        }
        output += rest
        return output
    }

    /// Whether a request to `url` may carry this connection's Graph token: only when it goes,
    /// over HTTPS, to exactly the Graph origin the token was issued for (scheme, host, port).
    public func sendsToken(to url: String) -> Bool {
        guard let origin = Origin(url), let graph = Origin(graphURL) else { return false }
        return origin == graph
    }

    /// Whether `url` is on this tenant's sign-in host (sent without a Graph token).
    public func isSignInURL(_ url: String) -> Bool {
        guard let origin = Origin(url), let login = Origin(loginURL) else { return false }
        return origin == login
    }

    private static func trimmed(_ url: String) -> String {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }
}

/// How `tutor` obtains a Graph token.
public enum Credential: Sendable {
    /// A ready token (e.g. from `az account get-access-token`); cannot be refreshed.
    case accessToken(String)
    /// OAuth 2.0 client credentials of an app with Graph application permissions.
    case clientSecret(clientId: String, secret: String)
    /// Device code sign-in of an administrator, with a public client.
    case deviceCode(clientId: String)
}

/// The scheme, host and port of an absolute `https` URL, read strictly: a URL with userinfo,
/// a backslash, whitespace or a control character has no origin, so that no parser can be made
/// to disagree about where it goes.
public struct Origin: Sendable, Hashable, CustomStringConvertible {
    /// Lower-cased host (brackets kept for IPv6).
    public var host: String
    /// Port, 443 when the URL names none.
    public var port: Int

    /// The origin of `url`, or nil when it is not a plain `https://host[:port]` URL.
    public init?(_ url: String) {
        guard url.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && $0 != "\\" }) else {
            return nil
        }
        let prefix = "https://"
        guard url.count > prefix.count, url.prefix(prefix.count).lowercased() == prefix else { return nil }
        let rest = url.dropFirst(prefix.count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        var host = Substring(authority)
        var port = 443
        if let colon = authority.lastIndex(of: ":"), !authority[colon...].contains("]") {
            guard let number = Int(authority[authority.index(after: colon)...]), (1...65535).contains(number) else {
                return nil
            }
            port = number
            host = authority[..<colon]
        }
        guard !host.isEmpty, !host.hasSuffix(".") else { return nil }
        self.host = host.lowercased()
        self.port = port
    }

    /// `https://host:port`.
    public var description: String { "https://\(host):\(port)" }
}
