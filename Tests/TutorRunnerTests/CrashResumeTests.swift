import Foundation
import Synchronization
import Testing
import TutorRecord
import TutorSandbox
import TutorSupport
import TutorTestSupport

@testable import TutorRunner

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `tutor run` killed with SIGKILL at random moments, then run again: everything exactly once.
@Suite(.serialized) struct CrashResumeTests {
    /// The `tutor` executable next to the test bundle (`swift build --build-tests` builds both).
    static var tutorExecutable: URL {
        (try? TutorExecutable.url()) ?? URL(fileURLWithPath: "/nonexistent/tutor")
    }

    struct Outcome {
        var status: Int32
        var killed: Bool
        var output: String
    }

    /// Starts `tutor run` for `appName`; kills it after `killAfter` if given; returns its exit status and output.
    static func runTutor(
        appName: String, state: URL, environment: [String: String], killAfter: Duration?, signal: Int32 = SIGKILL,
        afterExchanges: Int = 0, progress: RequestCounter? = nil, extraArguments: [String] = []
    ) async throws -> Outcome {
        let startCount = progress?.count ?? 0
        let process = Process()
        process.executableURL = tutorExecutable
        process.arguments =
            [
                "run", SandboxHarness.tutorialPath, "--state-dir", state.path, "--var", "appName=\(appName)", "-v",
            ] + extraArguments
        process.environment = environment
        let outputFile = state.deletingLastPathComponent().appendingPathComponent(
            "\(state.lastPathComponent)-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: outputFile)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        if let killAfter {
            if signal == SIGINT {
                // SIGINT must arrive once the run has started (and its handler is installed).
                for _ in 0..<500 where process.isRunning {
                    let text = String(
                        decoding: FileManager.default.contents(atPath: outputFile.path) ?? Data(), as: UTF8.self)
                    if text.contains("[2]") { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            // Progress, not time: the kill lands after the given number of HTTP exchanges, however
            // loaded the machine is: as the sandbox counts them (`progress`), else as `-v` prints
            // them (a line each; printed in document order, so an overlapped request's may come late).
            for _ in 0..<1500 where afterExchanges > 0 && process.isRunning {
                if let progress {
                    if progress.count - startCount >= afterExchanges { break }
                } else {
                    let text = String(
                        decoding: FileManager.default.contents(atPath: outputFile.path) ?? Data(), as: UTF8.self)
                    if text.components(separatedBy: " → ").count - 1 >= afterExchanges { break }
                }
                try await Task.sleep(for: .milliseconds(2))
            }
            try await Task.sleep(for: killAfter)
            kill(process.processIdentifier, signal)
        }
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        try handle.close()
        let output = String(decoding: FileManager.default.contents(atPath: outputFile.path) ?? Data(), as: UTF8.self)
        return Outcome(
            status: process.terminationStatus, killed: process.terminationReason == .uncaughtSignal, output: output)
    }

    /// A sandbox served from a home under `root` (so that `tutor run` finds it as the running
    /// `serve`), with `latencyMs` so that signals land mid-run, and the environment that points there.
    static func sandboxForProcesses(root: URL, latencyMs: Int, counter: RequestCounter? = nil) async throws -> (
        SandboxHarness, [String: String]
    ) {
        let stateHome = root.appendingPathComponent("xdg")
        let home = SandboxHome(url: stateHome.appendingPathComponent("tutor/sandbox"))
        try FileManager.default.createDirectory(at: home.url, withIntermediateDirectories: true)
        let harness = try await SandboxHarness.start(
            faults: FaultOptions(latencyMs: latencyMs), home: home,
            requestLog: counter.map(\.log))
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_STATE_HOME"] = stateHome.path
        environment["NO_COLOR"] = "1"
        return (harness, environment)
    }

    /// Runs `tutor ARGUMENTS` to the end and returns its exit status and output.
    static func tutor(_ arguments: [String], environment: [String: String], log: URL) async throws -> Outcome {
        let process = Process()
        process.executableURL = tutorExecutable
        process.arguments = arguments
        process.environment = environment
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        try handle.close()
        let output = String(decoding: FileManager.default.contents(atPath: log.path) ?? Data(), as: UTF8.self)
        return Outcome(
            status: process.terminationStatus, killed: process.terminationReason == .uncaughtSignal, output: output)
    }

    /// The ledger invariant under SIGKILL (docs/ledger.md): a run killed at one of 20 points spread
    /// over its span, run again, then `tutor cleanup`: the tenant ends as it began, every time.
    @Test func killedAtTwentyPointsThenCleanedUpLeavesTheTenantAsItWas() async throws {
        let root = Fixture.temporaryDirectory()
        let counter = RequestCounter()
        let (harness, environment) = try await Self.sandboxForProcesses(root: root, latencyMs: 40, counter: counter)
        defer { Task { await harness.sandbox.stop() } }
        let before = try await harness.objects()

        // The exchanges of one whole run, as the sandbox counts them.
        let measuredState = root.appendingPathComponent("measured")
        let countBefore = counter.count
        let measured = try await Self.runTutor(
            appName: "span-app", state: measuredState, environment: environment, killAfter: nil)
        #expect(measured.status == 0, "\(measured.output)")
        let exchanges = counter.count - countBefore
        #expect(exchanges >= 10, "\(measured.output)")
        let cleanedMeasured = try await Self.tutor(
            ["cleanup", "--state-dir", measuredState.path], environment: environment,
            log: root.appendingPathComponent("measured-cleanup.log"))
        #expect(cleanedMeasured.status == 0, "\(cleanedMeasured.output)")

        var kills = 0
        for point in 0..<20 {
            let state = root.appendingPathComponent("kill-\(point)")
            // 20 points: after exchange 0…n-1, early or late within the next one (40 ms latency).
            let afterExchanges = point * exchanges / 20
            let killAfter = Duration.milliseconds(point.isMultiple(of: 2) ? 5 : 25)
            let killed = try await Self.runTutor(
                appName: "kill-app-\(point)", state: state, environment: environment, killAfter: killAfter,
                afterExchanges: afterExchanges, progress: counter)
            if killed.killed { kills += 1 }
            // Half of them are run again first; the other half are cleaned up as the kill left them.
            if point % 4 < 2 {
                let rerun = try await Self.runTutor(
                    appName: "kill-app-\(point)", state: state, environment: environment, killAfter: nil)
                #expect(rerun.status == 0, "rerun after a kill at \(killAfter): \(rerun.output)")
            }
            // A run killed before it took its state folder sent nothing (the folder is made first).
            if FileManager.default.fileExists(atPath: state.path) {
                let cleanup = try await Self.tutor(
                    ["cleanup", "--state-dir", state.path], environment: environment,
                    log: root.appendingPathComponent("cleanup-\(point).log"))
                #expect(cleanup.status == 0, "cleanup after a kill at \(killAfter): \(cleanup.output)")
            }
            let after = try await harness.objects()
            #expect(after == before, "after a kill at \(killAfter) (point \(point)): \(killed.output)")
        }
        #expect(kills >= 18, "only \(kills) of 20 runs were killed before they finished")
    }

    /// `tutor verify` killed with SIGKILL at points spread over its span, then
    /// `tutor cleanup --state-root`: the tenant ends as it began.
    @Test func killedVerifyIsCleanedUpFromItsStateRoot() async throws {
        let root = Fixture.temporaryDirectory()
        let (harness, environment) = try await Self.sandboxForProcesses(root: root, latencyMs: 20)
        defer { Task { await harness.sandbox.stop() } }
        let before = try await harness.objects()
        func verify(_ stateRoot: URL, killAfter: Duration?) async throws -> Outcome {
            let process = Process()
            process.executableURL = Self.tutorExecutable
            process.arguments = [
                "verify", SandboxHarness.tutorialPath, "--state-root", stateRoot.path, "--writes-per-second", "0",
            ]
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            if let killAfter {
                try await Task.sleep(for: killAfter)
                kill(process.processIdentifier, SIGKILL)
            }
            while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
            return Outcome(
                status: process.terminationStatus, killed: process.terminationReason == .uncaughtSignal, output: "")
        }
        let clock = ContinuousClock()
        let started = clock.now
        let whole = try await verify(root.appendingPathComponent("whole"), killAfter: nil)
        #expect(whole.status == 0)
        // Verify cleans up after itself; the span includes its cleanup.
        let span = clock.now - started
        #expect(try await harness.objects() == before)

        var kills = 0
        for point in 0..<6 {
            let stateRoot = root.appendingPathComponent("verify-\(point)")
            let killAfter = span * (Double(point) + 0.5) / 6
            if try await verify(stateRoot, killAfter: killAfter).killed { kills += 1 }
            guard FileManager.default.fileExists(atPath: stateRoot.path) else { continue }
            let cleanup = try await Self.tutor(
                ["cleanup", "--state-root", stateRoot.path], environment: environment,
                log: root.appendingPathComponent("verify-cleanup-\(point).log"))
            #expect(
                cleanup.status == 0 || cleanup.output.contains("no state folder"),
                "cleanup after a kill at \(killAfter): \(cleanup.output)")
            #expect(try await harness.objects() == before, "after a verify kill at \(killAfter)")
        }
        #expect(kills >= 4, "only \(kills) of 6 verify runs were killed before they finished")
    }

    @Test func interruptSavesAndExits130ThenResumes() async throws {
        let root = Fixture.temporaryDirectory()
        let (harness, environment) = try await Self.sandboxForProcesses(root: root, latencyMs: 40)
        defer { Task { await harness.sandbox.stop() } }
        let state = root.appendingPathComponent("state")
        let interrupted = try await Self.runTutor(
            appName: "interrupted-app", state: state, environment: environment, killAfter: .milliseconds(150),
            signal: SIGINT)
        #expect(interrupted.status == 130, "\(interrupted.output)")
        let (record, _) = try #require(try RunStateStore(directory: state).load())
        #expect(record.status == .interrupted)
        let project = root.appendingPathComponent("project")
        let rerun = try await Self.runTutor(
            appName: "interrupted-app", state: state, environment: environment, killAfter: nil,
            extraArguments: ["--out", project.path])
        #expect(rerun.status == 0, "\(rerun.output)")
        #expect(rerun.output.contains("Resuming"))
        // --out renders the project once the run is done; .env holds the secret, mode 0600.
        let dotEnv = project.appendingPathComponent(".env")
        let attributes = try FileManager.default.attributesOfItem(atPath: dotEnv.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let secrets = try JSONDecoder().decode(
            SecretsFile.self, from: Data(contentsOf: RunStateStore(directory: state).secretsURL))
        let envText = try String(contentsOf: dotEnv, encoding: .utf8)
        #expect(envText.contains(try #require(secrets.outputs["CLIENT_SECRET"])))
        #expect(!rerun.output.contains(try #require(secrets.outputs["CLIENT_SECRET"])))
        try await harness.expectExactlyOnce(
            appName: "interrupted-app", secretsFile: RunStateStore(directory: state).secretsURL)
    }

    @Test func killedRunsResumeWithExactlyOnceResources() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.tutorExecutable.path), "build tutor first")
        let root = Fixture.temporaryDirectory()
        // Enough latency that a kill within the first 500 ms after step 2 starts lands mid-run on a
        // fast machine too; runs that finish first do not count, and the loop goes on until it has
        // ten kills (bounded, so that a machine where nothing can be killed fails the test).
        let (harness, environment) = try await Self.sandboxForProcesses(root: root, latencyMs: 40)
        defer { Task { await harness.sandbox.stop() } }

        var outputs = ""
        var kills = 0
        var generator = SystemRandomNumberGenerator()
        for index in 0..<20 where kills < 10 {
            let appName = "crash-app-\(index)"
            let state = root.appendingPathComponent("state-\(index)")
            let killAfter = Duration.milliseconds(Int.random(in: 0...500, using: &generator))
            let killed = try await Self.runTutor(
                appName: appName, state: state, environment: environment, killAfter: killAfter)
            outputs += killed.output
            if killed.killed { kills += 1 }
            let rerun = try await Self.runTutor(
                appName: appName, state: state, environment: environment, killAfter: nil)
            outputs += rerun.output
            #expect(rerun.status == 0, "rerun \(index) after a kill at \(killAfter): \(rerun.output)")
            try await harness.expectExactlyOnce(
                appName: appName, secretsFile: RunStateStore(directory: state).secretsURL)
        }

        #expect(kills == 10, "only \(kills) of 20 runs were killed before they finished")

        // Secret hygiene: each app's secret is in its secrets.json only.
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        var files: [URL] = []
        while let file = enumerator?.nextObject() as? URL {
            if (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { files.append(file) }
        }
        for index in 0..<10 {
            let secretsFile = RunStateStore(directory: root.appendingPathComponent("state-\(index)")).secretsURL
            let secrets = try JSONDecoder().decode(SecretsFile.self, from: Data(contentsOf: secretsFile))
            let secret = try #require(secrets.outputs["CLIENT_SECRET"])
            #expect(!outputs.contains(secret))
            for file in files where file.standardizedFileURL.path != secretsFile.standardizedFileURL.path {
                let bytes = FileManager.default.contents(atPath: file.path) ?? Data()
                #expect(
                    !String(decoding: bytes, as: UTF8.self).contains(secret), "secret \(index) found in \(file.path)")
            }
        }
    }
}

/// Requests a sandbox answered (its request log calls `increment` once each): a run's progress
/// as the tenant sees it, whatever order the run prints it in.
final class RequestCounter: Sendable {
    private let value = Mutex(0)
    func increment() { value.withLock { $0 += 1 } }
    /// For `SandboxServer(requestLog:)`.
    var log: @Sendable (String) -> Void { { _ in self.increment() } }
    var count: Int { value.withLock { $0 } }
}
