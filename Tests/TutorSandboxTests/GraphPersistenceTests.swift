import Foundation
import Testing
import TutorSupport

@testable import TutorSandbox

@Suite("Graph tenant persistence")
struct GraphPersistenceTests {
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tutor-graph-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func writesSurviveARestart() async throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("state.json")
        let directory = try TenantDirectory.open(stateFile: file) { GraphHarness.freshState() }
        let secretBox = OutcomeRecorder()
        let harness = GraphHarness(state: await directory.snapshot, stateFile: file)
        try await harness.run { graph in
            let app = try await graph.createApplication("Persistent")
            let id = try #require(app["id"]?.stringValue)
            let added = try await graph.send(.post, "/v1.0/applications/\(id)/addPassword", json: "{}")
            await secretBox.record(try #require(added.string("secretText")))
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let text = try String(contentsOf: file, encoding: .utf8)
        let secret = try #require(await secretBox.outcomes.first)
        #expect(text.contains(secret) == false)
        #expect(text.contains(GraphHarness.adminSecret) == false)
        #expect(text.contains("Admin-Password-1") == false)

        let reopened = try TenantDirectory.open(stateFile: file) {
            Issue.record("must not bootstrap again"); return GraphHarness.freshState()
        }
        let app = try #require(await reopened.snapshot.applications.first { $0.displayName == "Persistent" })
        #expect(await reopened.verifyClientSecret(appId: app.appId, secret: secret))
        #expect(await reopened.tenantId == GraphHarness.tenantId)
    }

    @Test func corruptFileIsAClearError() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("state.json")
        try Data("{\"formatVersion\": 1, \"organization\": ".utf8).write(to: file)
        #expect {
            _ = try TenantDirectory.open(stateFile: file) { GraphHarness.freshState() }
        } throws: { error in
            guard case SandboxError.corruptStateFile(let path, _) = error else { return false }
            return path == file.path && "\(error)".contains("corrupt")
        }
        #expect(try String(contentsOf: file, encoding: .utf8).hasPrefix("{\"formatVersion\""))
    }

    @Test func futureFormatIsRefused() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("state.json")
        var state = GraphHarness.freshState()
        state.formatVersion = 99
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        try encoder.encode(state).write(to: file)
        #expect(throws: SandboxError.self) { try TenantDirectory.loadState(from: file) }
    }

    /// Parallel writes share saves (a group commit) instead of queueing one fsync'd save each,
    /// and still none is answered before a save that holds it is on disk.
    @Test func parallelWritesShareSavesAndEachIsOnDiskWhenAnswered() async throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("state.json")
        let directory = try TenantDirectory.open(stateFile: file) { GraphHarness.freshState() }
        let writes = 24
        let onDiskWhenAnswered = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<writes {
                group.addTask {
                    let app = try await directory.createApplication(
                        [("displayName", .string("parallel-\(index)"))], lag: .zero)
                    let saved = try TenantDirectory.loadState(from: file)
                    return saved.applications.contains { $0.id == app.id }
                }
            }
            var all: [Bool] = []
            for try await onDisk in group { all.append(onDisk) }
            return all
        }
        #expect(onDiskWhenAnswered.count == writes && onDiskWhenAnswered.allSatisfy { $0 })
        let saves = await directory.savesWritten
        #expect(saves < writes, "\(saves) saves for \(writes) parallel writes")
        let reopened = try TenantDirectory.loadState(from: file)
        #expect(reopened.applications.filter { $0.displayName.hasPrefix("parallel-") }.count == writes)
    }

    @Test func failedSaveLeavesTheTenantUnchanged() async throws {
        let missing = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/state.json")
        try await GraphHarness(stateFile: missing).run { graph in
            let reply = try await graph.send(.post, "/v1.0/applications", json: #"{"displayName": "Unsaved"}"#)
            #expect(reply.status == 500)
            #expect(try await graph.send(.get, "/v1.0/applications?$filter=displayName eq 'Unsaved'").values.isEmpty)
        }
    }
}
