/// Which redirect URIs an application may register, and where the sign-in endpoints may send a
/// browser: only to a registered URI, compared after parsing both as a browser does
/// (`BrowserURL`), so that the URI checked is the URI the browser loads.
enum RedirectURIRules {
    /// The application properties that hold redirect URIs.
    enum Platform: String, Sendable, CaseIterable {
        case web, spa, publicClient

        /// Web and single-page apps need https (http only on the loopback); public clients may
        /// also use their own schemes (`msal{appId}://auth`).
        var allowsCustomSchemes: Bool { self == .publicClient }
    }

    /// Longest redirect URI Entra accepts.
    static let maximumLength = 256

    /// Why `text` cannot be registered for `platform`, or nil when it can.
    ///
    /// Entra's rules (https://learn.microsoft.com/entra/identity-platform/reply-url): at most 256
    /// characters, https unless the host is the loopback, no wildcard, no fragment, none of
    /// `! $ ' ( ) , ;`. The sandbox also refuses what makes browsers and other parsers disagree
    /// on the target: userinfo (`user@`), backslashes, spaces and control characters.
    static func problem(_ text: String, platform: Platform) -> String? {
        if text.count > maximumLength { return "longer than \(maximumLength) characters" }
        if let reason = unsafeCharacter(in: text) { return reason }
        if text.contains("*") { return "a wildcard" }
        if text.contains("#") { return "a fragment" }
        if text.contains(where: { "!$'(),;".contains($0) }) {
            return "a character Entra does not support (! $ ' ( ) , ;)"
        }
        switch parse(text) {
        case .success(let url):
            if url.hasUserinfo { return "userinfo (an '@' before the host)" }
            if url.scheme == .http, !url.isLoopback { return "http on a host other than the loopback" }
            return nil
        case .failure(.otherScheme), .failure(.missingScheme):
            guard platform.allowsCustomSchemes else { return "not an https URL" }
            guard let colon = text.firstIndex(of: ":"), text[text.index(after: colon)...].hasPrefix("/") else {
                return "not an absolute URI"
            }
            return text.contains("@") ? "userinfo (an '@' before the host)" : nil
        case .failure(let failure):
            return "not a URL a browser can load (\(failure))"
        }
    }

    /// The form to send the browser to when `target` names one of `registered`, else nil.
    /// http(s) URIs are equal when browsers parse them to the same URL (scheme and host case and
    /// a default port do not matter; the path, query and their case do); other schemes must
    /// match character for character.
    static func registeredMatch(_ target: String, among registered: [String]) -> String? {
        guard let wanted = normalized(target) else { return nil }
        return registered.contains { normalized($0) == wanted } ? wanted : nil
    }

    /// A redirect URI as the sandbox compares and sends it, or nil when it is not safe to send.
    static func normalized(_ text: String) -> String? {
        guard unsafeCharacter(in: text) == nil else { return nil }
        switch parse(text) {
        case .success(let url): return url.hasUserinfo ? nil : url.href
        case .failure(.otherScheme): return text.contains("@") ? nil : text
        case .failure: return nil
        }
    }

    static func parse(_ text: String) -> Result<BrowserURL, BrowserURL.Failure> {
        Result { () throws(BrowserURL.Failure) in try BrowserURL.parse(text) }
    }

    /// Control characters, spaces and backslashes: parsers disagree about all of them.
    static func unsafeCharacter(in text: String) -> String? {
        for scalar in text.unicodeScalars {
            if scalar.value <= 0x20 || (0x7F...0x9F).contains(scalar.value) {
                return scalar == " " ? "a space" : "a control character"
            }
            if scalar == "\\" { return "a backslash" }
        }
        return nil
    }
}
