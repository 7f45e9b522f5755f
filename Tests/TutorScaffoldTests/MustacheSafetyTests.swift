import Foundation
import Testing
import TutorSupport

@testable import TutorScaffold

/// What an untrusted Mustache file may do: nesting up to the cap, nothing deeper (the parser and
/// renderer recurse per level), no partials, inheritance or pragmas, and the tag walk agreeing
/// with swift-mustache's parser on delimiters and comments.
@Suite("Mustache safety")
struct MustacheSafetyTests {
    static let declared: Set<String> = ["A", "B"]
    static let values = ["A": "a", "B": "b"]

    /// The error `MustacheSource` throws for `text`, as `file:line:column: error: …`.
    static func refusal(_ text: String, rendering: TemplateManifest.Rendering = .text) throws -> String {
        let error = try #require(throws: ScaffoldError.self) {
            _ = try MustacheSource(text: text, path: "t.mustache", rendering: rendering)
        }
        #expect(error.exitStatus == .dataError)
        return error.description
    }

    static func render(_ text: String) throws -> String {
        try MustacheSource(text: text, path: "t.mustache", rendering: .text).render(
            variables: values, declared: declared)
    }

    static func nested(_ depth: Int, open: String = "{{#A}}", close: String = "{{/A}}", separator: String = "\n")
        -> String
    {
        String(repeating: open + separator, count: depth) + "x" + String(repeating: separator + close, count: depth)
    }

    @Test func threeThousandNestedSectionsAreRefusedAtTheFirstTooDeep() throws {
        let text = Self.nested(3000)
        #expect(text.utf8.count > 40_000)
        let message = try Self.refusal(text)
        // One section per line: the 101st opens on line 101, column 1.
        #expect(message.hasPrefix("t.mustache:101:1: error: sections nest deeper than 100 levels"), "\(message)")
    }

    @Test func invertedSectionsCountToo() throws {
        let message = try Self.refusal(Self.nested(101, open: "{{^B}}", close: "{{/B}}", separator: ""))
        #expect(message.hasPrefix("t.mustache:1:601: error: sections nest deeper"), "\(message)")
    }

    @Test func theCapItselfRenders() throws {
        #expect(try Self.render(Self.nested(MustacheTagScanner.maximumDepth, separator: "")) == "x")
    }

    @Test func siblingsDoNotAddUp() throws {
        let text = String(repeating: "{{#A}}y{{/A}}", count: 5000)
        #expect(try Self.render(text) == String(repeating: "y", count: 5000))
    }

    @Test func tagsAfterASetDelimiterAreCountedWithTheNewDelimiters() throws {
        let message = try Self.refusal("{{=<% %>=}}" + Self.nested(101, open: "<%#A%>", close: "<%/A%>", separator: ""))
        #expect(message.contains("sections nest deeper"), "\(message)")
        // With other delimiters, {{#A}} is plain text, however often it appears.
        let literal = "{{=<% %>=}}" + String(repeating: "{{#A}}", count: 300)
        #expect(try Self.render(literal) == String(repeating: "{{#A}}", count: 300))
    }

    @Test func aDelimiterChangeEndsWithItsSection() throws {
        // swift-mustache scopes a set-delimiter tag to its section: after <%/A%>, {{ }} is back.
        #expect(try Self.render("{{#A}}{{=<% %>=}}<%B%><%/A%>{{B}}") == "bb")
        let deep = "{{#A}}{{=<% %>=}}<%/A%>" + Self.nested(101, separator: "")
        #expect(try Self.refusal(deep).contains("sections nest deeper"))
    }

    @Test func tagsInsideACommentDoNotCount() throws {
        let comment = "{{! " + String(repeating: "{{#A ", count: 500) + "}}done"
        #expect(try Self.render(comment) == "done")
    }

    @Test func transformCallsNestedTooDeepAreRefused() throws {
        let name = String(repeating: "uppercased(", count: 150) + "A" + String(repeating: ")", count: 150)
        let message = try Self.refusal("x {{" + name + "}}")
        #expect(message.hasPrefix("t.mustache:1:3: error: transform calls nest deeper than 100"), "\(message)")
        #expect(try Self.render("{{uppercased(A)}}") == "A")
    }

    @Test(arguments: [
        ("{{> other}}", "partials"), ("a\n  {{<parent}}{{/parent}}", "inheritance"),
        ("{{$block}}x{{/block}}", "inheritance"), ("{{%CONTENT_TYPE: TEXT}}", "pragmas"),
    ])
    func partialsInheritanceAndPragmasAreRefused(text: String, word: String) throws {
        let message = try Self.refusal(text, rendering: .dotenv)
        #expect(message.contains(word), "\(message)")
        #expect(message.hasPrefix(text.hasPrefix("a\n") ? "t.mustache:2:3: error:" : "t.mustache:1:1: error:"))
    }

    @Test func syntaxErrorsGiveLineAndColumnOfTheFileItself() throws {
        #expect(try Self.refusal("{{#A}}\nab{{/B}}").hasPrefix("t.mustache:2:"))
        let firstLine = try Self.refusal("ab{{/B}}")
        // The escaping pragma put in front of line 1 is not counted.
        #expect(firstLine.hasPrefix("t.mustache:1:"), "\(firstLine)")
        let column = Int(firstLine.split(separator: ":")[2]) ?? 0
        #expect((1...9).contains(column), "\(firstLine)")
    }

    @Test func aMustacheFileOverOneMebibyteIsRefused() throws {
        let limit = MustacheSource.maximumSize
        let accepted = try MustacheSource(
            data: Data(repeating: 0x61, count: limit), path: "t.mustache", rendering: .text)
        #expect(try accepted.render(variables: [:], declared: []).utf8.count == limit)
        let error = try #require(throws: ScaffoldError.self) {
            _ = try MustacheSource(data: Data(repeating: 0x61, count: limit + 1), path: "t.mustache", rendering: .text)
        }
        #expect(error.description.hasPrefix("t.mustache: error: is 1048577 bytes"), "\(error)")
    }

    @Test func aDeepTemplateIsRefusedQuickly() throws {
        let text = Self.nested(20_000, separator: "")
        let start = Date()
        _ = try Self.refusal(text)
        #expect(Date().timeIntervalSince(start) < 2)
    }
}
