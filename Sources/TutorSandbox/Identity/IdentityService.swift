import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import TutorSupport

/// The sign-in side of the sandbox tenant, shaped like a CIAM tenant's endpoints under
/// `/{tenant}` (the tenant id or `{subdomain}.onmicrosoft.com`): OpenID discovery, JWKS,
/// authorize (sign-in / sign-up pages), token, device code, device verification and logout.
public struct IdentityService: Sendable {
    let directory: TenantDirectory
    let tokens: TokenIssuer
    let store: IdentityStore
    let tenantId: String
    let subdomain: String
    /// Keys the CSRF tokens of this server process's forms.
    let formKey: SymmetricKey

    /// OIDC scopes; `profile` and `email` come with `openid`, the others need consent.
    static let oidcScopes: Set<String> = ["openid", "profile", "email", "offline_access"]

    /// Smart lockout of the password forms.
    let lockout: SignInLockout
    /// Device code caps, lockout threshold and duration.
    let limits: IdentityLimits
    /// Where sign-up's one-time codes are "sent".
    let mailbox: SandboxMailbox

    /// Creates the service for the tenant in `directory`, signing with `tokens`, mailing codes
    /// to `mailbox`.
    public init(
        directory: TenantDirectory, tokens: TokenIssuer, tenantId: String, subdomain: String,
        mailbox: SandboxMailbox, limits: IdentityLimits = .standard
    ) {
        self.directory = directory
        self.mailbox = mailbox
        self.tokens = tokens
        self.limits = limits
        self.store = IdentityStore(limits: limits)
        self.lockout = SignInLockout(threshold: limits.lockoutThreshold, duration: limits.lockoutDuration)
        self.tenantId = tenantId
        self.subdomain = subdomain
        self.formKey = SymmetricKey(size: .bits256)
    }

    /// Registers the identity routes on `router`: the ones under `/{tenant}` as a route group
    /// whose middleware checks the tenant once (`TenantMiddleware`), and the userinfo endpoints,
    /// which Graph hosts and which do not look at the tenant segment.
    public func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        for path in ["oidc/userinfo", ":tenant/openid/userinfo"] {
            for method: HTTPRequest.Method in [.get, .post] {
                router.on(RouterPath(path), method: method) { request, _ in
                    try await userInfo(request: request)
                }
            }
        }
        let tenant = router.group(":tenant").add(middleware: TenantMiddleware(service: self))
        tenant.get("v2.0/.well-known/openid-configuration") { _, _ in
            jsonResponse(openIDConfiguration().serialized())
        }
        // The v1 document, which the `identity` package reads to find `end_session_endpoint`.
        tenant.get(".well-known/openid-configuration") { _, _ in
            jsonResponse(v1OpenIDConfiguration().serialized())
        }
        for path in ["oauth2/authorize", "oauth2/token", "oauth2/devicecode"] {
            for method: HTTPRequest.Method in [.get, .post] {
                tenant.on(RouterPath(path), method: method) { request, _ in
                    v1EndpointAnswer(request: request)
                }
            }
        }
        for path in ["discovery/v2.0/keys", "discovery/keys"] {
            tenant.get(RouterPath(path)) { _, _ in
                jsonResponse(tokens.jwksJSON.serialized())
            }
        }
        tenant.get("oauth2/v2.0/authorize") { request, _ in
            let parameters = FormEncoding.parse(Substring(request.uri.query ?? ""))
            return await authorize(parameters: parameters, request: request, form: nil)
        }
        tenant.post("oauth2/v2.0/authorize") { request, context in
            let form = try await formBody(request, context: context)
            if form["sandbox_action"] == nil {
                // A plain OIDC authorization request sent as a form post.
                return await authorize(parameters: form, request: request, form: nil)
            }
            return await authorize(parameters: form, request: request, form: form)
        }
        tenant.post("oauth2/v2.0/token") { request, context in
            let form = try await formBody(request, context: context)
            return await token(form: form, request: request)
        }
        tenant.post("oauth2/v2.0/devicecode") { request, context in
            let form = try await formBody(request, context: context)
            return await deviceCode(form: form, request: request)
        }
        tenant.get("oauth2/deviceauth") { request, _ in
            let parameters = FormEncoding.parse(Substring(request.uri.query ?? ""))
            return devicePage(request: request, userCode: parameters["otc"] ?? "", error: nil)
        }
        tenant.post("oauth2/deviceauth") { request, context in
            let form = try await formBody(request, context: context)
            return await approveDevice(form: form, request: request)
        }
        for path in ["oauth2/v2.0/logout", "oauth2/logout"] {
            tenant.get(RouterPath(path)) { request, _ in
                await logout(request: request)
            }
        }
    }

    // MARK: Tenant and discovery

    /// A tenant path segment names this tenant: its id or `{subdomain}.onmicrosoft.com`.
    func isThisTenant(_ segment: String) -> Bool {
        let lowered = segment.lowercased()
        return lowered == tenantId.lowercased() || lowered == "\(subdomain.lowercased()).onmicrosoft.com"
    }

    var tenantBase: String { "\(tokens.origin)/\(tenantId)" }

    // MARK: Helpers

    /// Largest form body the sign-in endpoints read.
    static let maximumFormSize = 1 << 20

    func formBody<Context: RequestContext>(_ request: Request, context: Context) async throws -> [String: String] {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("application/x-www-form-urlencoded") else {
            throw EntraHTTPError(
                EntraError(
                    status: 400, error: "invalid_request", code: 900144,
                    message: "The request body must be application/x-www-form-urlencoded."))
        }
        var buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: Self.maximumFormSize)
        } catch {
            throw EntraHTTPError(EntraError.requestTooLarge(limit: Self.maximumFormSize))
        }
        let text = buffer.readString(length: buffer.readableBytes) ?? ""
        return FormEncoding.parse(Substring(text))
    }

    func jsonResponse(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store, no-cache"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func htmlResponse(_ html: String, status: HTTPResponse.Status = .ok, cookies: [String] = []) -> Response {
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-store, no-cache",
            .init("X-Frame-Options")!: "DENY",
        ]
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    func redirect(to location: String, cookies: [String] = []) -> Response {
        var headers: HTTPFields = [.location: location, .cacheControl: "no-store, no-cache"]
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: .found, headers: headers)
    }

    func errorResponse(_ error: EntraError, request: Request) -> Response {
        let correlation = request.headers[.init("client-request-id")!] ?? UUID().uuidString.lowercased()
        var response = jsonResponse(
            error.body(traceId: UUID().uuidString.lowercased(), correlationId: correlation),
            status: HTTPResponse.Status(code: error.status))
        if error.status == 401 { response.headers[.wwwAuthenticate] = "Basic realm=\"\(tenantId)\"" }
        if error.status == 429 { response.headers[.retryAfter] = "60" }
        return response
    }

    // MARK: CSRF

    static let csrfCookie = "sandbox_csrf"
    static let sessionCookie = "sandbox_session"

    func cookieAttributes(maxAge: Int? = nil) -> String {
        "; Path=/; Secure; HttpOnly; SameSite=Lax" + (maxAge.map { "; Max-Age=\($0)" } ?? "")
    }

    /// The browser's CSRF cookie (made when missing) and the form token bound to it.
    func csrf(for request: Request) -> (cookie: String?, token: String) {
        if let existing = FormEncoding.cookie(Self.csrfCookie, in: request.headers[.cookie]), !existing.isEmpty {
            return (nil, csrfToken(for: existing))
        }
        let value = FormEncoding.randomToken()
        return ("\(Self.csrfCookie)=\(value)" + cookieAttributes(), csrfToken(for: value))
    }

    func csrfToken(for cookie: String) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Data(cookie.utf8), using: formKey)).base64URLEncoded()
    }

    func csrfIsValid(form: [String: String], request: Request) -> Bool {
        guard let cookie = FormEncoding.cookie(Self.csrfCookie, in: request.headers[.cookie]), !cookie.isEmpty,
            let token = form["csrf_token"]
        else { return false }
        let expected = csrfToken(for: cookie)
        return Data(expected.utf8).withUnsafeBytes { expectedBytes in
            Data(token.utf8).withUnsafeBytes { tokenBytes in
                expectedBytes.count == tokenBytes.count
                    && zip(expectedBytes, tokenBytes).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
            }
        }
    }
}

/// Checks once, for every route under `/{tenant}`, that the segment names this tenant; any
/// other is Entra's `invalid_tenant` (AADSTS90002).
struct TenantMiddleware<Context: RequestContext>: RouterMiddleware {
    let service: IdentityService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let segment = context.parameters.get("tenant") ?? ""
        guard service.isThisTenant(segment) else {
            throw EntraHTTPError(
                EntraError(
                    status: 400, error: "invalid_tenant", code: 90002,
                    message:
                        "Tenant '\(segment)' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
                ))
        }
        return try await next(request, context)
    }
}

/// An `EntraError` thrown from a route, answered with Entra's JSON body.
struct EntraHTTPError: HTTPResponseError {
    let error: EntraError

    init(_ error: EntraError) {
        self.error = error
    }

    var status: HTTPResponse.Status { HTTPResponse.Status(code: error.status) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let traceId = UUID().uuidString.lowercased()
        let correlationId = request.headers[.init("client-request-id")!] ?? UUID().uuidString.lowercased()
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: error.body(traceId: traceId, correlationId: correlationId))))
    }
}
