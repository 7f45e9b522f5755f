import Foundation
import Testing
import TutorDocument
import TutorRunner

@testable import TutorVerify

#if canImport(FoundationXML)
    import FoundationXML
#endif

@Suite("tutor verify pieces")
struct VerifyUnitTests {
    @Test("Shards are disjoint and complete, and stable", arguments: [1, 2, 3, 5, 8])
    func shardsSplit(count: Int) throws {
        let paths = (1...40).map { "tutorials/topic-\($0)/tutorial.md" } + ["./tutorials/a.md", "b.md"]
        var seen: [String] = []
        for index in 1...count {
            let share = try Shard(index: index, count: count).select(paths)
            #expect(Set(share).isDisjoint(with: seen))
            seen += share
            // Deterministic: the same selection every time, in the given order.
            #expect(share == paths.filter { Shard.shardIndex(of: $0, count: count) == index })
        }
        #expect(seen.sorted() == paths.sorted())
    }

    @Test("The shard hash is FNV-1a of the path without ./")
    func shardHash() throws {
        #expect(Shard.stableHash("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(Shard.shardIndex(of: "./x/y.md", count: 7) == Shard.shardIndex(of: "x/y.md", count: 7))
        #expect(try Shard(parsing: "2/3") == Shard(index: 2, count: 3))
        #expect(throws: VerifyError.self) { try Shard(parsing: "4/3") }
        #expect(throws: VerifyError.self) { try Shard(parsing: "0/3") }
        #expect(throws: VerifyError.self) { try Shard(parsing: "two") }
    }

    @Test("Inputs whose default is a name get the run's suffix; numbers and --var values do not")
    func uniqueNames() {
        let here = SourceLocation(file: "t.md", line: 1, column: 1)
        let tutorial = Tutorial(
            path: "t.md", sha256: "", title: "t", frontMatter: [], steps: [],
            inputs: [
                InputDeclaration(name: "appName", defaultValue: "my-app", pattern: "[a-z0-9-]{1,20}", location: here),
                InputDeclaration(name: "port", defaultValue: "5000", pattern: "[0-9]+", location: here),
                InputDeclaration(name: "flow", defaultValue: "flow", pattern: "[a-z]{1,10}", location: here),
                InputDeclaration(name: "given", defaultValue: "name", location: here),
                InputDeclaration(name: "url", defaultValue: "https://example.com", location: here),
            ], outputs: [])
        let overrides = UniqueNames.overrides(for: tutorial, suffix: "vabcde-3", given: ["given": "mine"])
        #expect(overrides == ["appName": "my-app-vabcde-3"])
    }

    @Test("The write budget spaces writes at its rate after the burst, and a 429 pauses it")
    func writeBudget() async {
        let budget = WriteBudget(writesPerSecond: 10, burst: 2)
        #expect(await budget.reserve() == .zero)
        #expect(await budget.reserve() == .zero)
        let third = await budget.reserve()
        let fourth = await budget.reserve()
        #expect(third > .milliseconds(50) && third <= .milliseconds(100))
        #expect(fourth > third)
        await budget.pause(for: .seconds(5))
        #expect(await budget.reserve() > .seconds(4))
    }

    /// Microsoft Entra ID's documented write quota for one application in one tenant is 3,000
    /// writes per 2 minutes 30 seconds ("Identity and access service limits",
    /// https://learn.microsoft.com/graph/throttling-limits; microsoftgraph/microsoft-graph-docs-contrib
    /// concepts/throttling-limits.md). The default budget, driven as fast as it allows, must never
    /// put more than that into any 150-second window, and must not be slower than that needs:
    /// its burst and rate use up the whole quota.
    @Test("The default write budget keeps every 150 s window within Entra's write quota, and uses all of it")
    func defaultWriteBudgetMatchesTheDocumentedQuota() async {
        #expect(EntraWriteQuota.writes == 3_000 && EntraWriteQuota.window == .seconds(150))
        let window = Double(EntraWriteQuota.window.components.seconds)
        #expect(
            Double(WriteBudget.defaultBurst) + WriteBudget.defaultWritesPerSecond * window
                == Double(EntraWriteQuota.writes))
        let budget = WriteBudget(writesPerSecond: WriteBudget.defaultWritesPerSecond, burst: WriteBudget.defaultBurst)
        let start = ContinuousClock.now
        // 7,000 writes, each asked for when the one before it left: a caller as eager as can be.
        var sent: [Double] = []
        var now = start
        for _ in 0..<7_000 {
            now = now + (await budget.reserve(at: now))
            sent.append((now - start).seconds)
        }
        var busiest = 0
        var first = 0
        for last in sent.indices {
            while sent[last] - sent[first] >= window { first += 1 }
            busiest = max(busiest, last - first + 1)
        }
        #expect(busiest <= EntraWriteQuota.writes)
        #expect(busiest >= EntraWriteQuota.writes - 1)
        // The burst goes at once: a verify run's few hundred writes are not held back.
        #expect(sent[WriteBudget.defaultBurst - 1] < 0.001)
    }

    @Test("Annotation text escapes newlines, percent signs, and property separators")
    func annotationEscaping() {
        #expect(VerifyReport.annotationData("50%\nnext") == "50%25%0Anext")
        #expect(VerifyReport.annotationProperty("a:b,c") == "a%3Ab%2Cc")
    }

    @Test("XML attributes escape markup and drop characters XML cannot hold")
    func xmlEscaping() {
        #expect(VerifyReport.attribute("a<b & \"c\"\n\u{1}") == "\"a&lt;b &amp; &quot;c&quot;&#10;\"")
    }
}

/// Checks a JUnit report against the shape of the common (Jenkins/Ant) JUnit XML schema:
/// element nesting and order, required attributes, counts that add up.
enum JUnitShape {
    struct Mismatch: Error, CustomStringConvertible {
        var description: String
    }

    static func check(_ xml: String, suites: Int, cases: [Int], failures: Int, skipped: Int) throws {
        #if canImport(FoundationXML) || canImport(Darwin)
            let document = try XMLDocument(xmlString: xml, options: [])
            let root = try #require(document.rootElement())
            #expect(root.name == "testsuites")
            let suiteElements = root.elements(forName: "testsuite")
            #expect(suiteElements.count == suites)
            #expect(root.children?.count == suites)
            var totalFailures = 0
            var totalSkipped = 0
            for (index, suite) in suiteElements.enumerated() {
                for attribute in [
                    "name", "tests", "failures", "errors", "skipped", "time", "timestamp", "hostname", "id", "package",
                ] {
                    #expect(suite.attribute(forName: attribute) != nil, "testsuite lacks \(attribute)")
                }
                let names = suite.children?.compactMap(\.name) ?? []
                let expected =
                    ["properties"] + Array(repeating: "testcase", count: cases[index]) + ["system-out", "system-err"]
                #expect(names == expected)
                let testcases = suite.elements(forName: "testcase")
                #expect(suite.attribute(forName: "tests")?.stringValue == "\(testcases.count)")
                var suiteFailures = 0
                var suiteSkipped = 0
                for testcase in testcases {
                    #expect(testcase.attribute(forName: "name") != nil)
                    #expect(testcase.attribute(forName: "classname") != nil)
                    #expect(Double(testcase.attribute(forName: "time")?.stringValue ?? "") != nil)
                    let children = testcase.children?.compactMap(\.name) ?? []
                    #expect(children.count <= 1)
                    for failure in testcase.elements(forName: "failure") {
                        #expect(
                            ["doc", "environment", "transient"].contains(
                                failure.attribute(forName: "type")?.stringValue ?? ""))
                        #expect(failure.attribute(forName: "message") != nil)
                        suiteFailures += 1
                    }
                    suiteSkipped += testcase.elements(forName: "skipped").count
                }
                #expect(suite.attribute(forName: "failures")?.stringValue == "\(suiteFailures)")
                #expect(suite.attribute(forName: "skipped")?.stringValue == "\(suiteSkipped)")
                totalFailures += suiteFailures
                totalSkipped += suiteSkipped
            }
            #expect(totalFailures == failures)
            #expect(totalSkipped == skipped)
            #expect(root.attribute(forName: "failures")?.stringValue == "\(failures)")
        #else
            throw Mismatch(description: "no XML parser on this platform")
        #endif
    }
}
