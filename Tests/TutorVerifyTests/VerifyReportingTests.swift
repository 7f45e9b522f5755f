import Foundation
import Testing
import TutorCLI
import TutorDocument
import TutorHTTP
import TutorRunner
import TutorSandbox
import TutorSupport
import TutorTestSupport

@testable import TutorVerify

/// What a docs author reads: where a failure points, how an interruption is reported, which
/// format a report takes.
@Suite("tutor verify tells docs authors where and what", .serialized)
struct VerifyReportingTests {
    @Test("A Graph 400 naming a property points at that property's line in the request body")
    func misspelledPropertyPointsAtItsLine() async throws {
        let harness = try await VerifyHarness.start()
        defer { Task { await harness.sandbox.stop() } }
        // The first occurrence is the request body's (the response block comes after it).
        let path = try LedgerTests.brokenCopy(
            include: LedgerTests.registerInclude, replacing: #""signInAudience": "AzureADMyOrg""#,
            with: #""signInAudiance": "AzureADMyOrg""#)
        let include = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(
            LedgerTests.registerInclude)
        let propertyLine = try line(
            in: include, after: "POST https://graph.microsoft.com/v1.0/applications",
            startingWith: #"  "signInAudiance""#)

        let report = try await harness.verify([path])

        let failure = try #require(report.tutorials.first?.failure)
        #expect(failure.failureClass == .doc)
        #expect(failure.status == 400)
        #expect(failure.message.contains("signInAudiance"))
        #expect(failure.file == include.path)
        #expect(failure.line == propertyLine)
    }

    @Test("A status other than the documented one points at the response block")
    func statusMismatchPointsAtTheResponseBlock() async throws {
        let harness = try await VerifyHarness.start()
        defer { Task { await harness.sandbox.stop() } }
        let path = try LedgerTests.brokenCopy(
            include: LedgerTests.registerInclude, replacing: "HTTP/1.1 201 Created", with: "HTTP/1.1 200 OK")
        let include = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(
            LedgerTests.registerInclude)
        let responseLine = try line(in: include, after: #""blockType": "response""#, startingWith: "```http")

        let report = try await harness.verify([path])

        let failure = try #require(report.tutorials.first?.failure)
        #expect(failure.errorCode == "UnexpectedStatus")
        #expect(failure.line == responseLine)
    }

    @Test("Ctrl-C during a tutorial is reported as interrupted, not as a failure, and cleaned up")
    func interruptionIsNotAFailure() async throws {
        let harness = try await VerifyHarness.start()
        defer { Task { await harness.sandbox.stop() } }
        let before = try await harness.objects()
        let flag = InterruptFlag()
        let verifier = Verifier(
            connection: harness.connection,
            // Ctrl-C, as it were, once five requests have gone out.
            transports: [CountingTransport(inner: harness.client) { count in if count == 5 { flag.raise() } }],
            options: VerifyOptions(stateRoot: try temporaryDirectory(), writesPerSecond: 0, toolVersion: "test"),
            interrupt: flag)

        let report = await verifier.verify(try tutorialCopies(1))

        #expect(report.status == "interrupted")
        #expect(report.exitStatus == .interrupted)
        let result = try #require(report.tutorials.first)
        #expect(result.status == .interrupted)
        #expect(result.failure == nil)
        #expect(report.summary.failuresByClass.isEmpty)
        #expect(result.steps.contains { $0.skippedReason == "interrupted" })
        #expect(report.markdownSummary().contains("interrupted"))
        #expect(try await harness.objects() == before)
    }

    @Test("A /beta request on the sandbox, which serves v1.0, says so")
    func betaOnTheSandboxSaysSo() async throws {
        let harness = try await VerifyHarness.start()
        defer { Task { await harness.sandbox.stop() } }
        let path = try LedgerTests.brokenCopy(
            include: LedgerTests.registerInclude,
            replacing: "GET https://graph.microsoft.com/v1.0/organization",
            with: "GET https://graph.microsoft.com/beta/organization")

        let report = try await harness.verify([path])

        let failure = try #require(report.tutorials.first?.failure)
        #expect(failure.message.contains("/beta, which the sandbox does not serve"))
    }

    @Test("tutor verify takes a folder of tutorials and writes Markdown to a .md report")
    func folderArgumentAndMarkdownReport() async throws {
        let root = try temporaryDirectory()
        let report = root.appendingPathComponent("verify.md")
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_STATE_HOME"] = root.appendingPathComponent("xdg").path
        let outcome = await Tutor.capture(
            [
                "verify", VerifyHarness.fixtures.appendingPathComponent("no-wait").path, "--replication-lag-ms", "0",
                "--state-root", root.appendingPathComponent("state").path, "--report", report.path,
            ], environment: environment)
        #expect(outcome.status == 0, "\(outcome.error)")
        let text = try String(contentsOf: report, encoding: .utf8)
        #expect(text.hasPrefix("#"))
        #expect(text.contains("1 of 1 tutorial passed"))
        #expect(!text.hasPrefix("{"))
    }
}

/// `tutor runs`: the state folders and what they still hold; `--prune` removes only the ones
/// that hold nothing in the tenant.
@Suite("tutor runs", .serialized)
struct RunsCommandTests {
    @Test func pruneKeepsWhatStillHoldsResources() async throws {
        let harness = try await VerifyHarness.start()
        defer { Task { await harness.sandbox.stop() } }
        let root = try temporaryDirectory()
        let tutorial = try TutorialParser().parse(path: try tutorialCopies(1)[0])
        var folders: [URL] = []
        for name in ["cleaned", "holding"] {
            let state = root.appendingPathComponent("runs/\(name)")
            _ = try await TutorialRunner(
                tutorial: tutorial, connection: harness.connection, transport: harness.client,
                options: RunOptions(variables: ["appName": "runs-\(name)"], stateDirectory: state, toolVersion: "test")
            ).run()
            folders.append(state)
        }
        _ = try await RunStateCleanup.clean(
            stateDirectory: folders[0], connection: harness.connection, transport: harness.client)

        let outcome = await Tutor.capture(
            ["runs", "--root", root.path, "--prune", "--json"], environment: ProcessInfo.processInfo.environment)
        let output = outcome.output
        #expect(outcome.status == 0)
        let lines = try output.split(separator: "\n").map { try JSONValue.parse(Data($0.utf8)) }
        #expect(lines.count == 2)
        let holding = lines.first { $0["stateDir"]?.stringValue?.hasSuffix("holding") == true }
        // (The second run finds the first one's user flow by its name, so it holds 4 of its own.)
        #expect(holding?["resourcesLeft"]?.numberValue == 4)
        #expect(holding?["removed"]?.boolValue == false)
        #expect(!FileManager.default.fileExists(atPath: folders[0].path))
        #expect(FileManager.default.fileExists(atPath: folders[1].path))
    }
}
