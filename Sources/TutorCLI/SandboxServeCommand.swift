import ArgumentParser
import Foundation
import TutorSandbox

/// `tutor sandbox serve`: serves the sandbox tenant until interrupted.
struct SandboxServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the sandbox tenant (Graph and sign-in) over HTTPS on loopback.",
        discussion: """
            Listens on 127.0.0.1 (https://localhost:PORT) until SIGINT or SIGTERM, logging one line \
            per request. Other tutor commands find the running server through the home.

            The home remembers the port its server last listened on (8443 at first): the tenant's \
            authority, and every project rendered from it, names that port. Without --port, serve \
            listens there; when it is taken, serve exits 69 and says who holds it instead of moving.

            Exit codes: 0 stopped by SIGINT or SIGTERM, 69 the port is taken or a serve already runs \
            from the home, 73 the home cannot be created.

            Examples:
              tutor sandbox serve
              tutor sandbox serve --port 0 --home /tmp/sandbox
              tutor sandbox serve --throttle-rate 0.2 --replication-lag-ms 500 --seed 7
              tutor sandbox serve --lost-answer-rate 0.3 --seed 7
            """)

    @OptionGroup var sandboxHome: SandboxHomeOptions

    @Option(
        help: ArgumentHelp(
            "The port to listen on (default: the one the home remembers, else 8443); 0 picks a free one.",
            valueName: "PORT"))
    var port: Int?

    @Option(name: .customLong("latency-ms"), help: "Delay added to every Graph answer, in milliseconds.")
    var latencyMs: Int = 0

    @Option(name: .customLong("throttle-rate"), help: "Share of Graph requests answered 429 (0 to 1).")
    var throttleRate: Double = 0

    @Option(
        name: .customLong("fault-rate"),
        help: "Share of Graph requests failing with 5xx or a dropped connection (0 to 1).")
    var faultRate: Double = 0

    @Option(
        name: .customLong("lost-answer-rate"),
        help: "Share of Graph creates that are committed but never answered (the connection drops) (0 to 1).")
    var lostAnswerRate: Double = 0

    @Option(name: .customLong("replication-lag-ms"), help: "How long new objects stay invisible to other requests.")
    var replicationLagMs: Int = 0

    @Option(
        name: .customLong("replication-lag-spread-ms"),
        help: "A random extra lag per new object, up to this many milliseconds (seeded).")
    var replicationLagSpreadMs: Int = 0

    @Option(help: "Seed of the injected faults, to replay a run.")
    var seed: UInt64?

    func validate() throws {
        if let port, !(0...65535).contains(port) {
            throw ValidationError("--port must be between 0 and 65535")
        }
        if let problem = faults.problem { throw ValidationError(problem) }
    }

    var faults: FaultOptions {
        FaultOptions(
            latencyMs: latencyMs, throttleRate: throttleRate, faultRate: faultRate,
            replicationLagMs: replicationLagMs, seed: seed ?? UInt64.random(in: 0...UInt64.max),
            lostAnswerRate: lostAnswerRate, replicationLagSpreadMs: replicationLagSpreadMs)
    }

    func run() async throws {
        let home = sandboxHome.home
        let listenPort = port ?? home.preferredPort
        // A taken port is an error, never a silent move: the home's authority (and every
        // project rendered from it) names this port.
        if listenPort != 0, home.runningServerPort() == nil, !LoopbackPort.isFree(listenPort) {
            throw PortTakenError(
                port: listenPort,
                advice: port == nil
                    ? "this home serves there (its authority names port \(listenPort)): stop that process, or pick another port with --port N (0 picks a free one), which the home then remembers; projects rendered before name the old port"
                    : "stop that process, or pick another port (0 picks a free one)")
        }
        let context = CommandContext.current
        let server = SandboxServer(requestLog: { line in context.writeOutput(line + "\n") })
        let running = try await server.start(home: home, port: listenPort, faults: faults, handleSignals: true)
        let info = running.info
        printLine(
            "tutor sandbox: serving tenant \(info.tenantId) (\(info.domain)) on \(info.graphURL); "
                + "authority \(info.authority); CA \(info.caFile)")
        try await running.wait()
        printLine("tutor sandbox: stopped")
    }
}
