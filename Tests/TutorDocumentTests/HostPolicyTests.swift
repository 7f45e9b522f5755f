import Foundation
import Testing
import TutorSupport

@testable import TutorDocument

/// The hosts a tutorial may send requests to.
/// Graph service roots: https://learn.microsoft.com/graph/deployments
/// (microsoftgraph/microsoft-graph-docs-contrib, concepts/deployments.md, "Microsoft Graph and
/// Graph Explorer service root endpoints"); External ID sign-in hosts are `{tenant}.ciamlogin.com`
/// (MSAL's CIAM authority, https://azuread.github.io/microsoft-authentication-library-for-objc/Classes/MSALCIAMAuthority.html).
@Suite("Request hosts: the policy")
struct GraphHostPolicyTests {
    @Test(arguments: [
        (
            "https://graph.microsoft.com/v1.0/organization",
            GraphHostPolicy.Destination.graph(host: "graph.microsoft.com")
        ),
        ("HTTPS://Graph.Microsoft.COM?$select=id", .graph(host: "graph.microsoft.com")),
        ("https://graph.microsoft.us/v1.0/me", .graph(host: "graph.microsoft.us")),
        ("https://dod-graph.microsoft.us/v1.0/me", .graph(host: "dod-graph.microsoft.us")),
        ("https://microsoftgraph.chinacloudapi.cn/v1.0/me", .graph(host: "microsoftgraph.chinacloudapi.cn")),
        ("https://contoso.ciamlogin.com/contoso.onmicrosoft.com/v2.0", .signIn(subdomain: "contoso")),
        ("https://graph.microsoft.com", .graph(host: "graph.microsoft.com")),
    ])
    func allowedURLs(_ url: String, _ expected: GraphHostPolicy.Destination) {
        #expect(GraphHostPolicy.standard.check(url: url) == .success(expected))
        #expect(GraphHostPolicy.standard.allows(url: url))
    }

    @Test(arguments: [
        ("http://graph.microsoft.com/v1.0/organization", GraphHostPolicy.Refusal.notHTTPS(scheme: "http")),
        ("http://127.0.0.1:8443/v1.0/organization", .notHTTPS(scheme: "http")),
        ("https://graph.microsoft.com@127.0.0.1:8443/v1.0/organization", .userInfo),
        ("https://user:pw@graph.microsoft.com/v1.0/", .userInfo),
        ("https://127.0.0.1/v1.0/organization", .ipLiteral("127.0.0.1")),
        ("https://2130706433/v1.0/", .ipLiteral("2130706433")),
        ("https://0x7f.1/v1.0/", .ipLiteral("0x7f.1")),
        ("https://[::1]/v1.0/", .ipLiteral("[::1]")),
        ("https://graph.microsoft.com:8443/v1.0/", .port),
        ("https://graph.microsoft.com:443/v1.0/", .port),
        ("https://graph.microsoft.com\\@evil.example/", .backslash),
        ("https:\\\\graph.microsoft.com/", .backslash),
        ("https://graph.micro\tsoft.com/", .controlCharacter(0x09)),
        ("https://graph.microsoft.com/v1.0/\n", .controlCharacter(0x0A)),
        ("https://graph.microsoft.com.evil.example/v1.0/", .hostNotAllowed("graph.microsoft.com.evil.example")),
        ("https://graph.microsoft.com./v1.0/", .hostNotAllowed("graph.microsoft.com.")),
        ("https://graph%2Emicrosoft.com/v1.0/", .hostNotAllowed("graph%2Emicrosoft.com")),
        ("https://graph。microsoft.com/", .hostNotAllowed("graph。microsoft.com")),
        ("https://evil.example/v1.0/", .hostNotAllowed("evil.example")),
        ("https://a.b.ciamlogin.com/", .hostNotAllowed("a.b.ciamlogin.com")),
        ("https://ciamlogin.com/", .hostNotAllowed("ciamlogin.com")),
        ("https:///graph.microsoft.com/", .emptyHost),
        ("graph.microsoft.com/v1.0/", .notAbsolute),
        ("//graph.microsoft.com/v1.0/", .notAbsolute),
        ("https:graph.microsoft.com/v1.0/", .notAbsolute),
    ])
    func refusedURLs(_ url: String, _ expected: GraphHostPolicy.Refusal) {
        #expect(GraphHostPolicy.standard.check(url: url) == .failure(expected))
        #expect(!GraphHostPolicy.standard.allows(url: url))
    }

    @Test func templatesMayNameTheSignInSubdomainOnly() {
        let policy = GraphHostPolicy.standard
        #expect(policy.check(template: "https://{{subdomain}}.ciamlogin.com/x") == .success(.signIn(subdomain: nil)))
        #expect(
            policy.check(template: "https://graph.microsoft.com/v1.0/applications/{{id}}")
                == .success(.graph(host: "graph.microsoft.com")))
        for refused in [
            "https://{{host}}/v1.0/", "https://graph.microsoft.com{{rest}}/v1.0/", "https://{{a}}.evil.example/",
            "https://{{a}}x.ciamlogin.com/", "https://{{a}}.{{b}}.ciamlogin.com/", "{{scheme}}://graph.microsoft.com/",
        ] {
            guard case .failure(let refusal) = policy.check(template: refused) else {
                Issue.record("\(refused) must be refused")
                continue
            }
            #expect(refusal.description.contains("{{variable}}"), "\(refused): \(refusal)")
        }
        // A concrete URL never holds a placeholder: the runner checks values once filled in.
        #expect(policy.check(url: "https://{{subdomain}}.ciamlogin.com/x") != .success(.signIn(subdomain: nil)))
    }
}

@Suite("Request hosts: tutor plan refuses them")
struct RequestHostDocumentTests {
    static func document(request: String, annotation: String = #"{"blockType": "request", "name": "r"}"#) -> [UInt8] {
        Array(
            """
            # T

            ## Step

            <!-- \(annotation) -->
            ```http
            \(request)
            ```

            """.utf8)
    }

    static func diagnostics(_ bytes: [UInt8]) -> [DocumentDiagnostic] {
        do {
            _ = try TutorialParser().parse(bytes: bytes, path: FixtureFiles.path("bad/in-memory.md"))
        } catch let error as DocumentError {
            guard case .invalid(let diagnostics) = error, error.exitStatus == .dataError else { return [] }
            return diagnostics
        } catch {}
        return []
    }

    @Test func aLoopbackRequestIsRefusedAtItsURL() {
        let found = Self.diagnostics(Self.document(request: "GET http://127.0.0.1:8443/v1.0/organization"))
        #expect(found.map(\.message) == ["request 'r' is refused: the URL must use https, not 'http'"])
        #expect(found.map(\.location.line) == [7])
        #expect(found.map(\.location.column) == [5])
    }

    @Test func userInfoBeforeTheHostIsRefused() {
        let found = Self.diagnostics(
            Self.document(request: "GET https://graph.microsoft.com@127.0.0.1:8443/v1.0/organization"))
        #expect(
            found.map(\.message) == [
                "request 'r' is refused: the URL has a user name before the host ('…@'), which is not allowed"
            ])
        #expect(found.map { "\($0.location.line):\($0.location.column)" } == ["7:5"])
    }

    @Test func aTemplatedHostIsRefused() {
        let found = Self.diagnostics(
            Self.document(
                request: "GET https://{{target}}/v1.0/organization",
                annotation: #"{"blockType": "request", "name": "r"}"#))
        #expect(
            found.first?.message.hasPrefix("request 'r' is refused: the URL's host '{{target}}' holds a {{variable}}")
                == true)
        #expect(found.first.map { "\($0.location.line):\($0.location.column)" } == "7:5")
    }

    @Test func aLookupElsewhereIsRefusedAtItsAnnotation() {
        let annotation = """
            {"blockType": "request", "name": "r", "capture": {"id": "$.id"},
              "lookup": {"url": "https://evil.example/v1.0/applications", "capture": {"id": "$.value[0].id"}}}
            """
        let found = Self.diagnostics(
            Self.document(request: "POST https://graph.microsoft.com/v1.0/applications", annotation: annotation))
        #expect(
            found.map(\.message) == [
                "\"lookup\" of 'r' is refused: the URL's host 'evil.example' is not Microsoft Graph (graph.microsoft.com or a national cloud's Graph host) or a {subdomain}.ciamlogin.com sign-in host"
            ])
        #expect(found.map { "\($0.location.line):\($0.location.column)" } == ["5:1"])
    }

    @Test func aCleanupOverPlainHTTPIsRefusedAtItsAnnotation() {
        let annotation = """
            {"blockType": "request", "name": "r", "capture": {"id": "$.id"},
              "cleanup": {"url": "http://graph.microsoft.com/v1.0/applications/{{id}}"}}
            """
        let found = Self.diagnostics(
            Self.document(request: "POST https://graph.microsoft.com/v1.0/applications", annotation: annotation))
        #expect(found.map(\.message) == ["\"cleanup\" is refused: the URL must use https, not 'http'"])
        #expect(found.map { "\($0.location.line):\($0.location.column)" } == ["5:1"])
    }

    @Test func theSignInPlaceholderAndNationalCloudsAreAccepted() throws {
        let annotation = """
            {"blockType": "request", "name": "r", "capture": {"id": "$.id"},
              "cleanup": {"url": "https://{{subdomain}}.ciamlogin.com/x/{{id}}"}}
            """
        let text = """
            ---
            inputs: {subdomain: contoso}
            ---
            # T

            ## Step

            <!-- \(annotation) -->
            ```http
            POST https://graph.microsoft.us/v1.0/applications
            ```

            """
        let parsed = try TutorialParser().parse(bytes: Array(text.utf8), path: FixtureFiles.path("good/hosts.md"))
        #expect(parsed.requests.map(\.url) == ["https://graph.microsoft.us/v1.0/applications"])
    }

    @Test func aHostInAnIncludeIsReportedWithItsChain() throws {
        let diagnostics = FixtureFiles.diagnostics("bad/host-in-include.md")
        #expect(
            diagnostics == [
                "bad/sub/evil-host.md:5:5: error: request 'read_org' is refused: the URL has a user name before the host ('…@'), which is not allowed"
            ])
        do {
            _ = try FixtureFiles.parse("bad/host-in-include.md")
        } catch let error as DocumentError {
            #expect(error.description.hasSuffix("\n  included from \(FixtureFiles.path("bad/host-in-include.md")):5:1"))
        }
    }

    // `tutor plan` exiting 65 on this fixture is checked in-process in TutorCLITests (ArgumentTests).
}
