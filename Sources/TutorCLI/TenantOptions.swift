import ArgumentParser
import Foundation
import TutorRunner
import TutorSandbox

/// The tenant options shared by `run`, `verify` and `cleanup`.
struct TenantOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "A real tenant: subdomain, tenant id or domain. Without it, the sandbox tenant is used.",
            valueName: "TENANT"))
    var tenant: String?

    @Option(
        name: .customLong("access-token-env"),
        help: ArgumentHelp("Read a Graph access token from this environment variable.", valueName: "VAR"))
    var accessTokenEnvironment: String?

    @Option(name: .customLong("client-id"), help: ArgumentHelp("App (client) id to sign in with.", valueName: "ID"))
    var clientId: String?

    @Option(
        name: .customLong("client-secret-env"),
        help: ArgumentHelp("Read the client secret from this environment variable.", valueName: "VAR"))
    var clientSecretEnvironment: String?

    @Flag(name: .customLong("client-secret-stdin"), help: "Read the client secret from the first line of stdin.")
    var clientSecretFromStandardInput = false

    @Flag(name: .customLong("device-code"), help: "Sign in interactively as an administrator (device code).")
    var deviceCode = false

    @Option(name: .customLong("graph-url"), help: ArgumentHelp("Graph endpoint of another cloud.", valueName: "URL"))
    var graphURL: String?

    @Option(name: .customLong("login-url"), help: ArgumentHelp("Sign-in endpoint of another cloud.", valueName: "URL"))
    var loginURL: String?

    @Option(name: .customLong("ca-file"), help: ArgumentHelp("Also trust the CAs in this PEM file.", valueName: "FILE"))
    var caFile: String?

    @OptionGroup var sandboxHome: SandboxHomeOptions

    /// Microsoft Graph Command Line Tools, a public client that any tenant can consent to.
    static let defaultDeviceCodeClientId = "14d82eec-204b-4c2f-b7e8-296a70dab67e"

    func validate() throws {
        if tenant == nil,
            accessTokenEnvironment != nil || clientId != nil || clientSecretEnvironment != nil || deviceCode
                || clientSecretFromStandardInput
        {
            throw ValidationError("sign-in options need --tenant (without it the sandbox is used)")
        }
        if tenant != nil, sandboxHome.path != nil {
            throw ValidationError("--sandbox-home is for the sandbox tenant; drop it or --tenant")
        }
        if clientSecretEnvironment != nil && clientSecretFromStandardInput {
            throw ValidationError("give the client secret once: --client-secret-env or --client-secret-stdin")
        }
        if (clientSecretEnvironment != nil || clientSecretFromStandardInput) && clientId == nil {
            throw ValidationError("a client secret needs --client-id")
        }
    }

    /// A tenant connection, and the sandbox session when the tenant is the sandbox.
    struct Resolved {
        var connection: TenantConnection
        var sandbox: SandboxSession?
    }

    /// Runs `body` with the tenant worked out, and stops a sandbox started for it afterwards,
    /// whether `body` returned or threw.
    func withTenant<Result>(
        sandboxFaults: FaultOptions = .none, _ body: (Resolved) async throws -> Result
    ) async throws -> Result {
        let resolved = try await resolve(sandboxFaults: sandboxFaults)
        let result: Result
        do {
            result = try await body(resolved)
        } catch {
            await resolved.sandbox?.stop()
            throw error
        }
        await resolved.sandbox?.stop()
        return result
    }

    /// Works out the tenant and the credential, starting the sandbox when no `serve` runs.
    /// `sandboxFaults` apply to a sandbox started here, not to one `tutor sandbox serve` serves.
    func resolve(sandboxFaults: FaultOptions = .none) async throws -> Resolved {
        let environment = CommandContext.current.environment
        guard let tenant else {
            let session = try await SandboxSession.attachOrStart(home: sandboxHome.home, faults: sandboxFaults)
            return Resolved(
                connection: Self.sandboxConnection(session.info, secret: session.adminClientSecret, extraCA: caFile),
                sandbox: session)
        }
        let credential: Credential
        if let variable = accessTokenEnvironment {
            credential = .accessToken(try Self.value(of: variable, in: environment, what: "access token"))
        } else if deviceCode {
            credential = .deviceCode(clientId: clientId ?? Self.defaultDeviceCodeClientId)
        } else if let clientId {
            if clientSecretFromStandardInput {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                    throw ValidationError("--client-secret-stdin: standard input held no secret")
                }
                credential = .clientSecret(clientId: clientId, secret: line)
            } else if let variable = clientSecretEnvironment {
                credential = .clientSecret(
                    clientId: clientId, secret: try Self.value(of: variable, in: environment, what: "client secret"))
            } else {
                throw ValidationError(
                    "--client-id needs --client-secret-env VAR, --client-secret-stdin or --device-code")
            }
        } else if let id = environment["AZURE_CLIENT_ID"], let secret = environment["AZURE_CLIENT_SECRET"] {
            if let azureTenant = environment["AZURE_TENANT_ID"], !azureTenant.isEmpty,
                azureTenant.lowercased() != tenant.lowercased(), UUID(uuidString: tenant) != nil
            {
                throw ValidationError("AZURE_TENANT_ID (\(azureTenant)) names another tenant than --tenant \(tenant)")
            }
            credential = .clientSecret(clientId: id, secret: secret)
        } else {
            throw ValidationError(
                "--tenant \(tenant) needs a way to sign in: --access-token-env VAR, --client-id ID --client-secret-env VAR, --device-code, or AZURE_CLIENT_ID and AZURE_CLIENT_SECRET in the environment"
            )
        }
        let connection = TenantConnection.external(
            tenant: tenant, graphURL: graphURL, loginURL: loginURL, caFile: caFile, credential: credential)
        return Resolved(connection: connection, sandbox: nil)
    }

    private static func value(of variable: String, in environment: [String: String], what: String) throws -> String {
        guard let value = environment[variable], !value.isEmpty else {
            throw ValidationError("environment variable \(variable) (the \(what)) is not set")
        }
        return value
    }

    /// The connection to a sandbox described by `info`, signed in with its admin app's client credentials.
    static func sandboxConnection(_ info: SandboxInfo, secret: String, extraCA: String? = nil) -> TenantConnection {
        var connection = TenantConnection.sandbox(
            tenantId: info.tenantId, subdomain: info.subdomain, graphURL: info.graphURL, authority: info.authority,
            caFile: info.caFile, adminClientId: info.adminClientId, adminClientSecret: secret)
        // --ca-file adds to the sandbox's CA (a proxy's, say); it never replaces it.
        connection.extraCAFiles = extraCA.map { [$0] } ?? []
        return connection
    }
}
