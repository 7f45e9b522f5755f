import Foundation
import Testing
import TutorCLI
import TutorSandbox
import TutorSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A sandbox home remembers its port, so that the authority of a run, the projects rendered
/// from it and a later `tutor sandbox serve` agree; a taken port is said, not silently moved from.
@Suite("Sandbox home: remembered port, attach-or-start")
struct SandboxHomeTests {
    /// A home whose server once listened on `port` (what `port.json` records).
    static func home(remembering port: Int) throws -> SandboxHome {
        let home = SandboxHome(url: try scratchFolder("home").appendingPathComponent("home"))
        try home.prepare()
        try Data("{\"port\":\(port)}".utf8).write(to: home.portFile)
        return home
    }

    @Test("A server remembers its port in the home; info reports it while none runs")
    func remembersThePort() async throws {
        let home = SandboxHome(url: try scratchFolder("remember"))
        #expect(home.rememberedPort == nil)
        #expect(home.preferredPort == SandboxInfo.defaultPort)
        let running = try await SandboxServer().start(home: home, port: 0)
        await running.stop()
        #expect(home.rememberedPort == running.port)
        let info = try await SandboxInfo.load(home: home)
        #expect(info.port == running.port && !info.running)
        // A reset forgets the tenant, not the port.
        try home.reset()
        #expect(home.rememberedPort == running.port)
    }

    @Test("serve without --port refuses a taken remembered port, naming who holds it (69)")
    func serveRefusesATakenPort() async throws {
        let squatter = try PortSquatter()
        let home = try Self.home(remembering: squatter.port)
        let outcome = await tutor(["sandbox", "serve", "--home", home.url.path])
        #expect(outcome.status == ExitStatus.unavailable.rawValue)
        // This test process holds the port: /proc/net/tcp and /proc/self/fd say so.
        #expect(outcome.error.contains("port \(squatter.port) is taken by"), "\(outcome.error)")
        #expect(outcome.error.contains("(pid \(getpid()))"), "\(outcome.error)")
        #expect(outcome.error.contains("--port N"))
        #expect(home.rememberedPort == squatter.port)
    }

    @Test("The holder of a listening port is found through /proc")
    func holderOfAPort() throws {
        let squatter = try PortSquatter()
        #expect(LoopbackPort.holder(of: squatter.port)?.pid == getpid())
        #expect(!LoopbackPort.isFree(squatter.port))
        #expect(LoopbackPort.isListening(squatter.port) && LoopbackPort.acceptsConnections(squatter.port))
    }

    @Test("Attach-or-start moves off a taken remembered port and remembers the new one")
    func attachOrStartMoves() async throws {
        let squatter = try PortSquatter()
        let home = try Self.home(remembering: squatter.port)
        let session = try await SandboxSession.attachOrStart(home: home)
        await session.stop()
        #expect(session.started != nil)
        #expect(session.movedFrom == squatter.port)
        #expect(session.info.port != squatter.port)
        #expect(home.rememberedPort == session.info.port)
        #expect(
            session.serveCommand(defaultHome: SandboxHome(path: "/elsewhere"))
                == "tutor sandbox serve --home \(home.url.path) --port \(session.info.port)")
    }

    @Test("Attach-or-start uses a running serve of the home and stops nothing of it")
    func attachOrStartAttaches() async throws {
        let home = SandboxHome(url: try scratchFolder("attach"))
        let running = try await SandboxServer().start(home: home, port: 0)
        let session = try await SandboxSession.attachOrStart(home: home)
        await session.stop()
        #expect(session.started == nil)
        #expect(session.info.port == running.port)
        #expect(home.runningServerPort() == running.port)
        // A project that names another port cannot use this server.
        await #expect(throws: SandboxError.self) {
            _ = try await SandboxSession.attachOrStart(home: home, port: .exactly(running.port + 1))
        }
        await running.stop()
    }

    @Test("tutor run --serial: strict document order, the same events and record as an overlapped run")
    func serialRunMatchesTheOverlappedOne() async throws {
        let home = try Self.home(remembering: try freePort())
        let folder = try scratchFolder("serial")
        defer { try? FileManager.default.removeItem(at: folder) }
        var runs: [[String]] = []
        for (index, extra) in [["--serial"], []].enumerated() {
            let state = folder.appendingPathComponent("state-\(index)")
            let outcome = await tutor(
                [
                    "run", Repository.tutorial.path, "--sandbox-home", home.url.path, "--state-dir", state.path,
                    "--json", "--var", "appName=serial-\(index)", "--var", "userFlowName=serial-flow-\(index)",
                ] + extra)
            #expect(outcome.status == 0, "\(outcome.error)")
            // Step events in document order either way.
            runs.append(
                outcome.output.split(separator: "\n").compactMap { line in
                    guard let event = try? JSONValue.parse(String(line)),
                        event["event"]?.stringValue?.hasPrefix("step") == true
                    else { return nil }
                    return "\(event["event"]?.stringValue ?? "") \(event["step"]?.numberValue ?? 0)"
                })
            let record = try JSONValue.parse(Data(contentsOf: state.appendingPathComponent("record.json")))
            let names = record["steps"]?.arrayElements?.flatMap { $0["requests"]?.arrayElements ?? [] }.compactMap {
                $0["name"]?.stringValue
            }
            #expect(names?.first == "read_tenant" && names?.last == "attach_app_to_user_flow")
        }
        #expect(runs[0] == runs[1])
        #expect(runs[0].first == "stepManual 1.0" && runs[0].last == "stepManual 8.0", "\(runs[0])")
        let help = await tutor(["run", "--help"])
        #expect(help.output.contains("--serial"))
    }

    @Test("tutor run --sandbox-home: the closing note names the exact serve command and tutor app")
    func runNotesTheServeCommand() async throws {
        let squatter = try PortSquatter()
        let home = try Self.home(remembering: squatter.port)
        let folder = try scratchFolder("run")
        defer { try? FileManager.default.removeItem(at: folder) }
        let project = folder.appendingPathComponent("app")
        let outcome = await tutor([
            "run", Repository.tutorial.path, "--sandbox-home", home.url.path, "--state-dir",
            folder.appendingPathComponent("state").path, "--out", project.path,
        ])
        #expect(outcome.status == 0, "\(outcome.error)")
        let port = try #require(home.rememberedPort)
        #expect(port != squatter.port)
        #expect(outcome.error.contains("note: port \(squatter.port) was taken, so the sandbox listened on \(port)"))
        #expect(
            outcome.error.contains("`tutor sandbox serve --home \(home.url.path) --port \(port)`"), "\(outcome.error)")
        #expect(outcome.error.contains("`tutor app \(project.path)`"))
        let env = try String(contentsOf: project.appendingPathComponent(".env"), encoding: .utf8)
        #expect(env.contains("AUTHORITY='https://localhost:\(port)/"))
        #expect(env.contains("REQUESTS_CA_BUNDLE='\(home.caCertificateFile.path)'"))
    }
}
