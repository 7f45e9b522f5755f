import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TutorSupport

@testable import TutorSandbox

/// The route-group middlewares and self-rendering errors: each check happens once for every
/// route it guards, and errors keep Graph's and Entra's shapes.
@Suite("Sandbox route groups and errors")
struct SandboxIdiomsTests {
    /// Every route under `/{tenant}` is behind `TenantMiddleware`: another tenant is Entra's
    /// `invalid_tenant` (AADSTS90002) whatever the route and method, before any form is read.
    @Test("Every /{tenant} route refuses another tenant, GET and POST")
    func tenantGroupGuardsEveryRoute() async throws {
        let harness = try await IdentityHarness.make()
        let routes: [(HTTPRequest.Method, String)] = [
            (.get, "v2.0/.well-known/openid-configuration"), (.get, ".well-known/openid-configuration"),
            (.get, "oauth2/authorize"), (.post, "oauth2/token"), (.get, "discovery/v2.0/keys"),
            (.get, "discovery/keys"), (.get, "oauth2/v2.0/authorize"), (.post, "oauth2/v2.0/authorize"),
            (.post, "oauth2/v2.0/token"), (.post, "oauth2/v2.0/devicecode"), (.get, "oauth2/deviceauth"),
            (.post, "oauth2/deviceauth"), (.get, "oauth2/v2.0/logout"), (.get, "oauth2/logout"),
        ]
        try await harness.test { client in
            for (method, path) in routes {
                let response = try await client.executeRequest(
                    uri: "/other.onmicrosoft.com/\(path)", method: method, headers: [:], body: nil)
                #expect(response.status == .badRequest, "\(method) \(path)")
                #expect(String(buffer: response.body).contains("AADSTS90002"), "\(method) \(path)")
                let good = try await client.executeRequest(
                    uri: "\(harness.base)/\(path)", method: method, headers: [:], body: nil)
                #expect(!String(buffer: good.body).contains("AADSTS90002"), "\(method) \(path)")
            }
        }
    }

    /// A body over 4 MB is refused before the token is even looked at, in Graph's envelope with
    /// the headers every Graph answer carries, and the same request id in header and body.
    @Test("A Graph body over 4 MB is a 413 in Graph's shape, checked before the token")
    func graphBodyLimit() async throws {
        try await GraphHarness().run { graph in
            let big = String(repeating: "a", count: (4 << 20) + 1)
            let reply = try await graph.send(
                .post, "/v1.0/applications", token: "not-a-token", json: #"{"displayName": "\#(big)"}"#,
                headers: ["client-request-id": "caller-id"])
            #expect(reply.status == 413)
            #expect(reply.errorCode == "Request_EntityTooLarge")
            let requestId = try #require(reply.header("request-id"))
            #expect(reply.json?["error"]?["innerError"]?["request-id"]?.stringValue == requestId)
            #expect(reply.header("client-request-id") == "caller-id")
            #expect(reply.header("Strict-Transport-Security") == "max-age=31536000")
        }
    }

    /// A sandbox failure inside a Graph request is Graph's 500 saying what failed; anything else
    /// is the generic message.
    @Test func internalErrorsAreGraphShaped() {
        let persist = GraphFailure.internalError(
            SandboxError.cannotPersist(path: "/x/tenant.json", reason: "disk full"))
        #expect(persist.statusCode == 500)
        #expect(persist.code == "InternalServerError")
        #expect(
            persist.message == "cannot save the sandbox state to /x/tenant.json: disk full; the change was not applied")
        #expect(GraphFailure.internalError(CancellationError()).message == "An internal server error occurred.")
    }

    /// The tenant-state cases that were `TenantError` keep their exit codes inside `SandboxError`,
    /// and print with the same `error:` prefix as the others.
    @Test func oneSandboxError() {
        #expect(SandboxError.corruptStateFile(path: "p", reason: "r").exitStatus == .dataError)
        #expect(SandboxError.unreadableStateFile(path: "p", reason: "r").exitStatus == .noInput)
        #expect(SandboxError.cannotPersist(path: "p", reason: "r").exitStatus == .cannotCreate)
        #expect(SandboxError.userExists(email: "a@b.c").exitStatus == .dataError)
        #expect(SandboxError.invalidUser(reason: "r").description == "error: cannot create the user: r")
        #expect(SandboxError.cannotStart(reason: "r").description == "error: cannot start the sandbox server: r")
    }

    /// Graph's fault answers come from the one `FaultMiddleware`, worded by `GraphFailure.injected`.
    @Test func injectedFaultsInGraphShape() throws {
        let throttled = try #require(GraphFailure.injected(.throttled(retryAfter: "0.25")) as? GraphFailure)
        #expect(throttled.statusCode == 429)
        #expect(throttled.headers.first { $0.0 == "Retry-After" }?.1 == "0.25")
        let unavailable = try #require(GraphFailure.injected(.serverError(status: 503)) as? GraphFailure)
        #expect(unavailable.code == "serviceNotAvailable")
        let gateway = try #require(GraphFailure.injected(.serverError(status: 504)) as? GraphFailure)
        #expect(gateway.code == "UnknownError")
    }
}
