import Testing
import TutorSupport

@testable import TutorDocument

@Suite struct TemplateTests {
    @Test func expandsWithJSONEscaping() throws {
        let text = try Template.expand(#"{"a": "{{name}}"}"#, with: ["name": "x\"y\\z\n"], context: .json)
        #expect(text == #"{"a": "x\"y\\z\n"}"#)
        #expect(try JSONValue.parse(text)["a"]?.stringValue == "x\"y\\z\n")
    }

    @Test func expandsURLsWithPercentEncoding() throws {
        let url = try Template.expand(
            "https://graph.microsoft.com/v1.0/applications?$filter=displayName eq '{{name}}'",
            with: ["name": "my app&co/é"], context: .url)
        #expect(
            url == "https://graph.microsoft.com/v1.0/applications?$filter=displayName%20eq%20'my%20app%26co%2F%C3%A9'")
    }

    @Test func unknownVariableIsNamed() {
        #expect(throws: Template.UnknownVariable(name: "missing")) {
            try Template.expand("a {{ missing }} b", with: [:], context: .plain)
        }
    }

    @Test func listsVariablesAndLeavesOtherBracesAlone() throws {
        #expect(Template.variables(in: "{{a}}/{{ b }}/{{not a var!}}") == ["a", "b"])
        #expect(try Template.expand("{{not a var!}}", with: [:], context: .plain) == "{{not a var!}}")
    }
}

@Suite struct JSONPathTests {
    let document = try! JSONValue.parse(
        #"{"a": {"b": "deep"}, "list": [10, 20], "value": [{"k": "x", "id": "1"}, {"k": "v", "id": "2", "n": {"m": true}}]}"#
    )

    @Test(arguments: [
        ("$.a.b", "deep"), ("$.list[0]", "10"), ("$.list[-1]", "20"), ("$.value[?(@.k=='v')].id", "2"),
        (#"$.value[?(@.k == "x")].id"#, "1"), ("$['a']['b']", "deep"), ("$.value[?(@.n.m==true)].id", "2"),
        ("$.value[1].n", #"{"m":true}"#),
    ])
    func selects(path: String, expected: String) throws {
        #expect(try JSONPath(path).first(in: document).map(text) == expected)
    }

    @Test func missingGivesNothing() throws {
        #expect(try JSONPath("$.value[?(@.k=='none')].id").first(in: document) == nil)
        #expect(try JSONPath("$.list[5]").first(in: document) == nil)
        #expect(try JSONPath("$.a.c").first(in: document) == nil)
    }

    func text(_ value: JSONValue) -> String { value.stringValue ?? value.serialized() }

    /// A filter text is filled in after parsing, so a value holding a quote cannot break the path.
    @Test func filterTextsTakeVariablesAfterParsing() throws {
        let path = try JSONPath("$.value[?(@.k=='{{wanted}}')].id")
        #expect(path.variables == ["wanted"])
        #expect(try path.first(in: document, variables: ["wanted": "v"]).map(text) == "2")
        let quoted = try JSONValue.parse(#"{"value": [{"k": "it's", "id": "q"}]}"#)
        #expect(try path.first(in: quoted, variables: ["wanted": "it's"]).map(text) == "q")
        #expect(throws: Template.UnknownVariable(name: "wanted")) { try path.first(in: document) }
    }

    @Test(arguments: ["a.b", "$.", "$[", "$.value[?(@.k='v')]", "$[abc]"])
    func rejectsBadSyntax(path: String) {
        #expect(throws: JSONPath.SyntaxError.self) { try JSONPath(path) }
    }
}
