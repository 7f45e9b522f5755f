import ArgumentParser
import Foundation
import TutorHTTP
import TutorRunner
import TutorSandbox
import TutorSupport
import TutorVerify

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `tutor verify`: docs-author mode — run many tutorials, clean up, report failures by class and Markdown line.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that tutorials still work: run each, clean up, report (JUnit, JSON, Markdown).",
        discussion: """
            Runs each tutorial in a fresh state folder (.tutor/verify/<run-id>/<n>-<tutorial> by default) \
            with the names it creates made unique for this run, stops a tutorial at its first failing step \
            (later steps are reported as skipped) and goes on with the next, then deletes everything the \
            tutorial created, newest first, also after a failure (--keep-resources keeps it; `tutor cleanup \
            --state-dir DIR` removes it later).

            Failures are classed doc (a response that does not match the document, a 400 saying a request \
            is invalid), environment (401/403, a missing permission, an unreachable tenant) or transient \
            (retries used up on 429, 5xx or timeouts), and point at the file:line of the Markdown block, \
            inside includes too. Standard output gets a Markdown summary (also appended to \
            $GITHUB_STEP_SUMMARY when set) and, with GITHUB_ACTIONS=true, ::error annotations.

            Exit codes: 0 every tutorial passed, 1 a tutorial failed, 64 usage, 69 every failure was an \
            unreachable tenant, 70 an internal error, 73 a report or state folder cannot be written, 77 \
            every failure was sign-in or permission, 130 interrupted.

            Examples:
              tutor verify tutorials/*.md --junit junit.xml --report verify.json
              tutor verify tutorials/*.md --jobs 4 --shard 2/3 --tenant contoso --client-id ID --client-secret-env SECRET
            """)

    @Argument(help: "The tutorials' Markdown files, or folders of them (the .md files directly inside).")
    var tutorials: [String]

    @OptionGroup var tenantOptions: TenantOptions

    @Option(
        name: .customLong("var"),
        help: ArgumentHelp("Set an input of every tutorial; such inputs are not made unique.", valueName: "NAME=VALUE"))
    var variables: [Assignment] = []

    @Option(name: .long, help: ArgumentHelp("Write a JUnit XML report here.", valueName: "FILE"))
    var junit: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Write the JSON report here (Markdown when FILE ends in .md).", valueName: "FILE"))
    var report: String?

    @Option(name: .long, help: "Tutorials run at the same time.")
    var jobs = 1

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Verify only share I of N (by a stable hash of each path), for CI matrices.", valueName: "I/N"))
    var shard: Shard?

    @Flag(name: .customLong("keep-resources"), help: "Leave what the tutorials created in the tenant.")
    var keepResources = false

    @Option(
        name: .customLong("state-root"),
        help: ArgumentHelp("Where the tutorials' state folders go (default .tutor/verify/<run-id>).", valueName: "DIR"))
    var stateRoot: String?

    @Option(
        name: .customLong("writes-per-second"),
        help: ArgumentHelp(
            "Graph writes per second for all jobs together, after the burst; 0 for no limit.", valueName: "N"))
    var writesPerSecond: Double = WriteBudget.defaultWritesPerSecond

    /// The defaults are Microsoft Entra's write quota for one app in one tenant (3,000 per
    /// 150 s), half at once and half over the window (`WriteBudget.defaultBurst`).
    @Option(
        name: .customLong("write-burst"),
        help: ArgumentHelp(
            "Writes that may go at once. The defaults keep within Entra's quota of 3,000 writes per 150 s for one app.",
            valueName: "N"))
    var writeBurst = WriteBudget.defaultBurst

    @OptionGroup var retry: RetryOptions

    @Option(
        name: .customLong("replication-lag-ms"),
        help: ArgumentHelp(
            "Sandbox only: how long new objects stay invisible (default 1000 plus up to 3000 more, seeded; 0 for none).",
            valueName: "MS"))
    var replicationLagMs: Int?

    @Option(help: ArgumentHelp("Sandbox only: the seed of the replication lag, to replay a run.", valueName: "N"))
    var seed: UInt64?

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be 1 or more") }
        guard writesPerSecond >= 0, writeBurst >= 1 else {
            throw ValidationError("--writes-per-second must be 0 or more and --write-burst 1 or more")
        }
        if let replicationLagMs, replicationLagMs < 0 {
            throw ValidationError("--replication-lag-ms must be 0 or more")
        }
    }

    func run() async throws {
        let status = try await execute()
        if status != .success { throw ExitCode(status.rawValue) }
    }

    private func execute() async throws -> ExitStatus {
        let tutorials = try Self.expandFolders(self.tutorials)
        let selected = shard?.select(tutorials) ?? tutorials
        if let shard {
            printError("shard \(shard): \(selected.count) of \(tutorials.count) tutorial(s)")
        }
        let values = Assignment.values(variables)
        // Each tutorial is read once: the `--var` check and the run share what was parsed.
        let documents = TutorialDocument.read(selected)
        if let unknown = Verifier.unknownVariables(values.keys, in: documents).first {
            throw VerifyError.usage(unknown)
        }
        let faults = sandboxFaults
        return try await tenantOptions.withTenant(sandboxFaults: faults) { resolved in
            try await verify(documents, values: values, faults: faults, resolved: resolved)
        }
    }

    /// Verifies `selected` against the resolved tenant, writes the reports, and returns the exit status.
    private func verify(
        _ selected: [TutorialDocument], values: [String: String], faults: FaultOptions,
        resolved: TenantOptions.Resolved
    ) async throws -> ExitStatus {
        let context = CommandContext.current
        let environment = context.environment
        if let sandbox = resolved.sandbox {
            if sandbox.started == nil {
                printError(
                    "note: the running `tutor sandbox serve` is used with its own settings; --replication-lag-ms applies to a sandbox verify starts itself"
                )
            } else if faults.isActive {
                printError(
                    "sandbox: new objects stay invisible for \(faults.replicationLagMs)–\(faults.replicationLagMs + faults.replicationLagSpreadMs) ms, as replication takes on a real tenant (seed \(faults.seed); --replication-lag-ms 0 turns it off)"
                )
            }
        }
        // One client per job: a client sends one request at a time.
        var clients: [any HTTPTransport] = []
        for _ in 0..<min(jobs, max(selected.count, 1)) {
            clients.append(try makeHTTPClient(for: resolved.connection))
        }
        let runId = UniqueNames.newRunId()
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let root = stateRoot.map { URL(fileURLWithPath: $0) } ?? cwd.appendingPathComponent(".tutor/verify/\(runId)")
        let options = VerifyOptions(
            variables: values, stateRoot: root, jobs: jobs, keepResources: keepResources,
            retryPolicy: retry.policy,
            writesPerSecond: writesPerSecond, writeBurst: writeBurst, runId: runId, shard: shard,
            toolVersion: Tutor.version)

        let interrupt = InterruptFlag()
        let signals = watchInterrupts(
            interrupt, saying: "interrupting: cleaning up what was created (Ctrl-C again to quit now)")
        defer { signals.cancel() }
        let verifier = Verifier(
            connection: resolved.connection, transports: clients, options: options, interrupt: interrupt,
            progress: { event in context.writeError(Self.describe(event) + "\n") })
        printError("verifying \(selected.count) tutorial(s) against \(resolved.connection.name), run \(runId)")
        let result = await verifier.verify(selected)

        if let report {
            // The format follows the name: Markdown for .md, JSON otherwise.
            let markdown = [".md", ".markdown"].contains { report.lowercased().hasSuffix($0) }
            try write(markdown ? Data(result.markdownSummary().utf8) : Data(try result.jsonData()), to: report)
        }
        if let junit {
            try write(Data(result.junitXML(hostname: ProcessInfo.processInfo.hostName).utf8), to: junit)
        }
        let markdown = result.markdownSummary()
        var output = ""
        if environment["GITHUB_ACTIONS"] == "true" { output += result.githubAnnotations() }
        output += markdown
        context.writeOutput(output)
        if let summaryFile = environment["GITHUB_STEP_SUMMARY"], !summaryFile.isEmpty {
            if !FileManager.default.fileExists(atPath: summaryFile) {
                _ = FileManager.default.createFile(atPath: summaryFile, contents: nil)
            }
            if let handle = FileHandle(forWritingAtPath: summaryFile) {
                handle.seekToEndOfFile()
                handle.write(Data(markdown.utf8))
                try? handle.close()
            } else {
                printError("warning: cannot append the summary to \(summaryFile)")
            }
        }
        return result.exitStatus
    }

    /// Each folder among `paths` replaced by the Markdown files directly inside it (sorted; the
    /// includes live in subfolders), so that `tutor verify tutorials/` verifies every page.
    static func expandFolders(_ paths: [String]) throws -> [String] {
        try paths.flatMap { path -> [String] in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                return [path]
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".md") }
                .sorted()
            if names.isEmpty { throw VerifyError.usage("\(path) holds no .md file") }
            return names.map { (path as NSString).appendingPathComponent($0) }
        }
    }

    /// The faults of a sandbox verify starts itself: realistic replication lag unless told otherwise.
    var sandboxFaults: FaultOptions {
        let seed = seed ?? UInt64.random(in: 0...UInt64.max)
        guard let replicationLagMs else { return .realisticReplication(seed: seed) }
        return FaultOptions(replicationLagMs: replicationLagMs, seed: seed)
    }

    private func write(_ data: Data, to path: String) throws {
        do {
            try AtomicFile.write(data, to: URL(fileURLWithPath: path))
        } catch {
            throw VerifyError.cannotWrite(path: path, reason: "\(error)")
        }
    }

    static func describe(_ event: VerifyProgress) -> String {
        switch event {
        case .started(let index, let total, let path):
            return "[\(index + 1)/\(total)] \(path): running"
        case .finished(let index, let total, let result):
            let seconds = String(format: "%.1f s", Double(result.durationMs) / 1000)
            switch result.status {
            case .passed: return "[\(index + 1)/\(total)] \(result.path): passed (\(seconds))"
            case .skipped: return "[\(index + 1)/\(total)] \(result.path): not run"
            case .interrupted: return "[\(index + 1)/\(total)] \(result.path): interrupted (\(seconds))"
            case .failed:
                let failure = result.failure
                let place = failure?.location.map { " at \($0)" } ?? ""
                return
                    "[\(index + 1)/\(total)] \(result.path): FAILED (\(failure?.failureClass.rawValue ?? "?"))\(place): \(failure?.message ?? "") (\(seconds))"
            }
        }
    }
}
