import Foundation
import TutorHTTP
import TutorSupport

/// The claims of an access token that the runner reads (payload only; the signature is Graph's business).
public struct AccessTokenClaims: Sendable, Hashable {
    /// Application permissions (`roles`).
    public var roles: Set<String>
    /// Delegated permissions (`scp`, space-separated).
    public var scopes: Set<String>
    /// Expiry, if given.
    public var expiresAt: Date?
    /// Tenant id (`tid`).
    public var tenantId: String?

    /// Every permission the token carries.
    public var permissions: Set<String> { roles.union(scopes) }

    /// Decodes the JWT payload (base64url, middle part); nil when the token is not a JWT.
    public init?(token: String) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let payload = try? JSONValue.parse(data),
            payload.objectMembers != nil
        else { return nil }
        roles = Set(payload["roles"]?.arrayElements?.compactMap(\.stringValue) ?? [])
        scopes = Set((payload["scp"]?.stringValue ?? "").split(separator: " ").map(String.init))
        expiresAt = payload["exp"]?.numberValue.map { Date(timeIntervalSince1970: $0) }
        tenantId = payload["tid"]?.stringValue
    }
}

/// Obtains Graph tokens for a tenant and renews them before they expire.
public actor TokenProvider {
    private let connection: TenantConnection
    private let transport: any HTTPTransport
    private let prompt: @Sendable (String) -> Void
    private let scopes: [String]
    private var current: (token: String, expiresAt: Date)?
    private var refreshToken: String?

    /// Renew when less than this is left.
    private let margin: TimeInterval = 300

    /// Creates a provider; `prompt` shows device-code instructions; `scopes` are the delegated
    /// permissions asked for in a device-code sign-in.
    public init(
        connection: TenantConnection, transport: any HTTPTransport, scopes: [String] = [],
        prompt: @escaping @Sendable (String) -> Void
    ) {
        self.connection = connection
        self.transport = transport
        self.scopes = scopes
        self.prompt = prompt
    }

    /// A token valid for at least a few more minutes (or the given one, for `--access-token-env`).
    /// Overlapping requests that need a new one at the same time share one renewal.
    public func token(forceRefresh: Bool = false) async throws -> String {
        if !forceRefresh, let current, current.expiresAt.timeIntervalSinceNow > margin {
            return current.token
        }
        if let renewal { return try await renewal.value }
        let task = Task { try await self.renew() }
        renewal = task
        defer { renewal = nil }
        return try await task.value
    }

    /// The renewal under way, if any.
    private var renewal: Task<String, any Error>?

    private func renew() async throws -> String {
        switch connection.credential {
        case .accessToken(let token):
            if let expiry = AccessTokenClaims(token: token)?.expiresAt, expiry.timeIntervalSinceNow < 0 {
                throw RunnerError.authenticationFailed("the access token has expired; get a new one")
            }
            current = (token, .distantFuture)
            return token
        case .clientSecret(let clientId, let secret):
            let fields = [
                ("grant_type", "client_credentials"), ("client_id", clientId), ("client_secret", secret),
                ("scope", "\(graphResource)/.default"),
            ]
            return try await requestToken(fields)
        case .deviceCode(let clientId):
            if let refreshToken {
                return try await requestToken([
                    ("grant_type", "refresh_token"), ("client_id", clientId), ("refresh_token", refreshToken),
                    ("scope", scopeParameter),
                ])
            }
            return try await deviceCodeSignIn(clientId: clientId)
        }
    }

    private var graphResource: String {
        // Tokens are always for the Graph resource, whatever host serves it (sandbox, national cloud).
        connection.isSandbox ? "https://graph.microsoft.com" : connection.graphURL
    }

    private var scopeParameter: String {
        (scopes.map { "\(graphResource)/\($0)" } + ["offline_access"]).joined(separator: " ")
    }

    private func post(_ url: String, _ fields: [(String, String)]) async throws -> (Int, JSONValue?) {
        let body = fields.map { "\(PercentEncoding.unreserved($0.0))=\(PercentEncoding.unreserved($0.1))" }.joined(
            separator: "&")
        let request = HTTPRequest(
            method: "POST", url: url,
            headers: [
                HTTPHeader("Content-Type", "application/x-www-form-urlencoded"),
                HTTPHeader("Accept", "application/json"),
            ], body: Data(body.utf8), sendOnlyOnce: false)
        // Token requests create nothing: a lost one is simply sent again, a few times.
        var attempt = 0
        while true {
            attempt += 1
            do {
                let response = try await transport.send(request)
                return (response.status, try? JSONValue.parse(response.body))
            } catch let error as HTTPTransportError {
                switch error.kind {
                case .tls:
                    throw RunnerError.unreachable(
                        "\(connection.authority): TLS failed (\(error.message)); is its CA trusted? (--ca-file)")
                case .connectionLost where attempt < 4, .timedOut where attempt < 4:
                    try await Task.sleep(for: RetryPolicy().backoff(attempt: attempt))
                default:
                    throw RunnerError.unreachable("\(connection.authority): \(error.message)")
                }
            }
        }
    }

    private func requestToken(_ fields: [(String, String)]) async throws -> String {
        var attempt = 0
        while true {
            attempt += 1
            let (status, body) = try await post(connection.tokenEndpoint, fields)
            if RetryPolicy.isTransient(status) && attempt < 5 {
                try await Task.sleep(for: RetryPolicy().backoff(attempt: attempt))
                continue
            }
            guard status == 200, let token = body?["access_token"]?.stringValue else {
                let code = body?["error"]?.stringValue ?? "HTTP \(status)"
                let description = body?["error_description"]?.stringValue ?? ""
                if status == 404 || body == nil {
                    throw RunnerError.unreachable("no token endpoint at \(connection.tokenEndpoint) (HTTP \(status))")
                }
                throw RunnerError.authenticationFailed("\(code): \(firstLine(description))")
            }
            let lifetime = body?["expires_in"]?.numberValue ?? Double(body?["expires_in"]?.stringValue ?? "") ?? 3600
            let claimsExpiry = AccessTokenClaims(token: token)?.expiresAt
            current = (token, claimsExpiry ?? Date().addingTimeInterval(lifetime))
            if let refresh = body?["refresh_token"]?.stringValue { refreshToken = refresh }
            return token
        }
    }

    private func deviceCodeSignIn(clientId: String) async throws -> String {
        let (status, body) = try await post(
            connection.deviceCodeEndpoint, [("client_id", clientId), ("scope", scopeParameter)])
        guard status == 200, let deviceCode = body?["device_code"]?.stringValue else {
            throw RunnerError.authenticationFailed(
                "device code request failed: \(body?["error"]?.stringValue ?? "HTTP \(status)")")
        }
        prompt(
            body?["message"]?.stringValue
                ?? "To sign in, open \(body?["verification_uri"]?.stringValue ?? "the verification page") and enter the code \(body?["user_code"]?.stringValue ?? "")."
        )
        var interval = body?["interval"]?.numberValue ?? 5
        let expiresIn = body?["expires_in"]?.numberValue ?? 900
        let deadline = Date().addingTimeInterval(expiresIn)
        while Date() < deadline {
            try await Task.sleep(for: .milliseconds(Int64(interval * 1000)))
            let (status, body) = try await post(
                connection.tokenEndpoint,
                [
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), ("client_id", clientId),
                    ("device_code", deviceCode),
                ])
            if status == 200, let token = body?["access_token"]?.stringValue {
                let lifetime = body?["expires_in"]?.numberValue ?? 3600
                current = (token, AccessTokenClaims(token: token)?.expiresAt ?? Date().addingTimeInterval(lifetime))
                refreshToken = body?["refresh_token"]?.stringValue
                return token
            }
            switch body?["error"]?.stringValue {
            case "authorization_pending": continue
            case "slow_down": interval += 5
            default:
                throw RunnerError.authenticationFailed(
                    "\(body?["error"]?.stringValue ?? "HTTP \(status)"): \(firstLine(body?["error_description"]?.stringValue ?? ""))"
                )
            }
        }
        throw RunnerError.authenticationFailed("the device code expired before sign-in finished")
    }

    private func firstLine(_ text: String) -> String {
        String(text.split(separator: "\n").first ?? "")
    }
}
