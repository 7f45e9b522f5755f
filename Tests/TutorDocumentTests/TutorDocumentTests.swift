import Foundation
import Testing
import TutorSupport
import TutorTestSupport

@testable import TutorDocument

/// Where the fixtures are, and helpers to read them with paths relative to that folder.
enum FixtureFiles {
    static let root: String = {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            fatalError("test fixtures are missing from the bundle")
        }
        return url.path
    }()

    static func path(_ relative: String) -> String { root + "/" + relative }

    /// The path with the fixture folder removed, so tests can compare short names.
    static func short(_ path: String) -> String {
        path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
    }

    static func parse(_ relative: String) throws -> Tutorial {
        try TutorialParser().parse(path: path(relative))
    }

    /// Diagnostics of a document that must fail, as `short-file:line:column: severity: message`.
    static func diagnostics(_ relative: String) -> [String] {
        do {
            _ = try parse(relative)
            return []
        } catch DocumentError.invalid(let diagnostics) {
            return diagnostics.map { diagnostic in
                "\(short(diagnostic.location.file)):\(diagnostic.location.line):\(diagnostic.location.column): "
                    + "\(diagnostic.severity.rawValue): \(diagnostic.message)"
            }
        } catch {
            return ["unexpected error: \(error)"]
        }
    }
}

@Suite("Parsing a tutorial with includes and DocFX extensions")
struct ParserTests {
    let tutorial: Tutorial

    init() throws {
        tutorial = try FixtureFiles.parse("good/tutorial.md")
    }

    @Test func titleFrontMatterAndSteps() {
        #expect(tutorial.title == "Fixture tutorial")
        #expect(tutorial.frontMatter.first?.key == "title")
        #expect(tutorial.frontMatter.first?.value == .string("Fixture tutorial"))
        // The tab headings and the alerts, checklist, image and zone lines do not make steps.
        #expect(tutorial.steps.map(\.title) == ["First step", "Second step"])
        #expect(tutorial.steps.map(\.isManual) == [false, true])
        #expect(tutorial.warnings.isEmpty)
    }

    @Test func stepPositionsAreExact() {
        let first = tutorial.steps[0].location
        #expect(FixtureFiles.short(first.file) == "good/tutorial.md")
        #expect(first.line == 21)
        #expect(first.column == 1)
        #expect(tutorial.steps[1].location.line == 52)
    }

    @Test func requestInTheTopLevelFile() throws {
        let request = try #require(tutorial.steps[0].requests.first)
        #expect(request.name == "read_org")
        #expect(request.method == "GET")
        #expect(request.url == "https://graph.microsoft.com/v1.0/organization")
        #expect(request.effect == .reads)
        #expect(request.location.line == 26)
        #expect(request.location.column == 1)
        #expect(request.location.includeChain.isEmpty)
        #expect(request.captures == [Capture(variable: "orgId", source: .body(jsonPath: .path("$.value[0].id")))])
        #expect(request.scopes == ["Organization.Read.All"])
        let expectation = try #require(request.expectation)
        #expect(expectation.status == 200)
        #expect(expectation.location.line == 31)
        #expect(expectation.headers == [HeaderTemplate(name: "Content-Type", value: "application/json")])
        #expect(expectation.body == #"{"value": [{"id": "*"}]}"#)
    }

    @Test func requestTwoIncludesDeepKeepsItsChainAndIndentedColumn() throws {
        let request = try #require(tutorial.steps[0].requests.last)
        #expect(request.name == "create_app")
        #expect(FixtureFiles.short(request.location.file) == "good/includes/nested/create.md")
        #expect(request.location.line == 7)
        #expect(request.location.column == 3)
        let chain = request.location.includeChain.map { "\(FixtureFiles.short($0.file)):\($0.line):\($0.column)" }
        #expect(chain == ["good/tutorial.md:48:1", "good/includes/block.md:12:1"])
        #expect(request.url == "https://graph.microsoft.com/v1.0/applications?x={{color}}")
        #expect(request.headers == [HeaderTemplate(name: "Content-Type", value: "application/json")])
        #expect(request.body == #"{"displayName": "{{name}}", "orgId": "{{orgId}}"}"#)
        #expect(request.secrets == ["secretValue"])
        #expect(request.retry == RetryRule(statuses: [404], errorCodes: ["NoBackingApplicationObject"], maxSeconds: 30))
        #expect(
            request.cleanup
                == CleanupRule(
                    method: "DELETE", url: "https://graph.microsoft.com/v1.0/applications/{{appId}}",
                    resourceType: "application"))
        #expect(request.variables == ["appId", "color", "name", "orgId"])
    }

    @Test func inputsFromFrontMatterAndIncludedBlock() {
        #expect(tutorial.inputs.map(\.name) == ["color", "name"])
        #expect(tutorial.inputs[0].defaultValue == "blue")
        #expect(tutorial.inputs[0].pattern == "[a-z]+")
        #expect(tutorial.inputs[1].defaultValue == "fixture-app")
        #expect(tutorial.inputs[1].description == "App name")
        #expect(tutorial.inputs[1].location.line == 8)
        #expect(tutorial.inputs[1].location.includeChain.count == 1)
    }

    @Test func outputsAreTemplates() {
        #expect(tutorial.outputs.map(\.name) == ["ORG", "COLOR", "NAME"])
        #expect(tutorial.outputs.map(\.value) == ["{{orgId}}", "{{color}}", "{{name}}"])
        #expect(tutorial.outputs.allSatisfy { !$0.isSecret })
    }

    @Test func sha256OfTheTopLevelFile() throws {
        #expect(tutorial.sha256.count == 64)
        #expect(tutorial.sha256.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        let again = try FixtureFiles.parse("good/tutorial.md")
        #expect(again.sha256 == tutorial.sha256)
    }

    @Test func parsesBytesInMemoryWithIncludesNextToThePath() throws {
        let text = """
            ---
            inputs: {color: red, orgId: org}
            ---
            # In memory

            ## Only step

            [!INCLUDE [percent-escaped path](includes%2Fblock.md)]
            """
        let parsed = try TutorialParser().parse(
            bytes: Array((text + "\n").utf8), path: FixtureFiles.path("good/in-memory.md"))
        #expect(parsed.steps.map(\.title) == ["Only step"])
        #expect(parsed.requests.map(\.name) == ["create_app"])
        #expect(parsed.requests[0].location.includeChain.map(\.line) == [8, 12])
        #expect(parsed.inputs.map(\.name) == ["color", "orgId", "name"])
    }

    @Test func unknownKeysAreWarnings() throws {
        let text = """
            # W

            ## Step

            <!-- {"blockType": "request", "name": "r", "truncated": true, "captures": {}} -->
            ```http
            GET https://graph.microsoft.com/v1.0/organization
            ```
            """
        let parsed = try TutorialParser().parse(bytes: Array(text.utf8), path: FixtureFiles.path("good/w.md"))
        #expect(parsed.warnings.map(\.message) == ["unknown annotation key 'captures' is ignored"])
        #expect(parsed.warnings.first?.location.line == 5)
    }

    @Test func setextDashClosingATabGroupIsNotAStep() throws {
        let tabs = try FixtureFiles.parse("bad/sub/tab-setext.md")
        #expect(tabs.steps.map(\.title) == ["Real step"])
    }
}

@Suite("Bad input gives file:line:column diagnostics")
struct BadInputTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var file: String
        var expected: [String]
        var testDescription: String { file }
    }

    static let cases: [Case] = [
        Case(file: "bad/empty.md", expected: ["bad/empty.md:1:1: error: file is empty"]),
        Case(file: "bad/blank.md", expected: ["bad/blank.md:1:1: error: file is empty"]),
        Case(file: "bad/not-utf8.md", expected: ["bad/not-utf8.md:5:4: error: file is not UTF-8 text (byte 0xE9"]),
        Case(file: "bad/bad-yaml.md", expected: ["bad/bad-yaml.md:3:1: error: front matter is not YAML"]),
        Case(
            file: "bad/unclosed-front-matter.md",
            expected: ["bad/unclosed-front-matter.md:1:1: error: front matter opened here is never closed"]),
        Case(
            file: "bad/unterminated-fence.md",
            expected: ["bad/unterminated-fence.md:6:1: error: code fence opened here is never closed"]),
        Case(file: "bad/not-json.md", expected: ["bad/not-json.md:5:39: error: annotation is not JSON"]),
        Case(
            file: "bad/unknown-blocktype.md",
            expected: ["bad/unknown-blocktype.md:5:1: error: unknown blockType 'requets'"]),
        Case(
            file: "bad/no-method.md",
            expected: ["bad/no-method.md:7:1: error: request 'r' must start with 'METHOD URL'"]),
        Case(
            file: "bad/no-url.md",
            expected: [
                "bad/no-url.md:7:1: error: request 'r' has a method but no URL",
                "bad/no-url.md:12:5: error: request 's' URL must be absolute",
            ]),
        Case(
            file: "bad/duplicate-names.md",
            expected: ["bad/duplicate-names.md:13:1: error: request name 'same' is used twice (first at "]),
        Case(
            file: "bad/undefined-variable.md",
            expected: [
                "bad/undefined-variable.md:7:52: error: variable 'objectId' is neither an input nor captured by an earlier request",
                "bad/undefined-variable.md:10:12: error: variable 'later' is neither an input nor captured by an earlier request (request 'second' captures it, but later)",
            ]),
        Case(
            file: "bad/include-missing.md",
            expected: ["bad/include-missing.md:5:1: error: cannot include 'includes/not-there.md'"]),
        Case(
            file: "bad/include-cycle.md",
            expected: ["bad/sub/cycle-b.md:2:1: error: include cycle: cycle-a.md → cycle-b.md → cycle-a.md"]),
        Case(
            file: "bad/include-absolute.md",
            expected: ["bad/include-absolute.md:5:1: error: include path '/etc/passwd' is absolute"]),
        Case(
            file: "bad/include-url.md",
            expected: ["bad/include-url.md:5:1: error: include path 'https://example.com/x.md' is a URL"]),
        Case(
            file: "bad/sub/escapes.md",
            expected: ["bad/sub/escapes.md:5:1: error: include path '../empty.md' leaves the tutorial's folder"]),
        Case(file: "bad/include-deep.md", expected: ["bad/deep/10.md:3:1: error: includes nest deeper than 10 levels"]),
        Case(
            file: "bad/annotation-misc.md",
            expected: [
                "bad/annotation-misc.md:2:1: error: front matter must be a YAML mapping",
                "bad/annotation-misc.md:7:1: error: response block has no request block right before it",
                "bad/annotation-misc.md:14:1: error: request annotation 'lonely' must be followed by a ```http code block",
                "bad/annotation-misc.md:17:1: error: annotation must stand on its own line",
                "bad/annotation-misc.md:19:1: error: \"lookup\" must also capture 'b'",
                "bad/annotation-misc.md:19:1: error: \"lookup\" captures 'c', which request 'mismatch' itself does not capture",
                "bad/annotation-misc.md:19:1: error: \"retry\" has unknown key 'status'",
                "bad/annotation-misc.md:19:1: error: \"retry\" names no statuses and no errorCodes",
                "bad/annotation-misc.md:19:1: error: \"cleanup\" has unknown key 'verb'",
                "bad/annotation-misc.md:19:1: error: variable 'undefinedInLookup' is neither an input nor captured",
                "bad/annotation-misc.md:27:1: error: request 'wrong-fence' must be a ```http code block, not ```json",
                "bad/annotation-misc.md:32:1: error: annotation has no \"blockType\"",
            ]),
    ]

    @Test(arguments: cases)
    func reportsTheProblemWhereItIs(_ testCase: Case) {
        let diagnostics = FixtureFiles.diagnostics(testCase.file)
        #expect(diagnostics.count == testCase.expected.count, "\(diagnostics)")
        for (diagnostic, expected) in zip(diagnostics, testCase.expected) {
            #expect(diagnostic.hasPrefix(expected), "\(diagnostic)")
        }
    }

    @Test func includeChainIsPrinted() throws {
        do {
            _ = try FixtureFiles.parse("bad/include-cycle.md")
            Issue.record("a cyclic include must fail")
        } catch let error as DocumentError {
            let lines = error.description.split(separator: "\n").map(String.init)
            #expect(lines.count == 3)
            #expect(lines[1].hasPrefix("  included from ") && lines[1].hasSuffix("bad/sub/cycle-a.md:3:1"))
            #expect(lines[2].hasPrefix("  included from ") && lines[2].hasSuffix("bad/include-cycle.md:5:1"))
            #expect(error.exitStatus == .dataError)
        }
    }

    @Test func allDiagnosticsAreCollectedInDocumentOrder() {
        let diagnostics = FixtureFiles.diagnostics("bad/many-errors.md")
        let expected = [
            "bad/many-errors.md:3:1: error: request 'early' comes before the first '## step' heading",
            "bad/many-errors.md:10:1: error: request annotation needs a \"name\"",
            "bad/many-errors.md:17:1: error: response must start with a status line",
            "bad/many-errors.md:21:1: error: input 'port' default 'x' does not match its pattern [0-9]+",
            "bad/many-errors.md:25:1: error: \"capture\" of 'v': a JSONPath starts with '$'",
            "bad/many-errors.md:25:1: error: secret 'w' is not captured by request 'body'",
            "bad/many-errors.md:30:17: error: '{{' does not start a variable",
            "bad/many-errors.md:30:18: error: request body is not JSON",
            "bad/many-errors.md:34:1: error: output 'OUT' uses 'nowhere', which is neither an input nor captured",
            "bad/many-errors.md:38:1: error: this looks like an include but is not '[!INCLUDE [title](path)]'",
        ]
        #expect(diagnostics.count == expected.count, "\(diagnostics)")
        for (diagnostic, prefix) in zip(diagnostics, expected) {
            #expect(diagnostic.hasPrefix(prefix), "\(diagnostic)")
        }
    }

    @Test(arguments: ["bad/a-directory.md", "bad/does-not-exist.md"])
    func cannotOpenExits66(_ file: String) {
        #expect {
            _ = try FixtureFiles.parse(file)
        } throws: { error in
            guard let error = error as? DocumentError, case .cannotOpen = error else { return false }
            return error.exitStatus == .noInput
        }
    }
}

@Suite("Include confinement through symbolic links")
struct SymbolicLinkTests {
    @Test func aLinkThatLeavesTheFolderIsRefused() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("tutor-link-\(UUID().uuidString)")
        let folder = base.appendingPathComponent("tutorial")
        defer { try? FileManager.default.removeItem(at: base) }
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("inc"), withIntermediateDirectories: true)
        try Data("outside text\n".utf8).write(to: base.appendingPathComponent("outside.md"))
        try FileManager.default.createSymbolicLink(
            atPath: folder.appendingPathComponent("inc/link.md").path, withDestinationPath: base.path + "/outside.md")
        try Data("inside text\n".utf8).write(to: folder.appendingPathComponent("inc/inside.md"))
        try Data("# T\n\n## S\n\n[!INCLUDE [l](inc/link.md)]\n\n[!INCLUDE [i](inc/inside.md)]\n".utf8)
            .write(to: folder.appendingPathComponent("t.md"))
        #expect {
            _ = try TutorialParser().parse(path: folder.appendingPathComponent("t.md").path)
        } throws: { error in
            guard case .invalid(let diagnostics) = error as? DocumentError else { return false }
            return diagnostics.map(\.message) == ["include path 'inc/link.md' leaves the tutorial's folder"]
                && diagnostics.first?.location.line == 5
        }
    }
}

@Suite("Front matter scalars")
struct FrontMatterTests {
    @Test(arguments: [
        ("", JSONValue.null), ("~", .null), ("null", .null), ("true", .bool(true)), ("False", .bool(false)),
        ("5000", .number(5000)), ("-1.5", .number(-1.5)), ("1e3", .number(1000)), ("0x1F", .number(31)),
        ("0o17", .number(15)), ("yes", .string("yes")), ("1.2.3", .string("1.2.3")), ("-", .string("-")),
        (".inf", .string(".inf")), ("03/19/2024", .string("03/19/2024")), ("e", .string("e")),
    ])
    func plainScalarsFollowTheCoreSchema(_ text: String, _ expected: JSONValue) {
        #expect(FrontMatter.plainScalar(text) == expected)
    }

    @Test func quotedScalarsStayStrings() throws {
        var source = SourceText(bytes: Array("---\na: 'true'\nb: \"5\"\nc: 5\nd: [x, 2]\n---\n# T\n".utf8))
        guard case .success(let found?) = FrontMatter.extract(from: &source) else {
            Issue.record("front matter not read")
            return
        }
        #expect(
            found.members == [
                .init("a", .string("true")), .init("b", .string("5")), .init("c", .number(5)),
                .init("d", .array([.string("x"), .number(2)])),
            ])
        #expect(source.line(2).allSatisfy { $0 == UInt8(ascii: " ") })
        #expect(source.line(7).text == "# T")
    }
}
