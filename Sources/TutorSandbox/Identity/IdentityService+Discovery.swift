import Foundation
import HTTPTypes
import Hummingbird
import TutorSupport

extension IdentityService {
    /// The v2.0 OpenID configuration: endpoints under the authority (`{origin}/{tenantId}`), the
    /// issuer under the tenant's own issuer host (`TokenIssuer.issuer`).
    func openIDConfiguration() -> JSONValue {
        let base = tenantBase
        let head = documentHead(
            tokenEndpoint: "\(base)/oauth2/v2.0/token", jwksURI: "\(base)/discovery/v2.0/keys",
            responseTypes: ["code", "id_token", "code id_token", "id_token token"],
            scopes: ["openid", "profile", "email", "offline_access"], issuer: tokens.issuer)
        let body: [JSONValue.JSONMember] = [
            .init("request_uri_parameter_supported", .bool(false)),
            .init("userinfo_endpoint", .string("\(tokens.origin)/oidc/userinfo")),
            .init("authorization_endpoint", .string("\(base)/oauth2/v2.0/authorize")),
            .init("device_authorization_endpoint", .string("\(base)/oauth2/v2.0/devicecode")),
            .init("http_logout_supported", .bool(true)),
            .init("frontchannel_logout_supported", .bool(true)),
            .init("end_session_endpoint", .string("\(base)/oauth2/v2.0/logout")),
            .init(
                "claims_supported",
                Self.strings([
                    "sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name",
                    "tid", "ver", "at_hash", "c_hash", "email", "oid",
                ])),
            .init("code_challenge_methods_supported", Self.strings(["S256"])),
        ]
        return .object(head + body + cloudMembers(base: base))
    }

    /// The v1 OpenID configuration (`/{tenant}/.well-known/openid-configuration`), shaped like
    /// Entra's: v1 endpoints (`/oauth2/token`, `/oauth2/authorize`, `/discovery/keys`,
    /// `/openid/userinfo`) and the v1 issuer `{issuerOrigin}/{tenantId}/`.
    func v1OpenIDConfiguration() -> JSONValue {
        let base = tenantBase
        let head = documentHead(
            tokenEndpoint: "\(base)/oauth2/token", jwksURI: "\(base)/discovery/keys",
            responseTypes: ["code", "id_token", "code id_token", "token id_token", "token"], scopes: ["openid"],
            issuer: tokens.accessTokenIssuer)
        let body: [JSONValue.JSONMember] = [
            .init("microsoft_multi_refresh_token", .bool(true)),
            .init("authorization_endpoint", .string("\(base)/oauth2/authorize")),
            .init("device_authorization_endpoint", .string("\(base)/oauth2/devicecode")),
            .init("http_logout_supported", .bool(true)),
            .init("frontchannel_logout_supported", .bool(true)),
            .init("end_session_endpoint", .string("\(base)/oauth2/logout")),
            .init(
                "claims_supported",
                Self.strings([
                    "sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "amr", "nonce", "email", "given_name",
                    "family_name", "nickname",
                ])),
            .init("check_session_iframe", .string("\(base)/oauth2/checksession")),
            .init("userinfo_endpoint", .string("\(base)/openid/userinfo")),
        ]
        return .object(head + body + cloudMembers(base: base))
    }

    /// The members both documents start with.
    func documentHead(tokenEndpoint: String, jwksURI: String, responseTypes: [String], scopes: [String], issuer: String)
        -> [JSONValue.JSONMember]
    {
        [
            .init("token_endpoint", .string(tokenEndpoint)),
            .init(
                "token_endpoint_auth_methods_supported",
                Self.strings(["client_secret_post", "private_key_jwt", "client_secret_basic"])),
            .init("jwks_uri", .string(jwksURI)),
            .init("response_modes_supported", Self.strings(["query", "fragment", "form_post"])),
            .init("subject_types_supported", Self.strings(["pairwise"])),
            .init("id_token_signing_alg_values_supported", Self.strings(["RS256"])),
            .init("response_types_supported", Self.strings(responseTypes)),
            .init("scopes_supported", Self.strings(scopes)),
            .init("issuer", .string(issuer)),
        ]
    }

    /// The members both documents end with.
    func cloudMembers(base: String) -> [JSONValue.JSONMember] {
        [
            .init("kerberos_endpoint", .string("\(base)/kerberos")),
            .init("tenant_region_scope", .null),
            .init("cloud_instance_name", .string("ciamlogin.com")),
            .init("cloud_graph_host_name", .string("graph.windows.net")),
            .init("msgraph_host", .string("graph.microsoft.com")),
            .init("rbac_url", .string("https://pas.windows.net")),
        ]
    }

    static func strings(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }

    /// The v1 protocol endpoints the v1 document names: the sandbox speaks only v2.0, and says so.
    func v1EndpointAnswer(request: Request) -> Response {
        let path = request.uri.path
        let v2 = path.replacingOccurrences(of: "/oauth2/", with: "/oauth2/v2.0/")
        return jsonResponse(
            JSONValue.object([
                .init("error", .string("invalid_request")),
                .init(
                    "error_description",
                    .string(
                        "The tutor sandbox serves the v2.0 protocol only; \(path) is Entra's v1.0 endpoint. Use \(v2)."
                    )),
            ]).serialized(), status: .badRequest)
    }
}
