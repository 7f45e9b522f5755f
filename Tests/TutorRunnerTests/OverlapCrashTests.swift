import Foundation
import Testing
import TutorRecord
import TutorSandbox
import TutorTestSupport

@testable import TutorRunner

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// SIGKILL while two creates are under way at once (the app and the user flow share nothing, so
/// they overlap): each was marked in flight before it left, and the resumed run finds what the
/// killed one made instead of making it again (docs/ledger.md, rule 2).
@Suite(.serialized) struct OverlapCrashTests {
    /// The saved record's requests whose create was sent but not answered.
    static func inFlight(_ state: URL) -> [String] {
        guard let data = FileManager.default.contents(atPath: RunStateStore(directory: state).recordURL.path),
            let record = try? JSONDecoder().decode(RunRecord.self, from: data)
        else { return [] }
        return record.steps.flatMap(\.requests).filter { $0.outcome == .inFlight }.map(\.name)
    }

    @Test func killedWithTwoCreatesInFlightResumesWithExactlyOnceResources() async throws {
        let root = Fixture.temporaryDirectory()
        // Slow answers, so that the kill lands while both creates are on their way.
        let (harness, environment) = try await CrashResumeTests.sandboxForProcesses(root: root, latencyMs: 300)
        defer { Task { await harness.sandbox.stop() } }
        let before = try await harness.objects()
        var kills = 0
        for attempt in 0..<3 where kills < 2 {
            let appName = "overlap-kill-\(attempt)"
            let state = root.appendingPathComponent("state-\(attempt)")
            let process = Process()
            process.executableURL = CrashResumeTests.tutorExecutable
            process.arguments = [
                "run", SandboxHarness.tutorialPath, "--state-dir", state.path, "--var", "appName=\(appName)",
                "--var", "userFlowName=overlap-flow-\(attempt)",
            ]
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            var marked: [String] = []
            for _ in 0..<3000 where process.isRunning {
                marked = Self.inFlight(state)
                if marked.count >= 2 { break }
                try await Task.sleep(for: .milliseconds(2))
            }
            kill(process.processIdentifier, SIGKILL)
            while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
            guard process.terminationReason == .uncaughtSignal, marked.count >= 2 else { continue }
            kills += 1
            #expect(Set(marked).isSubset(of: ["register_app", "create_user_flow"]), "\(marked)")
            #expect(Set(Self.inFlight(state)).isSuperset(of: marked))

            let rerun = try await CrashResumeTests.runTutor(
                appName: appName, state: state, environment: environment, killAfter: nil,
                extraArguments: ["--var", "userFlowName=overlap-flow-\(attempt)"])
            #expect(rerun.status == 0, "\(rerun.output)")
            try await harness.expectExactlyOnce(
                appName: appName, secretsFile: RunStateStore(directory: state).secretsURL)
            let flows = try await harness.get("/v1.0/identity/authenticationEventsFlows")["value"]?.arrayElements ?? []
            #expect(flows.filter { $0["displayName"]?.stringValue == "overlap-flow-\(attempt)" }.count == 1)
            // Both killed creates are in the ledger: cleanup leaves the tenant as it was.
            let cleanup = try await CrashResumeTests.tutor(
                ["cleanup", "--state-dir", state.path], environment: environment,
                log: root.appendingPathComponent("cleanup-\(attempt).log"))
            #expect(cleanup.status == 0, "\(cleanup.output)")
            #expect(try await harness.objects() == before)
        }
        #expect(kills == 2, "the kill never landed with two creates in flight")
    }
}
