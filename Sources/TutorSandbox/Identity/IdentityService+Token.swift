import Foundation
import HTTPTypes
import Hummingbird
import TutorSupport

extension IdentityService {
    /// The client's credentials: from the form (`client_secret_post`) or `Authorization: Basic`.
    func clientCredentials(form: [String: String], request: Request) -> (clientId: String?, secret: String?) {
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
        {
            let id = FormEncoding.decode(text[..<colon])
            let secret = FormEncoding.decode(text[text.index(after: colon)...])
            return (id, secret)
        }
        return (form["client_id"], form["client_secret"])
    }

    /// POST `/oauth2/v2.0/token`.
    func token(form: [String: String], request: Request) async -> Response {
        do {
            return jsonResponse(try await tokenResponse(form: form, request: request).serialized())
        } catch let error as EntraError {
            return errorResponse(error, request: request)
        } catch {
            return errorResponse(
                EntraError(
                    status: 500, error: "server_error", code: 50000,
                    message: (error as? SandboxError)?.message ?? "\(error)"), request: request)
        }
    }

    func tokenResponse(form: [String: String], request: Request) async throws -> JSONValue {
        guard let grantType = form["grant_type"], !grantType.isEmpty else {
            throw EntraError.missingParameter("grant_type")
        }
        // The first attempt to redeem a code consumes it, before anything in the request is
        // checked: a wrong secret, verifier or redirect URI leaves no second chance (RFC 6749
        // §4.1.2, §10.5: codes are single use).
        var consumedCode: PendingAuthorizationCode?
        if grantType == "authorization_code", let code = form["code"], !code.isEmpty {
            consumedCode = await store.redeemCode(code)
        }
        let credentials = clientCredentials(form: form, request: request)
        guard let clientId = credentials.clientId, !clientId.isEmpty else {
            throw EntraError.missingParameter("client_id")
        }
        guard let application = await directory.application(appId: clientId) else {
            throw EntraError.unknownApplication(clientId, tenant: tenantId)
        }
        let authenticated: Bool
        if let secret = credentials.secret, !secret.isEmpty {
            guard await directory.verifyClientSecret(appId: clientId, secret: secret) else {
                throw EntraError.invalidClientSecret(clientId)
            }
            authenticated = true
        } else {
            authenticated = false
        }

        switch grantType {
        case "client_credentials":
            guard authenticated else { throw EntraError.missingClientSecret() }
            return try await clientCredentialsGrant(clientId: clientId, scope: form["scope"])
        case "authorization_code":
            guard authenticated else { throw EntraError.missingClientSecret() }
            return try await authorizationCodeGrant(clientId: clientId, form: form, consumed: consumedCode)
        case "refresh_token":
            guard let refreshToken = form["refresh_token"], !refreshToken.isEmpty else {
                throw EntraError.missingParameter("refresh_token")
            }
            guard let grant = await store.refreshGrant(refreshToken) else { throw EntraError.badRefreshToken }
            guard grant.clientId == clientId else {
                throw EntraError.invalidGrant(code: 70000, "The refresh token was issued to a different client.")
            }
            if grant.confidential && !authenticated { throw EntraError.missingClientSecret() }
            return try await userTokens(
                clientId: clientId, appName: application.displayName, scopes: grant.scopes, user: grant.user,
                nonce: nil, confidential: grant.confidential, includeClientInfo: form["client_info"] == "1")
        case "urn:ietf:params:oauth:grant-type:device_code", "device_code":
            guard let deviceCode = form["device_code"] ?? form["code"], !deviceCode.isEmpty else {
                throw EntraError.missingParameter("device_code")
            }
            guard let flow = await store.pollDeviceFlow(deviceCode: deviceCode) else {
                throw EntraError.deviceCodeUnknown
            }
            guard flow.clientId == clientId else {
                throw EntraError.invalidGrant(code: 70000, "The device code was issued to a different client.")
            }
            switch flow.status {
            case .pending:
                throw flow.expiresAt <= Date() ? EntraError.deviceCodeExpired : EntraError.authorizationPending
            case .redeemed:
                throw EntraError.deviceCodeUnknown
            case .approved(let user):
                return try await userTokens(
                    clientId: clientId, appName: application.displayName, scopes: flow.scopes, user: user,
                    nonce: nil, confidential: authenticated, includeClientInfo: form["client_info"] == "1")
            }
        default:
            throw EntraError.unsupportedGrantType(grantType)
        }
    }

    /// Client credentials: `{resource}/.default` gives the app roles granted to the app on Graph.
    func clientCredentialsGrant(clientId: String, scope: String?) async throws -> JSONValue {
        guard let scope, !scope.isEmpty else { throw EntraError.missingParameter("scope") }
        let items = scope.split(separator: " ").map(String.init)
        guard items.count == 1, let item = items.first, item.hasSuffix("/.default") else {
            throw EntraError.clientCredentialsScope(scope)
        }
        let resource = String(item.dropLast("/.default".count))
        guard let audience = graphAudience(forResource: resource) else {
            throw EntraError.unknownResource(resource, tenant: tenantId)
        }
        guard await directory.hasServicePrincipal(appId: clientId) else {
            throw EntraError.missingServicePrincipal(clientId)
        }
        let roles = await directory.appRoles(clientAppId: clientId, resourceAppId: TokenIssuer.graphAppId)
        let servicePrincipalId = await directory.findServicePrincipal(.appId(clientId))?.id
        let accessToken = try await tokens.issueGraphAccessToken(
            for: GraphPrincipal(appId: clientId, roles: roles), servicePrincipalId: servicePrincipalId,
            audience: audience)
        return .object([
            .init("token_type", .string("Bearer")),
            .init("expires_in", .number(3599)),
            .init("ext_expires_in", .number(3599)),
            .init("access_token", .string(accessToken)),
        ])
    }

    /// Authorization code: `consumed` is what the request's code stood for (already taken out of
    /// the store), checked against the client, the redirect URI and the PKCE verifier.
    func authorizationCodeGrant(clientId: String, form: [String: String], consumed: PendingAuthorizationCode?)
        async throws -> JSONValue
    {
        guard form["code"]?.isEmpty == false else { throw EntraError.missingParameter("code") }
        guard let redirectUri = form["redirect_uri"], !redirectUri.isEmpty else {
            throw EntraError.missingParameter("redirect_uri")
        }
        guard let pending = consumed else { throw EntraError.codeRedeemedOrUnknown }
        guard pending.expiresAt > Date() else { throw EntraError.codeExpired }
        guard pending.clientId == clientId else { throw EntraError.codeForOtherClient }
        guard RedirectURIRules.normalized(redirectUri) == pending.redirectUri else {
            throw EntraError.redirectMismatchAtToken
        }
        if let challenge = pending.codeChallenge {
            guard let verifier = form["code_verifier"], !verifier.isEmpty else { throw EntraError.missingVerifier }
            guard IdentityStore.verifierMatches(verifier, challenge: challenge) else {
                throw EntraError.verifierMismatch
            }
        }
        guard let application = await directory.application(appId: clientId) else {
            throw EntraError.unknownApplication(clientId, tenant: tenantId)
        }
        return try await userTokens(
            clientId: clientId, appName: application.displayName, scopes: pending.scopes, user: pending.user,
            nonce: pending.nonce, confidential: true, includeClientInfo: form["client_info"] == "1")
    }

    /// Tokens for a signed-in user: a Graph access token with `scp`, an id token when `openid`
    /// was asked for, a refresh token for `offline_access`.
    func userTokens(
        clientId: String, appName: String, scopes: [String], user: SignedInUser, nonce: String?, confidential: Bool,
        includeClientInfo: Bool
    ) async throws -> JSONValue {
        let requested: RequestedScopes
        switch parseScopes(scopes.joined(separator: " ")) {
        case .success(let parsed): requested = parsed
        case .failure(let error): throw error
        }
        let granted: (graph: Set<String>, oidc: Set<String>)
        switch await grantedScopes(
            clientId: clientId, appName: appName, requested: requested, administrator: user.isAdministrator)
        {
        case .success(let value): granted = value
        case .failure(let error): throw error
        }
        let tokenScopes = granted.graph.union(granted.oidc.subtracting(["offline_access"]))
        let accessToken = try await tokens.issueGraphAccessToken(
            for: GraphPrincipal(
                appId: clientId, scopes: tokenScopes, userObjectId: user.subject.objectId),
            subject: user.subject, audience: requested.graphAudience,
            clientAuthentication: confidential ? .clientSecret : .publicClient)
        var responseScopes = requested.asRequested.filter { !Self.oidcScopes.contains($0.lowercased()) }
        for scope in ["openid", "profile", "email", "offline_access"] where granted.oidc.contains(scope) {
            responseScopes.append(scope)
        }
        var members: [JSONValue.JSONMember] = [
            .init("token_type", .string("Bearer")),
            .init("scope", .string(responseScopes.joined(separator: " "))),
            .init("expires_in", .number(3599)),
            .init("ext_expires_in", .number(3599)),
            .init("access_token", .string(accessToken)),
        ]
        if granted.oidc.contains("offline_access") {
            let refreshToken = await store.issueRefreshToken(
                RefreshGrant(
                    clientId: clientId, scopes: scopes, user: user, confidential: confidential,
                    expiresAt: Date().addingTimeInterval(IdentityStore.refreshLifetime)))
            members.append(.init("refresh_token", .string(refreshToken)))
        }
        if granted.oidc.contains("openid") {
            let idToken = try await tokens.issueIDToken(clientId: clientId, subject: user.subject, nonce: nonce)
            members.append(.init("id_token", .string(idToken)))
        }
        if includeClientInfo {
            members.append(.init("client_info", .string(clientInfo(for: user))))
        }
        return .object(members)
    }

    // MARK: Device code

    /// POST `/oauth2/v2.0/devicecode`: starts a device flow.
    func deviceCode(form: [String: String], request: Request) async -> Response {
        guard let clientId = form["client_id"], !clientId.isEmpty else {
            return errorResponse(EntraError.missingParameter("client_id"), request: request)
        }
        guard await directory.application(appId: clientId) != nil else {
            return errorResponse(EntraError.unknownApplication(clientId, tenant: tenantId), request: request)
        }
        guard let scope = form["scope"], !scope.isEmpty else {
            return errorResponse(EntraError.missingParameter("scope"), request: request)
        }
        let requested: RequestedScopes
        switch parseScopes(scope) {
        case .success(let parsed): requested = parsed
        case .failure(let error): return errorResponse(error, request: request)
        }
        let started: (deviceCode: String, userCode: String)
        switch await store.startDeviceFlow(clientId: clientId, scopes: requested.asRequested) {
        case .started(let deviceCode, let userCode): started = (deviceCode, userCode)
        case .tooManyForClient: return errorResponse(EntraError.loopDetected, request: request)
        case .tooManyOverall: return errorResponse(EntraError.tenantThrottled, request: request)
        }
        let verificationUri = "\(tenantBase)/oauth2/deviceauth"
        return jsonResponse(
            JSONValue.object([
                .init("user_code", .string(started.userCode)),
                .init("device_code", .string(started.deviceCode)),
                .init("verification_uri", .string(verificationUri)),
                .init("expires_in", .number(limits.deviceCodeLifetime.timeInterval.rounded(.up))),
                .init("interval", .number(5)),
                .init(
                    "message",
                    .string(
                        "To sign in, use a web browser to open the page \(verificationUri) and enter the code \(started.userCode) to authenticate."
                    )),
            ]).serialized())
    }

    func devicePage(request: Request, userCode: String, error: String?, status: HTTPResponse.Status = .ok)
        -> Response
    {
        let csrf = csrf(for: request)
        return htmlResponse(
            SignInPages.deviceCode(action: request.uri.path, csrf: csrf.token, userCode: userCode, error: error),
            status: status, cookies: csrf.cookie.map { [$0] } ?? [])
    }

    /// POST of the device code page: the user's credentials approve the code.
    func approveDevice(form: [String: String], request: Request) async -> Response {
        let userCode = form["otc"] ?? ""
        guard csrfIsValid(form: form, request: request) else {
            return devicePage(
                request: request, userCode: userCode, error: "This page expired. Please enter the code again.",
                status: .badRequest)
        }
        guard let flow = await store.deviceFlow(userCode: userCode),
            let application = await directory.application(appId: flow.clientId)
        else {
            return devicePage(
                request: request, userCode: userCode, error: "That code didn't work. Check the code and try again.")
        }
        let user: SignedInUser
        switch await checkPassword(
            email: (form["email"] ?? "").trimmingCharacters(in: .whitespaces), password: form["password"] ?? "")
        {
        case .signedIn(let found): user = SignedInUser(sandboxUser: found)
        case .wrong:
            return devicePage(
                request: request, userCode: userCode, error: "Your email address or password is incorrect.")
        case .locked(let remaining):
            return devicePage(request: request, userCode: userCode, error: Self.lockedMessage(remaining))
        }
        if case .success(let requested) = parseScopes(flow.scopes.joined(separator: " ")),
            case .failure(let error) = await grantedScopes(
                clientId: flow.clientId, appName: application.displayName, requested: requested,
                administrator: user.isAdministrator)
        {
            return devicePage(request: request, userCode: userCode, error: "AADSTS\(error.code): \(error.message)")
        }
        guard await store.approveDeviceFlow(userCode: userCode, user: user) else {
            return devicePage(
                request: request, userCode: userCode, error: "That code didn't work. Check the code and try again.")
        }
        return htmlResponse(
            SignInPages.message(
                title: application.displayName,
                text:
                    "You have signed in to the \(application.displayName) application on your device. You may now close this window.",
                id: "device-done"))
    }

    // MARK: Logout

    /// GET `/oauth2/v2.0/logout`: ends the browser session; redirects only to a URI registered
    /// by an app the session signed in to (or named by `client_id` / `id_token_hint`).
    func logout(request: Request) async -> Response {
        let parameters = FormEncoding.parse(Substring(request.uri.query ?? ""))
        let sessionId = FormEncoding.cookie(Self.sessionCookie, in: request.headers[.cookie])
        var clientIds = await store.sessionClientIds(sessionId)
        if let clientId = parameters["client_id"] { clientIds.insert(clientId) }
        if let hint = parameters["id_token_hint"], let claims = try? await tokens.validateIDToken(hint, clientId: nil) {
            clientIds.insert(claims.aud)
        }
        await store.endSession(sessionId)
        let expired = "\(Self.sessionCookie)=" + cookieAttributes(maxAge: 0)
        guard let target = parameters["post_logout_redirect_uri"], !target.isEmpty else {
            return htmlResponse(
                SignInPages.message(
                    title: "You signed out of your account",
                    text: "It's a good idea to close all browser windows.", id: "signed-out"),
                cookies: [expired])
        }
        var location: String?
        for clientId in clientIds where location == nil {
            if let application = await directory.application(appId: clientId) {
                location = Self.postLogoutTarget(target, application: application)
            }
        }
        guard var location else {
            return htmlResponse(
                SignInPages.message(
                    title: "You signed out of your account",
                    text:
                        "The post_logout_redirect_uri is not registered for the application, so you were not sent back to it.",
                    id: "signed-out"),
                cookies: [expired])
        }
        if let state = parameters["state"] {
            location += (location.contains("?") ? "&" : "?") + FormEncoding.serialize([("state", state)])
        }
        return redirect(to: location, cookies: [expired])
    }

    /// Where sign-out may send the browser for `target`: a URL on the same origin (scheme, host
    /// and port, after parsing as a browser does) as one of the app's redirect URIs or its logout
    /// URL; nil for anything else, and for any URL with userinfo, a backslash or a control
    /// character. Learn says the URL "must match one of the redirect URIs registered"
    /// (https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc#send-a-sign-out-request),
    /// but Entra redirects to a page of a registered URI's site too (MicrosoftDocs/azure-docs#37242),
    /// which Microsoft's own `identity` package relies on: it signs out to the app's home page
    /// while registering only `/getAToken`.
    static func postLogoutTarget(_ target: String, application: SandboxApplication) -> String? {
        guard let wanted = RedirectURIRules.normalized(target), case .success(let url) = RedirectURIRules.parse(wanted)
        else { return nil }
        let registered = application.signInRedirectUris + application.logoutUris
        let sameOrigin = registered.contains { candidate in
            guard let normalized = RedirectURIRules.normalized(candidate),
                case .success(let site) = RedirectURIRules.parse(normalized)
            else { return false }
            return site.scheme == url.scheme && site.host == url.host && site.port == url.port
        }
        return sameOrigin ? wanted : nil
    }
}
