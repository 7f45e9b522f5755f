import ArgumentParser
import Foundation
import TutorRecord
import TutorRunner
import TutorSupport
import TutorVerify

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `tutor runs`: the state folders under `.tutor/` — what each run was, and what it still holds
/// in the tenant — and a way to remove the finished ones.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List the runs' state folders (and remove the finished ones).",
        discussion: """
            Lists every state folder under .tutor/runs and .tutor/verify (or under --root): the \
            tutorial, the tenant, the status, how long ago it ended, and how many resources its ledger \
            still holds in the tenant. --prune removes the folders whose ledger is empty and that no \
            run is using; a folder whose ledger still holds resources is kept: run `tutor cleanup` on it \
            first.

            Exit codes: 0 done, 64 usage, 73 a folder cannot be removed.

            Examples:
              tutor runs
              tutor runs --prune
            """)

    @Option(name: .long, help: ArgumentHelp("Where to look (default .tutor).", valueName: "DIR"))
    var root: String = ".tutor"

    @Flag(name: .long, help: "Remove the finished folders whose ledger is empty.")
    var prune = false

    @Flag(name: .long, help: "Print JSON Lines, one object per folder.")
    var json = false

    func run() throws {
        let rootURL = URL(fileURLWithPath: root)
        guard FileManager.default.fileExists(atPath: rootURL.path) else {
            printLine("no runs: \(root) does not exist")
            return
        }
        let folders = (try? RunStateCleanup.stateDirectories(under: rootURL)) ?? []
        if folders.isEmpty { printLine("no runs under \(root)") }
        var failed = false
        for folder in folders {
            let store = RunStateStore(directory: folder)
            let record = (try? store.load())?.0
            let left = record?.resources.count ?? 0
            let status = record?.status.rawValue ?? "unreadable"
            var removed = false
            // A create still in flight may have made something the ledger does not hold yet.
            let inFlight = record?.steps.contains { $0.requests.contains { $0.outcome == .inFlight } } ?? false
            if prune, record != nil, left == 0, !inFlight, !store.isInUse {
                do {
                    try FileManager.default.removeItem(at: folder)
                    removed = true
                } catch {
                    printError("error: cannot remove \(folder.path): \(error.localizedDescription)")
                    failed = true
                }
            }
            if json {
                let line = JSONValue.object([
                    .init("stateDir", .string(folder.path)),
                    .init("tutorial", record.map { .string($0.tutorial.path) } ?? .null),
                    .init(
                        "tenant", record.map { .string($0.tenant.sandbox ? "sandbox" : ($0.tenant.id ?? "?")) } ?? .null
                    ),
                    .init("status", .string(status)),
                    .init("finishedAt", record?.finishedAt.map(JSONValue.string) ?? .null),
                    .init("resourcesLeft", .number(Double(left))), .init("removed", .bool(removed)),
                ])
                printLine(line.serialized())
            } else {
                let tenant =
                    record.map { $0.tenant.sandbox ? "sandbox" : ($0.tenant.subdomain ?? $0.tenant.id ?? "?") } ?? "?"
                let age = record?.finishedAt.flatMap(Self.age) ?? "-"
                let holds =
                    left == 0 ? "nothing in the tenant" : "\(left) resource\(left == 1 ? "" : "s") in the tenant"
                let tutorial = record.map { URL(fileURLWithPath: $0.tutorial.path).lastPathComponent } ?? "?"
                printLine(
                    "\(folder.path)  \(tutorial)  \(tenant)  \(status)  \(age)  \(holds)\(removed ? "  (removed)" : "")"
                )
            }
        }
        if failed { throw ExitCode(ExitStatus.cannotCreate.rawValue) }
    }

    /// "3 min ago", "2 h ago", "5 d ago" for an ISO 8601 time.
    static func age(_ timestamp: String) -> String? {
        guard let date = RunRecord.date(fromTimestamp: timestamp) else { return nil }
        let seconds = max(0, Int(Date().timeIntervalSince(date)))
        switch seconds {
        case ..<60: return "\(seconds) s ago"
        case ..<3600: return "\(seconds / 60) min ago"
        case ..<86400: return "\(seconds / 3600) h ago"
        default: return "\(seconds / 86400) d ago"
        }
    }
}
