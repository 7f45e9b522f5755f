import Foundation
import Testing
import TutorSupport
import TutorTestSupport

@testable import TutorDocument

@Suite("Patterns: a linear-time subset")
struct InputPatternTests {
    /// The tutorials' own patterns behave as they did with NSRegularExpression / Swift Regex.
    @Test func theTutorialsPatterns() throws {
        let port = try InputPattern(
            "([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])")
        for good in ["1", "80", "5000", "65535", "10000"] { #expect(port.matches(good), "\(good)") }
        for bad in ["0", "65536", "5000x", "", "-1", "5000\n"] { #expect(!port.matches(bad), "\(bad)") }
        let name = try InputPattern("[A-Za-z0-9][A-Za-z0-9 ._-]{0,119}")
        #expect(name.matches("tutor-flask webapp_1.0"))
        #expect(!name.matches("-x") && !name.matches(String(repeating: "a", count: 121)))
        #expect(name.matches(String(repeating: "a", count: 120)))
        let subdomain = try InputPattern(#"^([^.]+)\.onmicrosoft\.com$"#)
        #expect(subdomain.capturedValue(in: "contoso.onmicrosoft.com") == "contoso")
        #expect(subdomain.capturedValue(in: "contoso.example.com") == nil)
    }

    @Test func leftmostFirstWithGroupsAsBacktrackingEnginesChoose() throws {
        #expect(try InputPattern("a(b|bc)").firstMatch(in: "xabc")?.groups == ["b"])
        #expect(try InputPattern("(a+)(a*)").firstMatch(in: "aaa")?.groups == ["aaa", ""])
        #expect(try InputPattern("(a+?)(a*)").firstMatch(in: "aaa")?.groups == ["a", "aa"])
        #expect(try InputPattern("(x)?y").firstMatch(in: "y")?.groups == [nil])
        #expect(try InputPattern("(x)?y").capturedValue(in: "y") == nil)
        #expect(try InputPattern("[0-9]+").capturedValue(in: "id 42 and 7") == "42")
        #expect(try InputPattern("$").firstMatch(in: "abc")?.whole == "")
        #expect(try InputPattern(#"\d{2,3}"#).capturedValue(in: "a1234") == "123")
        #expect(try InputPattern("(a|ab)(c|bcd)(d*)").firstMatch(in: "abcd")?.groups == ["a", "bcd", ""])
        #expect(try InputPattern(#"[\w.-]+@[^\s]+"#).capturedValue(in: "to: ada@example.com now") == "ada@example.com")
        #expect(try InputPattern("é+").matches("éé"))
        #expect(try !InputPattern("a.c").matches("a\nc"))
    }

    /// `(a+)+$` against 48 a's and a '!' takes 2^48 steps with a backtracking engine.
    @Test func nestedQuantifiersRunInLinearTime() throws {
        let start = ContinuousClock.now
        let pattern = try InputPattern("(a+)+$")
        let text = String(repeating: "a", count: 48) + "!"
        #expect(!pattern.matches(text))
        #expect(pattern.firstMatch(in: text) == nil)
        let long = String(repeating: "a", count: 20_000) + "!"
        #expect(try !InputPattern("(a*)*(a|b)*c").matches(long))
        // A backtracking engine would need years; the bound leaves room for a loaded CI machine.
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    @Test(arguments: [
        (#"(a)\1"#, "backreferences (\\1) are not supported (at character 4)"),
        ("(?=a)b", "lookahead are not supported; only (…) and (?:…) groups are (at character 1)"),
        ("(?<!a)b", "lookbehind are not supported; only (…) and (?:…) groups are (at character 1)"),
        ("(?<n>a)", "named groups are not supported; only (…) and (?:…) groups are (at character 1)"),
        (
            "(?i)a",
            "inline options and other (?…) groups are not supported; only (…) and (?:…) groups are (at character 1)"
        ),
        ("a*+", "possessive quantifiers ('*+', '++', '?+', '}+') are not supported (at character 3)"),
        (
            "a**",
            "a repetition cannot be repeated again (possessive or nested quantifier); use a group (at character 3)"
        ),
        (#"\bword"#, "the anchor \\b is not supported; use ^ and $ (at character 1)"),
        (#"\p{L}"#, "Unicode properties (\\p{…}) are not supported (at character 1)"),
        (
            "a{2",
            "'{' must start a repetition such as {2}, {2,} or {0,5}; write \\{ for a literal brace (at character 2)"
        ),
        ("a{5,2}", "repetition {5,2} has its bounds reversed (at character 2)"),
        ("a{0,1001}", "repetition bounds above 1000 are not supported (at character 2)"),
        (
            "(a{0,100}){0,100}",
            "pattern is too large once its repetitions are written out (over 5000 steps) (at character 1)"
        ),
        ("[a", "'[' is never closed with ']' (at character 1)"),
        ("[z-a]", "the class range z-a is reversed (at character 5)"),
        ("[[a]]", "'[' inside a class is not supported; write \\[ (at character 2)"),
        ("(a", "'(' is never closed (at character 1)"),
        ("a)", "')' closes no group; write \\) for a literal parenthesis (at character 2)"),
        ("*a", "'*' has nothing to repeat (at character 1)"),
    ])
    func refusedPatterns(_ pattern: String, _ expected: String) {
        #expect(throws: PatternError.self) { try InputPattern(pattern) }
        do {
            _ = try InputPattern(pattern)
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test func theModelCarriesTheCompiledPattern() throws {
        let input = InputDeclaration(
            name: "port", pattern: "[0-9]+", location: SourceLocation(file: "t.md", line: 1, column: 1))
        #expect(input.matcher?.matches("5000") == true)
        #expect(input.matcher?.matches("5000x") == false)
        var capture = Capture(variable: "v", source: .body(jsonPath: .path("$.id")), pattern: "id-([0-9]+)")
        #expect(capture.matcher?.capturedValue(in: "id-42") == "42")
        capture.pattern = nil
        #expect(capture.matcher == nil)
    }

    /// The hang this replaces: `tutor plan` checked a default against `(a+)+$` with Swift Regex.
    @Test func aCatastrophicDefaultIsCheckedFast() {
        let text = """
            # T

            ## Step

            <!-- {"blockType": "inputs"} -->
            ```json
            {"word": {"default": "\(String(repeating: "a", count: 48))!", "pattern": "(a+)+$"}}
            ```

            """
        let start = ContinuousClock.now
        #expect {
            _ = try TutorialParser().parse(bytes: Array(text.utf8), path: FixtureFiles.path("bad/in-memory.md"))
        } throws: { error in
            guard case .invalid(let diagnostics) = error as? DocumentError else { return false }
            return diagnostics.map(\.description) == [
                "\(FixtureFiles.path("bad/in-memory.md")):6:1: error: input 'word' default '\(String(repeating: "a", count: 48))!' does not match its pattern (a+)+$"
            ]
        }
        // A backtracking engine would need years; the bound leaves room for a loaded CI machine.
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    @Test func refusedPatternsAreDocumentErrors() {
        let text = """
            # T

            ## Step

            <!-- {"blockType": "inputs"} -->
            ```json
            {"word": {"default": "aa", "pattern": "(a)\\\\1"}}
            ```

            <!-- {"blockType": "request", "name": "r", "capture": {"v": {"path": "$.id", "match": "(?=x)"}}} -->
            ```http
            GET https://graph.microsoft.com/v1.0/organization
            ```

            """
        let diagnostics = FixtureFiles.diagnostics(inMemory: text)
        #expect(
            diagnostics == [
                "bad/in-memory.md:6:1: error: input 'word' pattern is refused: backreferences (\\1) are not supported (at character 4)",
                "bad/in-memory.md:10:1: error: \"capture\" of 'v': \"match\" is refused: lookahead are not supported; only (…) and (?:…) groups are (at character 1)",
            ])
    }
}

extension FixtureFiles {
    /// Diagnostics of in-memory text read as `bad/in-memory.md`.
    static func diagnostics(inMemory text: String) -> [String] {
        diagnostics(bytes: Array(text.utf8))
    }

    /// Diagnostics of in-memory bytes read as `bad/in-memory.md`, as `short-file:line:column: severity: message`.
    static func diagnostics(bytes: [UInt8]) -> [String] {
        do {
            _ = try TutorialParser().parse(bytes: bytes, path: path("bad/in-memory.md"))
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
