import Foundation
import Testing
import TutorSupport

@testable import TutorDocument

/// Shapes on which cmark-gfm is slow, each just under the file cap: they are read, or refused by
/// a cheap pre-check, in well under a second (times printed for docs/documents.md).
@Suite("Pathological Markdown under the size cap", .serialized)
struct PathologicalMarkdownTests {
    struct Shape: CustomTestStringConvertible, Sendable {
        var name: String
        var text: @Sendable () -> String
        /// The refusal expected (a prefix of the message), or nil when the file is simply read.
        var refusal: String?
        var testDescription: String { name }
    }

    static let budget = TutorialParser.maximumFileBytes - 64

    static func filling(_ unit: String, prefix: String = "# T\n\n## S\n\n") -> String {
        prefix + String(repeating: unit, count: (budget - prefix.utf8.count) / unit.utf8.count)
    }

    static let shapes: [Shape] = [
        Shape(
            name: "nested quotes on one line", text: { filling(">") },
            refusal: "block quotes and lists nest deeper than 32 levels"),
        Shape(
            name: "quotes and lists on one line", text: { filling("> - ") },
            refusal: "block quotes and lists nest deeper than 32 levels"),
        Shape(name: "32 quotes on every line", text: { filling(String(repeating: ">", count: 32) + " x\n") }),
        Shape(name: "emphasis run", text: { filling("*a") }),
        Shape(name: "emphasis words", text: { filling("**a ") }),
        Shape(name: "open brackets", text: { filling("[") }),
        Shape(name: "unclosed links", text: { filling("[a](") }),
        Shape(name: "images", text: { filling("![") }),
        Shape(name: "strikethrough", text: { filling("~~a") }),
        Shape(name: "entities", text: { filling("&#") }),
        Shape(name: "backticks", text: { filling("`a``") }),
        Shape(name: "setext underlines", text: { filling("a\n===\n") }),
        Shape(name: "deep list indentation", text: { filling("- a\n  - b\n    - c\n      - d\n") }),
        Shape(name: "HTML comments", text: { filling("<!--") }),
        Shape(
            name: "wide table over many rows",
            text: {
                let header = String(repeating: "a|", count: 64) + "\n" + String(repeating: "-|", count: 64) + "\n"
                return filling("a\n", prefix: "# T\n\n## S\n\n" + header)
            }, refusal: "table of 64 columns × "),
        Shape(
            name: "table of 100 columns",
            text: {
                let row = String(repeating: "|a", count: 100) + "|\n"
                return filling(row, prefix: "# T\n\n## S\n\n" + row + String(repeating: "|-", count: 100) + "|\n")
            }, refusal: "table of 100 columns × "),
    ]

    @Test(arguments: shapes)
    func readsOrRefusesInBoundedTime(_ shape: Shape) {
        let bytes = Array(shape.text().utf8)
        #expect(bytes.count <= TutorialParser.maximumFileBytes)
        let start = ContinuousClock.now
        let diagnostics = FixtureFiles.diagnostics(bytes: bytes)
        let elapsed = ContinuousClock.now - start
        print("pathological markdown: \(shape.name): \(bytes.count) bytes in \(elapsed)")
        if let refusal = shape.refusal {
            #expect(diagnostics.count == 1, "\(diagnostics)")
            #expect(diagnostics.first?.contains("error: \(refusal)") == true, "\(diagnostics)")
        } else {
            #expect(
                diagnostics.allSatisfy { !$0.contains("nest deeper") && !$0.contains("table of") }, "\(diagnostics)")
        }
        // A guard against super-linear blow-ups (seconds to minutes), not a speed measurement:
        // the < 1 s target holds for a release build on an idle machine (docs/documents.md); a
        // debug build sharing two cores with other test processes takes a few times longer.
        #expect(elapsed < .seconds(8))
    }
}
