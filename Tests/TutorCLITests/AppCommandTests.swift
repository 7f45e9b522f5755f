import Foundation
import Testing
import TutorSandbox
import TutorSupport
import TutorTestSupport

@testable import TutorCLI

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `tutor app DIR`: a rendered project to a running app (sandbox, venv, flask) in one command.
/// A fake `flask` (a Python script that listens where told) keeps the tests fast.
@Suite("tutor app")
struct AppCommandTests {
    /// A project rendered by `tutor run --out` against a fresh home, the app on a free port.
    struct Project {
        var home: SandboxHome
        var folder: URL
        var appPort: Int
        var sandboxPort: Int
        var scratch: URL

        /// What the fake flask wrote: its pid.
        var flaskPid: Int32? {
            (try? String(contentsOf: folder.appendingPathComponent("flask.pid"), encoding: .utf8)).flatMap {
                Int32($0)
            }
        }
    }

    static func renderProject() async throws -> Project {
        let scratch = try scratchFolder("app")
        let home = SandboxHome(url: scratch.appendingPathComponent("home"))
        let appPort = try freePort()
        let folder = scratch.appendingPathComponent("project")
        let outcome = await tutor([
            "run", Repository.tutorial.path, "--sandbox-home", home.url.path, "--state-dir",
            scratch.appendingPathComponent("state").path, "--var", "redirectPort=\(appPort)", "--out", folder.path,
        ])
        guard outcome.status == 0, let sandboxPort = home.rememberedPort else {
            throw TestError("tutor run failed: \(outcome.error)")
        }
        return Project(home: home, folder: folder, appPort: appPort, sandboxPort: sandboxPort, scratch: scratch)
    }

    /// A virtual environment whose `bin/flask` listens on `--port` and writes its pid to flask.pid.
    static func fakeEnvironment(in folder: URL) throws -> URL {
        let venv = folder.appendingPathComponent("fake-venv")
        try FileManager.default.createDirectory(
            at: venv.appendingPathComponent("bin"), withIntermediateDirectories: true)
        let flask = venv.appendingPathComponent("bin/flask")
        try Data(
            """
            #!/usr/bin/env python3
            import http.server, os, sys
            port = int(sys.argv[sys.argv.index("--port") + 1])
            open("flask.pid", "w").write(str(os.getpid()))
            http.server.HTTPServer(("127.0.0.1", port), http.server.SimpleHTTPRequestHandler).serve_forever()

            """.utf8
        ).write(to: flask)
        chmod(flask.path, 0o755)
        return venv
    }

    static func isAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0
    }

    @Test("A real process: prints the URL once the app listens; SIGTERM stops the app and the sandbox")
    func sigtermStopsEverything() async throws {
        let project = try await Self.renderProject()
        defer { try? FileManager.default.removeItem(at: project.scratch) }
        let venv = try Self.fakeEnvironment(in: project.scratch)
        let output = project.scratch.appendingPathComponent("stdout")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = try TutorExecutable.url()
        // The home comes from REQUESTS_CA_BUNDLE in .env: no --sandbox-home.
        process.arguments = ["app", project.folder.path, "--python-env", venv.path]
        process.environment = ProcessInfo.processInfo.environment.merging(["HOME": project.scratch.path]) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = process.standardOutput
        try process.run()
        let text = { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }
        let listening = try await eventually { text().contains("tutor app: http://localhost:\(project.appPort)/") }
        #expect(listening, "\(text())")
        #expect(text().contains("serving the sandbox from \(project.home.url.path)"))
        #expect(project.home.runningServerPort() == project.sandboxPort)
        let flaskPid = try #require(project.flaskPid)

        kill(process.processIdentifier, SIGTERM)
        #expect(try await eventually { !process.isRunning })
        #expect(process.terminationStatus == 0, "\(text())")
        #expect(text().contains("tutor app: stopped"))
        #expect(try await eventually { !Self.isAlive(flaskPid) })
        #expect(LoopbackPort.isFree(project.appPort))
        #expect(project.home.runningServerPort() == nil)
    }

    @Test("In-process: cancelling the command stops the app it started")
    func cancellationStopsTheApp() async throws {
        let project = try await Self.renderProject()
        defer { try? FileManager.default.removeItem(at: project.scratch) }
        let venv = try Self.fakeEnvironment(in: project.scratch)
        let task = Task {
            await tutor([
                "app", project.folder.path, "--python-env", venv.path, "--sandbox-home", project.home.url.path,
            ])
        }
        #expect(try await eventually { project.flaskPid != nil && !LoopbackPort.isFree(project.appPort) })
        let flaskPid = try #require(project.flaskPid)
        // The URL is printed within a poll (100 ms) of the app listening.
        try await Task.sleep(for: .milliseconds(500))
        task.cancel()
        let outcome = await task.value
        #expect(outcome.status == 0, "\(outcome.error)")
        #expect(outcome.output.contains("tutor app: http://localhost:\(project.appPort)/ (Ctrl-C stops"))
        #expect(try await eventually { !Self.isAlive(flaskPid) })
        #expect(project.home.runningServerPort() == nil)
    }

    @Test("The venv is made and requirements installed once, again only when requirements.txt changes")
    func installsWhenRequirementsChange() async throws {
        let project = try await Self.renderProject()
        defer { try? FileManager.default.removeItem(at: project.scratch) }
        // Stands in for python3 and the venv's python; its flask exits at once with 3.
        let python = project.scratch.appendingPathComponent("fake-python")
        try Data(
            """
            #!/bin/sh
            if [ "$1" = -m ] && [ "$2" = venv ]; then
              mkdir -p "$3/bin" && cp "$0" "$3/bin/python"
              printf '#!/bin/sh\\nexit 3\\n' > "$3/bin/flask" && chmod +x "$3/bin/flask"
              exit 0
            fi
            if [ "$1" = -m ] && [ "$2" = pip ]; then echo install >> installs.log; exit 0; fi
            exit 2

            """.utf8
        ).write(to: python)
        chmod(python.path, 0o755)
        let arguments = ["app", project.folder.path, "--python", python.path]
        let installs = {
            ((try? String(contentsOf: project.folder.appendingPathComponent("installs.log"), encoding: .utf8)) ?? "")
                .split(separator: "\n").count
        }
        let first = await tutor(arguments)
        #expect(first.status == ExitStatus.stepFailed.rawValue, "\(first.error)")
        #expect(first.error.contains("the app stopped by itself"))
        #expect(installs() == 1)
        #expect(
            FileManager.default.fileExists(
                atPath: project.folder.appendingPathComponent(".venv/.tutor-requirements.sha256").path))
        _ = await tutor(arguments)
        #expect(installs() == 1)
        let requirements = project.folder.appendingPathComponent("requirements.txt")
        try (try String(contentsOf: requirements, encoding: .utf8) + "rich\n").write(
            to: requirements, atomically: true, encoding: .utf8)
        _ = await tutor(arguments)
        #expect(installs() == 2)
    }

    @Test("A taken app port is refused before anything starts, with who holds it and how to move")
    func takenAppPort() async throws {
        let project = try await Self.renderProject()
        defer { try? FileManager.default.removeItem(at: project.scratch) }
        // Hold the app's port: a listening socket of this test process.
        let holder = try PortSquatter()
        var env = try String(contentsOf: project.folder.appendingPathComponent(".env"), encoding: .utf8)
        env = env.replacingOccurrences(of: "localhost:\(project.appPort)/", with: "localhost:\(holder.port)/")
        try env.write(to: project.folder.appendingPathComponent(".env"), atomically: true, encoding: .utf8)
        let outcome = await tutor(["app", project.folder.path, "--python-env", "/nonexistent"])
        #expect(outcome.status == ExitStatus.unavailable.rawValue)
        #expect(outcome.error.contains("port \(holder.port) is taken by"), "\(outcome.error)")
        #expect(outcome.error.contains("(pid \(getpid()))"))
        #expect(outcome.error.contains("--var redirectPort=N --fresh"))
        #expect(project.home.runningServerPort() == nil)
    }

    @Test("A folder that is not a rendered project is 66, naming what is missing")
    func notAProject() async throws {
        let folder = try scratchFolder("empty")
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = await tutor(["app", folder.path])
        #expect(outcome.status == ExitStatus.noInput.rawValue)
        #expect(outcome.error.contains("has no app.py"))
    }

    @Test(".env lines: comments, export, quotes")
    func dotEnv() {
        let values = FlaskProject.parseDotEnv("# c\nexport A='x y'\nB=\"z\"\nC=plain\n\nD")
        #expect(values == ["A": "x y", "B": "z", "C": "plain"])
    }
}

/// A failure with a message.
struct TestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
