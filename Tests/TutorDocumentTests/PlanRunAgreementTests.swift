import Foundation
import Testing
import TutorSupport

@testable import TutorDocument

/// Whatever `plan` accepts, the runner can evaluate: every template expands once its variables
/// have values, every JSON body is JSON once they are numerals, and every capture path evaluates.
/// The runner calls these same functions (`Template.expand`, `JSONPath.select`), so a document
/// that passes here cannot fail at run time on syntax.
@Suite struct PlanRunAgreementTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Every Markdown file of the corpus: the tutorials, the parser's fixtures and the fuzz seeds.
    static let corpus: [String] = {
        var files: [String] = []
        for folder in ["tutorials", "Tests/TutorDocumentTests/Fixtures", "Tests/Fuzz/seeds"] {
            let root = repository.appendingPathComponent(folder)
            guard let walker = FileManager.default.enumerator(atPath: root.path) else { continue }
            for case let relative as String in walker where relative.hasSuffix(".md") && !relative.contains("includes/")
            {
                files.append(root.appendingPathComponent(relative).path)
            }
        }
        return files.sorted()
    }()

    @Test func theCorpusHoldsTheTutorials() {
        #expect(Self.corpus.filter { $0.contains("/tutorials/") }.count >= 5)
    }

    @Test(arguments: corpus)
    func acceptedDocumentsEvaluate(_ file: String) throws {
        guard let tutorial = try? TutorialParser().parse(path: file) else { return }
        // Numerals are valid JSON wherever plan put a `0`, and fine text in URLs and headers.
        var values: [String: String] = [:]
        for input in tutorial.inputs { values[input.name] = "1" }
        for request in tutorial.requests {
            for name in request.variables { values[name] = "1" }
            for capture in request.captures + (request.lookup?.captures ?? []) { values[capture.variable] = "1" }
        }
        let sample = try JSONValue.parse(#"{"value": [{"id": "1", "appId": "1"}], "id": "1"}"#)
        for request in tutorial.requests {
            let place = "\(request.location) \(request.name)"
            _ = try Template.expand(request.url, with: values, context: .url)
            for header in request.headers { _ = try Template.expand(header.value, with: values, context: .plain) }
            if let body = request.body {
                let expanded = try Template.expand(body, with: values, context: .json)
                if body.trimmingCharacters(in: .whitespaces).first == "{" {
                    #expect(throws: Never.self, "\(place): body") { try JSONValue.parse(expanded) }
                }
            }
            if let lookup = request.lookup { _ = try Template.expand(lookup.url, with: values, context: .url) }
            if let cleanup = request.cleanup { _ = try Template.expand(cleanup.url, with: values, context: .url) }
            for capture in request.captures + (request.lookup?.captures ?? []) {
                if case .body(let path) = capture.source { _ = try path.select(in: sample, variables: values) }
            }
        }
        for output in tutorial.outputs { _ = try Template.expand(output.value, with: values, context: .plain) }
    }
}
