import Foundation
import Testing

@testable import TutorDocument

/// The `skipIfCaptured` request flag and inputs declared by more than one include.
@Suite struct SkipIfCapturedTests {
    static func page(_ flag: String, capture: String = #""capture": {"appObjectId": "$.value[0].id"},"#) -> String {
        """
        # T

        ## Find

        <!-- {"blockType": "inputs"} -->
        ```json
        {"appName": "a"}
        ```

        <!-- {"blockType": "request", "name": "find_app", \(capture) "skipIfCaptured": \(flag), "scopes": ["Application.Read.All"]} -->
        ```http
        GET https://graph.microsoft.com/v1.0/applications?$filter=displayName eq '{{appName}}'
        ```

        """
    }

    @Test func theFlagIsRead() throws {
        let folder = try TemporaryFolder()
        try folder.write("t.md", Self.page("true"))
        let tutorial = try TutorialParser().parse(path: folder.url.appendingPathComponent("t.md").path)
        #expect(tutorial.requests.first?.skipIfCaptured == true)
        #expect(tutorial.warnings.isEmpty)
        #expect(TutorialPlan(tutorial).text().contains("skipped when its captures are already set"))
        let request = TutorialPlan(tutorial).json()["steps"]?.arrayElements?.first?["requests"]?.arrayElements?.first
        #expect(request?["skipIfCaptured"] == .bool(true))
        try folder.write("f.md", Self.page("false"))
        let off = try TutorialParser().parse(path: folder.url.appendingPathComponent("f.md").path)
        #expect(off.requests.first?.skipIfCaptured == false)
    }

    @Test func theFlagMustBeABooleanOnARequestThatCaptures() throws {
        let folder = try TemporaryFolder()
        try folder.write("s.md", Self.page("\"yes\""))
        #expect(folder.diagnostics("s.md") == ["s.md:10:1: error: \"skipIfCaptured\" must be true or false"])
        try folder.write("c.md", Self.page("true", capture: ""))
        #expect(
            folder.diagnostics("c.md") == [
                "c.md:10:1: error: \"skipIfCaptured\" on request 'find_app' needs a \"capture\": it skips the request when every variable it captures is already set"
            ])
    }

    static let include = """
        <!-- {"blockType": "inputs"} -->
        ```json
        {"userFlowName": {"default": "flow", "pattern": "[a-z]+"}}
        ```

        """

    @Test func anInputDeclaredAgainAlikeIsOneInput() throws {
        let folder = try TemporaryFolder()
        try folder.write("a.md", Self.include)
        try folder.write("b.md", Self.include.replacingOccurrences(of: "}}", with: ", \"description\": \"d\"}}"))
        try folder.write("t.md", "# T\n\n## S\n\n[!INCLUDE [a](a.md)]\n\n[!INCLUDE [b](b.md)]\n")
        let tutorial = try TutorialParser().parse(path: folder.url.appendingPathComponent("t.md").path)
        #expect(tutorial.inputs.map(\.name) == ["userFlowName"])
        #expect(tutorial.inputs.first?.location.file.hasSuffix("a.md") == true)
    }

    @Test func anInputDeclaredAgainOtherwiseIsAnError() throws {
        let folder = try TemporaryFolder()
        try folder.write("a.md", Self.include)
        try folder.write("b.md", Self.include.replacingOccurrences(of: "\"flow\"", with: "\"other\""))
        try folder.write("c.md", Self.include.replacingOccurrences(of: "[a-z]+", with: "[a-z]*"))
        try folder.write("t.md", "# T\n\n## S\n\n[!INCLUDE [a](a.md)]\n\n[!INCLUDE [b](b.md)]\n")
        let first = folder.url.appendingPathComponent("a.md").path
        #expect(
            folder.diagnostics("t.md") == [
                "b.md:2:1: error: input 'userFlowName' is declared again with default 'other', not 'flow' as at \(first):2:1"
            ])
        try folder.write("u.md", "# T\n\n## S\n\n[!INCLUDE [a](a.md)]\n\n[!INCLUDE [c](c.md)]\n")
        #expect(
            folder.diagnostics("u.md") == [
                "c.md:2:1: error: input 'userFlowName' is declared again with another pattern than at \(first):2:1"
            ])
    }
}
