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
        switch parseScopes(scopeText) {
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
                ? page.signUpEmail(email: parameters["login_hint"] ?? "", error: nil)
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
        case let action? where SignUpAction(rawValue: action) != nil && userFlow.isSignUpAllowed:
            switch await signUpStep(SignUpAction(rawValue: action)!, form: form, request: request, page: page) {
            case .page(let response): return response
            case .signedUp(let created): user = created
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

    /// The sign-up pages' shared parts; `signUpId` rides along once the sign-up has one.
    func signUpForm(signUpId: String?) -> (form: SignInPages.SignUpForm, cookie: String?) {
        let csrf = service.csrf(for: request)
        var hidden = carried.filter { $0.0 != "prompt" }
        if let signUpId { hidden.append(("signup_id", signUpId)) }
        return (
            SignInPages.SignUpForm(
                appName: application.displayName, action: action, hidden: hidden, csrf: csrf.token,
                signInLink: link(prompt: "login")),
            csrf.cookie
        )
    }

    /// Answers one sign-up page rendered by `render`.
    func signUpPage(
        signUpId: String?, status: HTTPResponse.Status = .ok, _ render: (SignInPages.SignUpForm) -> String
    ) -> Response {
        let parts = signUpForm(signUpId: signUpId)
        return service.htmlResponse(render(parts.form), status: status, cookies: parts.cookie.map { [$0] } ?? [])
    }

    func signUpEmail(email: String, error: String?, status: HTTPResponse.Status = .ok) -> Response {
        signUpPage(signUpId: nil, status: status) { SignInPages.signUpEmail($0, email: email, error: error) }
    }
}
