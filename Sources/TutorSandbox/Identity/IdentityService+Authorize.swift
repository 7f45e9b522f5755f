import Foundation
import HTTPTypes
import Hummingbird
import TutorSupport

extension IdentityService {
    /// The OIDC parameters an authorization request carries through the sign-in forms.
    static let carriedParameters = [
        "client_id", "response_type", "redirect_uri", "scope", "state", "nonce", "code_challenge",
        "code_challenge_method", "response_mode", "prompt", "login_hint", "client_info", "claims", "domain_hint",
    ]

    /// Scopes the app asked for, split into OIDC scopes and Microsoft Graph permissions.
    struct RequestedScopes: Sendable {
        var asRequested: [String]
        var oidc: Set<String>
        var graph: Set<String>
        var graphDefault: Bool
    }

    /// Parses a `scope` parameter; nil when it names a resource other than Microsoft Graph.
    static func parseScopes(_ scope: String) -> Result<RequestedScopes, EntraError> {
        var scopes = RequestedScopes(asRequested: [], oidc: [], graph: [], graphDefault: false)
        for item in scope.split(whereSeparator: { $0 == " " || $0 == "+" }).map(String.init) where !item.isEmpty {
            scopes.asRequested.append(item)
            if oidcScopes.contains(item.lowercased()) {
                scopes.oidc.insert(item.lowercased())
                continue
            }
            var permission = item
            for prefix in ["\(TokenIssuer.graphResource)/", "\(TokenIssuer.graphAppId)/"]
            where item.lowercased().hasPrefix(prefix.lowercased()) {
                permission = String(item.dropFirst(prefix.count))
            }
            if permission.contains("/") || permission.contains(":") {
                let resource = String(item[..<(item.lastIndex(of: "/") ?? item.endIndex)])
                return .failure(
                    EntraError(
                        status: 400, error: "invalid_resource", code: 500011,
                        message:
                            "The resource principal named \(resource) was not found in the tenant. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant."
                    ))
            }
            if permission == ".default" {
                scopes.graphDefault = true
            } else {
                scopes.graph.insert(permission)
            }
        }
        return .success(scopes)
    }

    /// The delegated permissions the app gets for `requested`, or the consent error Entra gives.
    /// `openid` and `offline_access` need a grant as Graph permissions do (a CIAM tenant's users
    /// cannot consent); an administrator consents for themself.
    func grantedScopes(clientId: String, appName: String, requested: RequestedScopes, administrator: Bool) async
        -> Result<(graph: Set<String>, oidc: Set<String>), EntraError>
    {
        let granted = await directory.delegatedScopes(clientAppId: clientId, resourceAppId: TokenIssuer.graphAppId)
        let grantedLowered = Set(granted.map { $0.lowercased() })
        var needed = requested.oidc.intersection(["openid", "offline_access"])
        for scope in requested.graph { needed.insert(scope) }
        let missing = needed.filter { !grantedLowered.contains($0.lowercased()) }
        if !missing.isEmpty && !administrator {
            return .failure(
                EntraError(
                    status: 400, error: "invalid_grant", code: 65001,
                    message:
                        "The user or administrator has not consented to use the application with ID '\(clientId)' named '\(appName)'. Send an interactive authorization request for this user and resource."
                ))
        }
        var graph = Set(requested.graph.filter { grantedLowered.contains($0.lowercased()) || administrator })
        if requested.graphDefault {
            graph.formUnion(granted.filter { !Self.oidcScopes.contains($0.lowercased()) })
        }
        var oidc = requested.oidc
        if oidc.contains("openid") {
            oidc.formUnion(["profile", "email"])
        }
        return .success((graph, oidc))
    }

    /// GET (and form POST) of `/oauth2/v2.0/authorize`: checks the request, shows the sign-in or
    /// sign-up form, and on a valid form answers the app's redirect URI with a code.
    func authorize(parameters: [String: String], request: Request, form: [String: String]?) async -> Response {
        guard let clientId = parameters["client_id"], !clientId.isEmpty else {
            return htmlResponse(
                SignInPages.error(
                    code: 900144, message: "The request body must contain the following parameter: 'client_id'."),
                status: .badRequest)
        }
        guard let application = await directory.application(appId: clientId) else {
            let error = EntraError.unknownApplication(clientId, tenant: tenantId)
            return htmlResponse(SignInPages.error(code: error.code, message: error.message), status: .badRequest)
        }
        let requestedRedirectUri = parameters["redirect_uri"] ?? ""
        // Compared as browsers parse both; the reply goes to that parsed form, nothing else.
        guard
            let redirectUri = RedirectURIRules.registeredMatch(
                requestedRedirectUri, among: application.signInRedirectUris)
        else {
            return htmlResponse(
                SignInPages.error(
                    code: 50011,
                    message:
                        "The redirect URI '\(requestedRedirectUri)' specified in the request does not match the redirect URIs configured for the application '\(clientId)'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this."
                ), status: .badRequest)
        }
        // From here on, errors go back to the app.
        let reply = AuthorizationReply(
            redirectUri: redirectUri, state: parameters["state"], mode: parameters["response_mode"] ?? "query")
        guard parameters["response_type"] == "code" else {
            return reply.send(
                error: "unsupported_response_type",
                description:
                    "AADSTS700054: response_type '\(parameters["response_type"] ?? "")' is not enabled for the application; the sandbox supports 'code'.",
                service: self)
        }
        guard let scopeText = parameters["scope"], !scopeText.isEmpty else {
            return reply.send(
                error: "invalid_request",
                description: "AADSTS900144: The request body must contain the following parameter: 'scope'.",
                service: self)
        }
        if let challenge = parameters["code_challenge"] {
            guard parameters["code_challenge_method"] == "S256" else {
                return reply.send(
                    error: "invalid_request",
                    description:
                        "AADSTS501491: The code_challenge_method must be 'S256'; the sandbox does not accept 'plain'.",
                    service: self)
            }
            guard challenge.count == 43, challenge.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            else {
                return reply.send(
                    error: "invalid_request", description: "AADSTS501491: Invalid size of Code_Challenge parameter.",
                    service: self)
            }
        }
        let requested: RequestedScopes
        switch Self.parseScopes(scopeText) {
        case .success(let scopes): requested = scopes
        case .failure(let error):
            return reply.send(error: error.error, description: "AADSTS\(error.code): \(error.message)", service: self)
        }
        if case .failure(let error) = await grantedScopes(
            clientId: clientId, appName: application.displayName, requested: requested, administrator: false)
        {
            return reply.send(
                error: "consent_required", description: "AADSTS\(error.code): \(error.message)", service: self)
        }
        guard let userFlow = await directory.userFlow(forAppId: clientId) else {
            return htmlResponse(
                SignInPages.error(
                    code: nil,
                    message:
                        "The application '\(application.displayName)' (\(clientId)) is not part of any user flow in this tenant, so no one can sign in to it. Add it to a user flow first (identity/authenticationEventsFlows/{id}/conditions/applications/includeApplications)."
                ), status: .badRequest)
        }

        if form == nil, parameters["prompt"] == "none" {
            // The sandbox keeps no single sign-on for silent requests: the user must interact.
            return reply.send(
                error: "login_required",
                description:
                    "AADSTS50058: A silent sign-in request was sent but no user is signed in.", service: self)
        }
        let carried = Self.carriedParameters.compactMap { name in parameters[name].map { (name, $0) } }
        let page = SignInPageContext(
            service: self, request: request, application: application, userFlow: userFlow, carried: carried)
        guard let form else {
            let wantsSignUp = parameters["prompt"] == "create" && userFlow.isSignUpAllowed
            return wantsSignUp
                ? page.signUp(values: [:], error: nil)
                : page.signIn(email: parameters["login_hint"] ?? "", error: nil)
        }
        guard csrfIsValid(form: form, request: request) else {
            return page.signIn(
                email: "", error: "Your sign-in page expired or was opened from another site. Please try again.",
                status: .badRequest)
        }
        let email = (form["email"] ?? "").trimmingCharacters(in: .whitespaces)
        let password = form["password"] ?? ""
        let user: SignedInUser
        switch form["sandbox_action"] {
        case "signup" where userFlow.isSignUpAllowed:
            var values: [String: String] = ["email": email]
            for attribute in userFlow.attributesToCollect where attribute != "email" {
                values[attribute] = (form["attr_\(attribute)"] ?? "").trimmingCharacters(in: .whitespaces)
            }
            if let problem = await signUpProblem(
                email: email, password: password, form: form, values: values, flow: userFlow)
            {
                return page.signUp(values: values, error: problem, status: .badRequest)
            }
            var attributes = values
            attributes["email"] = nil
            let displayName = attributes.removeValue(forKey: "displayName") ?? email
            do {
                let created = try await directory.createLocalUser(
                    email: email, password: password, displayName: displayName, attributes: attributes)
                user = SignedInUser(sandboxUser: created)
            } catch {
                return page.signUp(values: values, error: "\(error)", status: .badRequest)
            }
        case "signin":
            switch await checkPassword(email: email, password: password) {
            case .signedIn(let found): user = SignedInUser(sandboxUser: found)
            case .wrong:
                return page.signIn(email: email, error: "Your email address or password is incorrect.", status: .ok)
            case .locked(let remaining):
                return page.signIn(email: email, error: Self.lockedMessage(remaining), status: .ok)
            }
        default:
            return page.signIn(email: email, error: "Sign-up is not allowed for this application.", status: .badRequest)
        }

        let code = await store.issueCode(
            PendingAuthorizationCode(
                clientId: clientId, redirectUri: redirectUri, codeChallenge: parameters["code_challenge"],
                scopes: requested.asRequested, nonce: parameters["nonce"], user: user,
                expiresAt: Date().addingTimeInterval(IdentityStore.codeLifetime)))
        let session = await store.recordSignIn(
            sessionId: FormEncoding.cookie(Self.sessionCookie, in: request.headers[.cookie]), user: user,
            clientId: clientId)
        var fields = [("code", code)]
        if parameters["client_info"] == "1" { fields.append(("client_info", clientInfo(for: user))) }
        return reply.send(
            fields: fields, service: self, cookies: ["\(Self.sessionCookie)=\(session)" + cookieAttributes()])
    }

    /// Why a sign-up form cannot be accepted, or nil.
    func signUpProblem(
        email: String, password: String, form: [String: String], values: [String: String], flow: SandboxUserFlow
    ) async -> String? {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !email.contains(" ") else {
            return "Please enter a valid email address."
        }
        if await directory.userExists(email: email) {
            return "A user with this email address already exists. Sign in instead."
        }
        if let problem = Self.passwordProblem(password) { return problem }
        guard form["confirm_password"] == password else { return "The passwords do not match." }
        for attribute in flow.attributesToCollect where attribute != "email" {
            if (values[attribute] ?? "").isEmpty {
                return "\(SignInPages.attributeLabels[attribute] ?? attribute) is required."
            }
        }
        return nil
    }

    /// Entra's password rule for local accounts: 8 to 256 characters, three of four kinds.
    static func passwordProblem(_ password: String) -> String? {
        let kinds = [
            password.contains(where: \.isLowercase), password.contains(where: \.isUppercase),
            password.contains(where: \.isNumber),
            password.contains(where: { !$0.isLetter && !$0.isNumber && !$0.isWhitespace }),
        ].filter { $0 }.count
        if password.count < 8 || password.count > 256 || kinds < 3 {
            return
                "The password must be 8 to 256 characters long and contain three of: lowercase letters, uppercase letters, digits, symbols."
        }
        return nil
    }

    /// The `client_info` MSAL asks for: base64url JSON with the user's `uid` and tenant `utid`.
    func clientInfo(for user: SignedInUser) -> String {
        let json = JSONValue.object([.init("uid", .string(user.subject.objectId)), .init("utid", .string(tenantId))])
        return Data(json.serialized().utf8).base64URLEncoded()
    }
}

/// Where and how the authorization response goes back to the app.
struct AuthorizationReply {
    var redirectUri: String
    var state: String?
    var mode: String

    func send(error: String, description: String, service: IdentityService) -> Response {
        send(fields: [("error", error), ("error_description", description)], service: service, cookies: [])
    }

    func send(fields: [(String, String)], service: IdentityService, cookies: [String]) -> Response {
        var all = fields
        if let state { all.append(("state", state)) }
        switch mode {
        case "form_post":
            return service.htmlResponse(SignInPages.formPost(to: redirectUri, fields: all), cookies: cookies)
        case "fragment":
            return service.redirect(to: redirectUri + "#" + FormEncoding.serialize(all), cookies: cookies)
        default:
            let separator = redirectUri.contains("?") ? "&" : "?"
            return service.redirect(to: redirectUri + separator + FormEncoding.serialize(all), cookies: cookies)
        }
    }
}

/// Renders the sign-in and sign-up pages for one authorization request.
struct SignInPageContext {
    var service: IdentityService
    var request: Request
    var application: SandboxApplication
    var userFlow: SandboxUserFlow
    var carried: [(String, String)]

    var action: String { request.uri.path }

    func link(prompt: String) -> String {
        var parameters = carried.filter { $0.0 != "prompt" }
        parameters.append(("prompt", prompt))
        return action + "?" + FormEncoding.serialize(parameters)
    }

    func signIn(email: String, error: String?, status: HTTPResponse.Status = .ok) -> Response {
        let csrf = service.csrf(for: request)
        let html = SignInPages.signIn(
            appName: application.displayName, action: action, hidden: carried, csrf: csrf.token, email: email,
            error: error, signUpLink: userFlow.isSignUpAllowed ? link(prompt: "create") : nil)
        return service.htmlResponse(html, status: status, cookies: csrf.cookie.map { [$0] } ?? [])
    }

    func signUp(values: [String: String], error: String?, status: HTTPResponse.Status = .ok) -> Response {
        let csrf = service.csrf(for: request)
        let html = SignInPages.signUp(
            appName: application.displayName, action: action, hidden: carried.filter { $0.0 != "prompt" },
            csrf: csrf.token, attributes: userFlow.attributesToCollect, values: values, error: error,
            signInLink: link(prompt: "login"))
        return service.htmlResponse(html, status: status, cookies: csrf.cookie.map { [$0] } ?? [])
    }
}
