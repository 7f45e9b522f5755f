import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TutorSupport

@testable import TutorSandbox

/// An in-memory tenant with the identity routes (and Graph) on a router, for socket-free tests.
struct IdentityHarness: Sendable {
    let identity: SandboxTenantIdentity
    let adminSecret: String
    let directory: TenantDirectory
    let tokens: TokenIssuer
    /// Where the sign-up codes go.
    let mailbox: SandboxMailbox

    static let origin = "https://localhost:8443"

    static func make() async throws -> IdentityHarness {
        let identity = SandboxTenantIdentity.random()
        let secret = SecretHasher.newClientSecret()
        let state = TenantDirectory.bootstrap(
            tenantId: identity.tenantId, subdomain: identity.subdomain, adminAppId: identity.adminClientId,
            adminSecret: secret)
        let directory = TenantDirectory(state: state, stateFile: nil)
        let tokens = try await TokenIssuer(
            privateKeyPEM: try MemoryKey.shared.pem(), tenantId: identity.tenantId, origin: origin)
        return IdentityHarness(
            identity: identity, adminSecret: secret, directory: directory, tokens: tokens, mailbox: try SandboxMailbox()
        )
    }

    var base: String { "/\(identity.tenantId)" }
    var adminEmail: String { "admin@\(identity.subdomain).onmicrosoft.com" }

    /// The sign-in service over this tenant.
    func service(limits: IdentityLimits = .standard) -> IdentityService {
        IdentityService(
            directory: directory, tokens: tokens, tenantId: identity.tenantId, subdomain: identity.subdomain,
            mailbox: mailbox, limits: limits)
    }

    /// Runs `body` with a client that talks to the router without sockets.
    func test<Value: Sendable>(
        limits: IdentityLimits = .standard, _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        let router = Router(context: SandboxRequestContext.self)
        GraphAPI(directory: directory, tokens: tokens).addRoutes(to: router)
        service(limits: limits).addRoutes(to: router)
        return try await Application(router: router).test(.router) { client in try await body(client) }
    }

    /// A registered web app with a secret, a service principal, a delegated grant on Graph and,
    /// unless `userFlow` is false, a user flow.
    func registerApp(
        redirectUri: String = "http://localhost:5000/getAToken", scopes: String = "openid offline_access User.Read",
        userFlow: Bool = true, signUpAllowed: Bool = true, attributes: [String] = ["email", "displayName"]
    ) async throws -> (appId: String, secret: String) {
        let app = try await directory.createApplication(
            [
                ("displayName", .string("test app")),
                ("web", .object([.init("redirectUris", .array([.string(redirectUri)]))])),
            ], lag: .zero)
        let secret = try await directory.addPassword(.id(app.id), displayName: "test", start: nil, end: nil).secret
        let principal = try await directory.createServicePrincipal([("appId", .string(app.appId))], lag: .zero)
        let graph = try #require(await directory.findServicePrincipal(.appId(TokenIssuer.graphAppId)))
        _ = try await directory.createGrant(
            [
                ("clientId", .string(principal.id)), ("consentType", .string("AllPrincipals")),
                ("resourceId", .string(graph.id)), ("scope", .string(scopes)),
            ], lag: .zero)
        if userFlow {
            let flow = try await directory.createUserFlow(
                SandboxUserFlow(
                    id: UUID().uuidString.lowercased(), displayName: "flow \(app.appId.prefix(6))", description: nil,
                    isSignUpAllowed: signUpAllowed, identityProviders: ["EmailPassword-OAUTH"], attributes: attributes,
                    attributeCollectionPage: nil, userTypeToCreate: nil, includeApplications: [],
                    createdDateTime: Date()),
                lag: .zero)
            try await directory.addApplication(appId: app.appId, toUserFlow: flow.id)
        }
        return (app.appId, secret)
    }
}

/// Requests and answers in the shapes the identity endpoints use.
extension TestClientProtocol {
    func get(_ uri: String, cookies: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let cookies { headers[.cookie] = cookies }
        return try await execute(uri: uri, method: .get, headers: headers)
    }

    func postForm(_ uri: String, _ fields: [(String, String)], cookies: String? = nil, headers extra: HTTPFields = [:])
        async throws -> TestResponse
    {
        var headers = extra
        headers[.contentType] = "application/x-www-form-urlencoded"
        if let cookies { headers[.cookie] = cookies }
        return try await execute(
            uri: uri, method: .post, headers: headers, body: ByteBuffer(string: FormEncoding.serialize(fields)))
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    var json: JSONValue { (try? JSONValue.parse(text)) ?? .null }

    /// `name=value` pairs of the Set-Cookie headers, ready for a Cookie header.
    var cookies: String {
        headers[values: .setCookie].compactMap { $0.split(separator: ";").first.map(String.init) }.joined(
            separator: "; ")
    }

    /// The query parameters of the Location header.
    var locationParameters: [String: String] {
        guard let location = headers[.location], let query = location.split(separator: "?", maxSplits: 1).last
        else { return [:] }
        return FormEncoding.parse(query)
    }

    /// A hidden form field's value in an HTML page.
    func hiddenField(_ name: String) -> String? {
        guard let range = text.range(of: "name=\"\(name)\" value=\"") else { return nil }
        let rest = text[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}

/// PKCE verifier and S256 challenge.
func pkcePair() -> (verifier: String, challenge: String) {
    let verifier = FormEncoding.randomToken(bytes: 32)
    let challenge = Data(SHA256.hash(data: Data(verifier.utf8))).base64URLEncoded()
    return (verifier, challenge)
}

/// The claims of a JWT, unverified.
func jwtClaims(_ token: String) -> JSONValue {
    let parts = token.split(separator: ".")
    guard parts.count == 3 else { return .null }
    var payload = String(parts[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while payload.count % 4 != 0 { payload += "=" }
    guard let data = Data(base64Encoded: payload) else { return .null }
    return (try? JSONValue.parse(data)) ?? .null
}

extension TestResponse {
    /// Every hidden field of the page's forms, values unescaped, in order.
    var hiddenFields: [(String, String)] {
        var fields: [(String, String)] = []
        var rest = text[...]
        while let start = rest.range(of: "<input type=\"hidden\" name=\"") {
            rest = rest[start.upperBound...]
            guard let nameEnd = rest.firstIndex(of: "\"") else { break }
            let name = String(rest[..<nameEnd])
            guard let valueStart = rest.range(of: "value=\"") else { break }
            rest = rest[valueStart.upperBound...]
            guard let valueEnd = rest.firstIndex(of: "\"") else { break }
            fields.append((name, htmlUnescaped(String(rest[..<valueEnd]))))
            rest = rest[valueEnd...]
        }
        return fields
    }

    /// The text of the element with `id` (up to its first `<`), unescaped.
    func element(_ id: String) -> String? {
        guard let range = text.range(of: "id=\"\(id)\"") else { return nil }
        let rest = text[range.upperBound...]
        guard let open = rest.firstIndex(of: ">") else { return nil }
        let content = rest[rest.index(after: open)...]
        return htmlUnescaped(String(content[..<(content.firstIndex(of: "<") ?? content.endIndex)]))
    }
}

func htmlUnescaped(_ text: String) -> String {
    text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
        .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
        .replacingOccurrences(of: "&amp;", with: "&")
}

/// A browser on the sign-up pages: keeps the cookies, posts each page's hidden fields back with
/// what the user types.
struct SignUpBrowser {
    let client: any TestClientProtocol
    let harness: IdentityHarness
    var cookies: String
    var page: TestResponse

    /// Opens `authorizeURI` (with `prompt=create`) on the first sign-up page.
    static func open(_ client: any TestClientProtocol, _ harness: IdentityHarness, authorizeURI: String) async throws
        -> SignUpBrowser
    {
        let page = try await client.get(authorizeURI)
        return SignUpBrowser(client: client, harness: harness, cookies: page.cookies, page: page)
    }

    /// Posts the current page's form with `typed` (and `action` when the button carries it).
    mutating func submit(_ typed: [(String, String)], action: String? = nil) async throws -> TestResponse {
        var fields = page.hiddenFields
        if let action {
            // The button's action replaces the page's own (the verify page has none).
            fields.removeAll { $0.0 == "sandbox_action" }
            fields.append(("sandbox_action", action))
        }
        page = try await client.postForm("\(harness.base)/oauth2/v2.0/authorize", fields + typed, cookies: cookies)
        let fresh = page.cookies
        if !fresh.isEmpty { cookies = cookies.isEmpty ? fresh : cookies + "; " + fresh }
        return page
    }

    /// The newest code mailed to `email`.
    func mailedCode(to email: String) throws -> String {
        try #require(harness.mailbox.messages(to: email).first?.code)
    }

    /// Walks every page: email, the mailed code, password, attributes. Returns the last answer
    /// (the redirect to the app on success).
    mutating func signUp(email: String, password: String, attributes: [(String, String)]) async throws
        -> TestResponse
    {
        _ = try await submit([("email", email)])
        _ = try await submit([("code", try mailedCode(to: email))], action: "signup_code")
        let afterPassword = try await submit([("password", password), ("confirm_password", password)])
        if afterPassword.status != .ok || !afterPassword.text.contains("id=\"attributes-form\"") {
            return afterPassword
        }
        return try await submit(attributes.map { ("attr_\($0.0)", $0.1) })
    }
}
