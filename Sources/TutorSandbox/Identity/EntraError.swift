import Foundation
import TutorSupport

/// An OAuth error as Entra's token and device code endpoints give it: the OAuth `error`, an
/// `AADSTS` code and text, trace and correlation ids, and the HTTP status.
struct EntraError: Error, Sendable {
    var status: Int
    var error: String
    var code: Int
    var message: String

    /// The JSON body, with the ids and timestamp Entra adds.
    func body(traceId: String, correlationId: String, now: Date = Date()) -> String {
        let timestamp = Self.timestamp(now)
        let description =
            "AADSTS\(code): \(message) Trace ID: \(traceId) Correlation ID: \(correlationId) Timestamp: \(timestamp)"
        return JSONValue.object([
            .init("error", .string(error)),
            .init("error_description", .string(description)),
            .init("error_codes", .array([.number(Double(code))])),
            .init("timestamp", .string(timestamp)),
            .init("trace_id", .string(traceId)),
            .init("correlation_id", .string(correlationId)),
            .init("error_uri", .string("https://login.microsoftonline.com/error?code=\(code)")),
        ]).serialized()
    }

    /// `2026-11-28 09:45:00Z`, as Entra's error descriptions put it (without ICU: see
    /// `RunRecord.timestamp`).
    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601.dateTimeSeparator(.space))
    }

    // The errors the sandbox gives, worded after Entra's.

    static func unknownApplication(_ clientId: String, tenant: String) -> EntraError {
        EntraError(
            status: 400, error: "unauthorized_client", code: 700016,
            message:
                "Application with identifier '\(clientId)' was not found in the directory '\(tenant)'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
        )
    }

    static func invalidClientSecret(_ clientId: String) -> EntraError {
        EntraError(
            status: 401, error: "invalid_client", code: 7000215,
            message:
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '\(clientId)'."
        )
    }

    static func missingClientSecret() -> EntraError {
        EntraError(
            status: 401, error: "invalid_client", code: 7000218,
            message: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
    }

    static func missingParameter(_ name: String) -> EntraError {
        EntraError(
            status: 400, error: "invalid_request", code: 900144,
            message: "The request body must contain the following parameter: '\(name)'.")
    }

    static func unsupportedGrantType(_ grantType: String) -> EntraError {
        EntraError(
            status: 400, error: "unsupported_grant_type", code: 70003,
            message: "The app requested an unsupported grant type '\(grantType)'.")
    }

    static func clientCredentialsScope(_ scope: String) -> EntraError {
        EntraError(
            status: 400, error: "invalid_scope", code: 1_002_012,
            message:
                "The provided value for scope \(scope) is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
        )
    }

    static func unknownResource(_ resource: String, tenant: String) -> EntraError {
        EntraError(
            status: 400, error: "invalid_resource", code: 500011,
            message:
                "The resource principal named \(resource) was not found in the tenant named \(tenant). This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."
        )
    }

    static func missingServicePrincipal(_ clientId: String) -> EntraError {
        EntraError(
            status: 400, error: "invalid_client", code: 7_000_229,
            message: "The client application \(clientId) is missing service principal in the tenant.")
    }

    static func invalidGrant(code: Int, _ message: String) -> EntraError {
        EntraError(status: 400, error: "invalid_grant", code: code, message: message)
    }

    static let codeRedeemedOrUnknown = invalidGrant(
        code: 54005,
        "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."
    )
    static let codeExpired = invalidGrant(code: 70008, "The provided authorization code or refresh token has expired.")
    static let codeForOtherClient = invalidGrant(
        code: 70000, "The provided authorization code was issued to a different client.")
    static let redirectMismatchAtToken = invalidGrant(
        code: 500112,
        "The reply address does not match the reply address provided when requesting Authorization code.")
    static let verifierMismatch = invalidGrant(
        code: 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.")
    static let missingVerifier = invalidGrant(
        code: 50148, "The code_verifier is required because a code_challenge was sent in the authorization request.")
    static let badRefreshToken = invalidGrant(
        code: 9_002_313, "Invalid request. Request is malformed or invalid: the refresh token is not valid.")

    /// A body over the size the endpoint reads. Entra documents no code for it; AADSTS90004
    /// ("InvalidRequestFormat") is the nearest in the error code reference.
    static func requestTooLarge(limit: Int) -> EntraError {
        EntraError(
            status: 413, error: "invalid_request", code: 90004,
            message: "The request body is larger than \(limit / 1024) KB.")
    }

    /// A client that keeps starting flows: Entra interrupts looping clients with AADSTS50196
    /// (https://learn.microsoft.com/entra/identity-platform/reference-breaking-changes#looping-clients-will-be-interrupted).
    static let loopDetected = EntraError(
        status: 400, error: "invalid_grant", code: 50196,
        message:
            "The server terminated an operation because it encountered a loop while processing a request: too many device codes are pending for this client."
    )

    /// Too many requests for the whole tenant: AADSTS90055 TenantThrottlingError.
    static let tenantThrottled = EntraError(
        status: 429, error: "temporarily_unavailable", code: 90055,
        message: "There are too many incoming requests. Try again later.")

    static let authorizationPending = EntraError(
        status: 400, error: "authorization_pending", code: 70016,
        message: "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")
    static let deviceCodeExpired = EntraError(
        status: 400, error: "expired_token", code: 70020,
        message: "The provided value for the input parameter 'device_code' is not valid. This device code has expired.")
    static let deviceCodeUnknown = EntraError(
        status: 400, error: "invalid_grant", code: 70019,
        message: "Verification code expired or was already redeemed.")
}
