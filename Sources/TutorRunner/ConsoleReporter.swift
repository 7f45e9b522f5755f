import Foundation
import Synchronization
import TutorRecord
import TutorSupport

/// Prints run events: a live step list with a spinner on a terminal, plain lines otherwise,
/// or JSON Lines. Secrets never reach it (events carry none).
public final class ConsoleReporter: RunObserver, Sendable {

    /// How events are shown.
    public enum Style: Sendable {
        /// Live list with spinner and elapsed time (a terminal).
        case live
        /// One plain line per event.
        case plain
        /// One JSON object per line.
        case jsonLines
    }

    private let style: Style
    private let verbose: Bool
    private let color: Bool
    /// The terminal's width in columns, when known: live lines are cut to fit, since a line that
    /// wraps cannot be redrawn in place.
    private let width: Int?
    private let write: @Sendable (String) -> Void
    /// What changes while a run prints: the step in progress and its spinner. Events and the
    /// spinner's timer (on its own queue) both take the lock, so lines never interleave.
    private struct State {
        var current: (title: String, started: ContinuousClock.Instant)?
        var spinnerIndex = 0
        var timer: DispatchSourceTimer?
    }
    private let state = Mutex(State())
    private let timerQueue = DispatchQueue(label: "tutor.run.spinner")
    private let frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

    /// Creates a reporter writing through `write` (e.g. to standard output).
    public init(
        style: Style, verbose: Bool, color: Bool, width: Int? = nil, write: @escaping @Sendable (String) -> Void
    ) {
        self.style = style
        self.verbose = verbose
        self.color = color
        self.width = width
        self.write = write
    }

    /// The style for a stream: live on a terminal that can move the cursor, plain otherwise
    /// (a pipe, or `TERM=dumb`, which has no escapes).
    public static func defaultStyle(json: Bool, isTerminal: Bool, term: String? = nil) -> Style {
        json ? .jsonLines : (isTerminal && term != "dumb" ? .live : .plain)
    }

    /// Whether to colour: a terminal with escapes, and no `NO_COLOR` (no-color.org).
    public static func usesColor(isTerminal: Bool, environment: [String: String]) -> Bool {
        isTerminal && environment["TERM"] != "dumb" && (environment["NO_COLOR"] ?? "").isEmpty
    }

    /// `title` cut with `…` so that a live line of it and `reserve` more columns fits the width.
    private func fitted(_ title: String, reserve: Int) -> String {
        guard let width, title.count + reserve > width else { return title }
        let room = max(width - reserve - 1, 1)
        return String(title.prefix(room)) + "…"
    }

    /// Stops the spinner (call once the run is over).
    public func finish() {
        state.withLock { state in
            state.timer?.cancel()
            state.timer = nil
        }
    }

    /// Handles one event.
    public func handle(_ event: RunEvent) {
        state.withLock { state in
            switch style {
            case .jsonLines: write(Self.json(event).serialized() + "\n")
            case .plain: plain(event)
            case .live: live(event, &state)
            }
        }
    }

    private func paint(_ text: String, _ code: String) -> String {
        color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    private static func format(_ duration: Duration) -> String {
        let seconds = duration.seconds
        return seconds < 10 ? String(format: "%.2fs", seconds) : String(format: "%.1fs", seconds)
    }

    private func plain(_ event: RunEvent) {
        switch event {
        case .runStarted(let tutorial, let tenant, let steps, let resumed):
            write("\(resumed ? "Resuming" : "Running") \(tutorial) on \(tenant) (\(steps) steps)\n")
        case .stepStarted(let index, let title): write("[\(index + 1)] \(title) ...\n")
        case .stepManual(let index, let title): write("[\(index + 1)] \(title) (manual step, nothing to run)\n")
        case .stepSkipped(let index, let title): write("[\(index + 1)] \(title): done in an earlier run\n")
        case .stepFinished(let index, let title, let outcome, let duration):
            let word = [StepOutcome.succeeded: "ok", .failed: "FAILED", .interrupted: "interrupted"][outcome] ?? ""
            write("[\(index + 1)] \(title): \(word) (\(Self.format(duration)))\n")
        case .exchange(let request, let method, let url, let status, let duration, let note, _):
            if verbose { write("    \(exchangeLine(request, method, url, status, duration, note))\n") }
        case .retrying(let request, let reason, let delay, _):
            if verbose { write("    \(request): \(reason); retrying in \(Self.format(delay))\n") }
        case .notice(let message): write("note: \(message)\n")
        case .runFinished(let summary): write(summaryText(summary))
        }
    }

    private func exchangeLine(
        _ request: String, _ method: String, _ url: String, _ status: Int?, _ duration: Duration, _ note: String?
    ) -> String {
        "\(method) \(url) → \(status.map(String.init) ?? "no answer")\(note.map { " (\($0))" } ?? "") \(Self.format(duration)) [\(request)]"
    }

    private func clearLine() {
        write("\r\u{1B}[2K")
    }

    private func live(_ event: RunEvent, _ state: inout State) {
        switch event {
        case .stepStarted(_, let title):
            state.current = (title, ContinuousClock.now)
            drawSpinner(state)
            startTimer(&state)
        case .stepFinished(_, let title, let outcome, let duration):
            state.current = nil
            clearLine()
            switch outcome {
            case .succeeded:
                write("\(paint("✓", "32")) \(fitted(title, reserve: 10)) \(paint(Self.format(duration), "2"))\n")
            case .failed:
                write("\(paint("✗", "31")) \(fitted(title, reserve: 10)) \(paint(Self.format(duration), "2"))\n")
            case .interrupted:
                write(
                    "\(paint("◼", "33")) \(fitted(title, reserve: 30)) \(paint("(interrupted after \(Self.format(duration)))", "2"))\n"
                )
            }
        case .stepManual(_, let title):
            write("\(paint("•", "2")) \(title) \(paint("(manual)", "2"))\n")
        case .stepSkipped(_, let title):
            write("\(paint("✓", "32")) \(title) \(paint("(done earlier)", "2"))\n")
        case .exchange(let request, let method, let url, let status, let duration, let note, _):
            guard verbose else { return }
            clearLine()
            write(paint("    \(exchangeLine(request, method, url, status, duration, note))", "2") + "\n")
            drawSpinner(state)
        case .retrying(let request, let reason, let delay, _):
            guard verbose else { return }
            clearLine()
            write(paint("    \(request): \(reason); retrying in \(Self.format(delay))", "33") + "\n")
            drawSpinner(state)
        case .notice(let message):
            clearLine()
            write("\(paint("note:", "33")) \(message)\n")
            drawSpinner(state)
        case .runStarted, .runFinished:
            plain(event)
        }
    }

    private func drawSpinner(_ state: State) {
        guard let current = state.current else { return }
        let elapsed = ContinuousClock.now - current.started
        clearLine()
        write(
            "\(paint(frames[state.spinnerIndex % frames.count], "36")) \(fitted(current.title, reserve: 10)) \(paint(Self.format(elapsed), "2"))"
        )
    }

    private func startTimer(_ state: inout State) {
        guard state.timer == nil else { return }
        let timer = DispatchSource.makeTimerSource(queue: timerQueue)
        timer.schedule(deadline: .now() + .milliseconds(100), repeating: .milliseconds(100))
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            self.state.withLock { state in
                state.spinnerIndex += 1
                self.drawSpinner(state)
            }
        }
        timer.resume()
        state.timer = timer
    }

    private func summaryText(_ summary: RunSummary) -> String {
        var lines: [String] = []
        switch summary.status {
        case .succeeded:
            lines.append(
                "\(paint("Done", "32")) in \(Self.format(summary.duration)): \(summary.requestsSent) requests, \(summary.resourcesCreated) resources created."
            )
            // The tutorial's own outputs, whatever the platform; secrets are named, never shown.
            let width = max(summary.outputs.map(\.name.count).max() ?? 0, 6) + 1
            func row(_ name: String, _ value: String) -> String {
                "  " + (name + ":").padding(toLength: width + 1, withPad: " ", startingAt: 0) + value
            }
            if let subdomain = summary.subdomain { lines.append(row("Tenant", subdomain)) }
            for output in summary.outputs where output.value != RunRecord.redacted {
                lines.append(row(output.name, output.value))
            }
            let secret = summary.outputs.filter { $0.value == RunRecord.redacted }.map(\.name)
            if !secret.isEmpty {
                lines.append(
                    row(secret.joined(separator: ", "), "saved in \(summary.secretsPath) (mode 0600, never printed)"))
            }
            lines.append(row("Record", summary.recordPath))
            if let project = summary.projectOutput {
                lines.append("Next: the project follows in \(project); its README.md says how to start it")
            } else {
                lines.append(
                    "To render a project from this run: tutor render --state-dir \(summary.stateDirectory) --out DIR")
            }
        case .interrupted:
            lines.append("Interrupted; progress saved in \(summary.recordPath). Run the same command again to resume.")
        default:
            lines.append("Failed after \(Self.format(summary.duration)); the record is in \(summary.recordPath).")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The JSON Lines form of an event.
    public static func json(_ event: RunEvent) -> JSONValue {
        typealias Member = JSONValue.JSONMember
        func ms(_ duration: Duration) -> JSONValue { .number(Double(duration.milliseconds)) }
        switch event {
        case .runStarted(let tutorial, let tenant, let steps, let resumed):
            return .object([
                Member("event", .string("runStarted")), Member("tutorial", .string(tutorial)),
                Member("tenant", .string(tenant)), Member("steps", .number(Double(steps))),
                Member("resumed", .bool(resumed)),
            ])
        case .stepStarted(let index, let title):
            return .object([
                Member("event", .string("stepStarted")), Member("step", .number(Double(index + 1))),
                Member("title", .string(title)),
            ])
        case .stepManual(let index, let title):
            return .object([
                Member("event", .string("stepManual")), Member("step", .number(Double(index + 1))),
                Member("title", .string(title)),
            ])
        case .stepSkipped(let index, let title):
            return .object([
                Member("event", .string("stepSkipped")), Member("step", .number(Double(index + 1))),
                Member("title", .string(title)),
            ])
        case .stepFinished(let index, let title, let outcome, let duration):
            return .object([
                Member("event", .string("stepFinished")), Member("step", .number(Double(index + 1))),
                Member("title", .string(title)), Member("status", .string(outcome.rawValue)),
                Member("durationMs", ms(duration)),
            ])
        case .exchange(let request, let method, let url, let status, let duration, let note, let at):
            return .object([
                Member("event", .string("request")), Member("name", .string(request)),
                Member("method", .string(method)), Member("url", .string(url)),
                Member("status", status.map { .number(Double($0)) } ?? .null), Member("durationMs", ms(duration)),
                Member("error", note.map { .string($0) } ?? .null), Member("atMs", at.map(ms) ?? .null),
            ])
        case .retrying(let request, let reason, let delay, let at):
            return .object([
                Member("event", .string("retry")), Member("name", .string(request)), Member("reason", .string(reason)),
                Member("delayMs", ms(delay)), Member("atMs", at.map(ms) ?? .null),
            ])
        case .notice(let message):
            return .object([Member("event", .string("notice")), Member("message", .string(message))])
        case .runFinished(let summary):
            return .object([
                Member("event", .string("runFinished")), Member("status", .string(summary.status.rawValue)),
                Member("durationMs", ms(summary.duration)), Member("requests", .number(Double(summary.requestsSent))),
                Member("resourcesCreated", .number(Double(summary.resourcesCreated))),
                Member("connections", summary.connectionsOpened.map { .number(Double($0)) } ?? .null),
                Member("outputs", .object(summary.outputs.map { Member($0.name, .string($0.value)) })),
                Member("subdomain", summary.subdomain.map { .string($0) } ?? .null),
                Member("secretsFile", .string(summary.secretsPath)), Member("record", .string(summary.recordPath)),
                Member("stateDir", .string(summary.stateDirectory)),
                Member("output", summary.projectOutput.map { .string($0) } ?? .null),
            ])
        }
    }
}
