import ArgumentParser
import Foundation
import TutorHTTP
import TutorRunner
import TutorSupport
import TutorVerify

/// `tutor cleanup`: deletes what a `tutor run` created, from its ledger.
struct CleanupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup",
        abstract: "Delete what a tutor run created in the tenant.",
        discussion: """
            Reads the ledger in the run's record.json and deletes each resource, newest first. A resource \
            that is already gone (404) counts as deleted. The record is updated: deleted resources leave \
            the ledger, and once it is empty the record is marked cleanedUp so that a later `tutor run` \
            starts over. Use the same tenant options as the run (none for the sandbox).

            Exit codes: 0 everything deleted, 1 something could not be deleted (it stays in the ledger; \
            run the command again), 64 usage, 66 no record in DIR, 69 tenant unreachable, 77 sign-in or \
            permission denied.

            --state-root cleans every state folder of a `tutor verify` run (its --state-root, or \
            .tutor/verify/<run-id>), also of one that was killed. --dry-run lists what would be deleted \
            and sends nothing.

            Examples:
              tutor cleanup --state-dir .tutor/runs/tutorial-web-app-python-flask-prepare-tenant-sandbox
              tutor cleanup --state-root .tutor/verify/20261128-030000-ab12 --dry-run
              tutor cleanup --state-dir DIR --tenant contoso --client-id ID --client-secret-env SECRET
            """)

    @Option(name: .customLong("state-dir"), help: ArgumentHelp("The run's state folder.", valueName: "DIR"))
    var stateDirectory: String?

    @Option(
        name: .customLong("state-root"),
        help: ArgumentHelp("Clean every state folder under this folder (a verify run's).", valueName: "DIR"))
    var stateRoot: String?

    @Flag(name: .customLong("dry-run"), help: "List what would be deleted; delete nothing.")
    var dryRun = false

    @OptionGroup var tenantOptions: TenantOptions

    func validate() throws {
        guard (stateDirectory == nil) != (stateRoot == nil) else {
            throw ValidationError("give one of --state-dir DIR or --state-root DIR")
        }
    }

    func run() async throws {
        let summaries = try await execute()
        for summary in summaries {
            if summaries.count > 1 { printLine("\(summary.stateDirectory):") }
            if summary.adopted > 0 {
                printLine(
                    "found \(summary.adopted) resource(s) created by a run that was cut off before recording them")
            }
            if summary.items.isEmpty {
                printLine("nothing to delete: the ledger in \(summary.stateDirectory) is empty")
            }
            for item in summary.items {
                switch item.outcome {
                case .deleted: printLine("deleted \(item.type) \(item.id)")
                case .alreadyGone:
                    if let failure = item.failure {
                        printLine("gone with what contained it: \(item.type) \(item.id)")
                        printError("warning: the tutorial's cleanup request for it failed: \(failure.message)")
                    } else {
                        printLine("already gone: \(item.type) \(item.id)")
                    }
                case .kept: printLine("kept \(item.type) \(item.id)")
                case .planned: printLine("would delete \(item.type) \(item.id): \(item.method) \(item.url)")
                case .failed:
                    printError("error: \(item.failure?.message ?? "cannot delete \(item.type) \(item.id)")")
                }
            }
        }
        if !summaries.allSatisfy({ $0.isComplete || dryRun }) { throw ExitCode(ExitStatus.stepFailed.rawValue) }
    }

    private func execute() async throws -> [CleanupSummary] {
        let folders: [URL]
        if let stateRoot {
            folders = try RunStateCleanup.stateDirectories(under: URL(fileURLWithPath: stateRoot))
            if folders.isEmpty { throw VerifyError.state("no state folder (with a record.json) under \(stateRoot)") }
        } else {
            folders = [URL(fileURLWithPath: stateDirectory ?? ".")]
        }
        return try await tenantOptions.withTenant { resolved in
            let client = try makeHTTPClient(for: resolved.connection)
            var summaries: [CleanupSummary] = []
            for folder in folders {
                summaries.append(
                    try await RunStateCleanup.clean(
                        stateDirectory: folder, connection: resolved.connection, transport: client, dryRun: dryRun))
            }
            return summaries
        }
    }
}
