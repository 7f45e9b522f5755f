import Foundation
import TutorRecord
import TutorSupport

/// Prints run events: a live step list with a spinner on a terminal, plain lines otherwise,
/// or JSON Lines. Secrets never reach it (events carry none).
public final class ConsoleReporter: RunObserver, @unchecked Sendable {
    // @unchecked Sendable: all mutable state is read and written under `lock`; the timer runs on
    // its own serial queue and takes the same lock.

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
    private let write: @Sendable (String) -> Void
    private let lock = NSLock()
    private var current: (title: String, started: ContinuousClock.Instant)?
    private var spinnerIndex = 0
    private var timer: DispatchSourceTimer?
    private let timerQueue = DispatchQueue(label: "tutor.run.spinner")
    private let frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

    /// Creates a reporter writing through `write` (e.g. to standard output).
    public init(style: Style, verbose: Bool, color: Bool, write: @escaping @Sendable (String) -> Void) {
        self.style = style
        self.verbose = verbose
        self.color = color
        self.write = write
    }

    /// The style for a stream: live on a terminal, plain otherwise; colours unless `NO_COLOR` is set.
    public static func defaultStyle(json: Bool, isTerminal: Bool) -> Style {
        json ? .jsonLines : (isTerminal ? .live : .plain)
    }

    /// Stops the spinner (call once the run is over).
    public func finish() {
        lock.lock()
        timer?.cancel()
        timer = nil
        lock.unlock()
    }

    /// Handles one event.
    public func handle(_ event: RunEvent) {
        lock.lock()
        defer { lock.unlock() }
        switch style {
        case .jsonLines: write(Self.json(event).serialized() + "\n")
        case .plain: plain(event)
        case .live: live(event)
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
        case .exchange(let request, let method, let url, let status, let duration, let note):
            if verbose { write("    \(exchangeLine(request, method, url, status, duration, note))\n") }
        case .retrying(let request, let reason, let delay):
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

    private func live(_ event: RunEvent) {
        switch event {
        case .stepStarted(_, let title):
            current = (title, ContinuousClock.now)
            drawSpinner()
            startTimer()
        case .stepFinished(_, let title, let outcome, let duration):
            current = nil
            clearLine()
            switch outcome {
            case .succeeded: write("\(paint("✓", "32")) \(title) \(paint(Self.format(duration), "2"))\n")
            case .failed: write("\(paint("✗", "31")) \(title) \(paint(Self.format(duration), "2"))\n")
            case .interrupted:
                write("\(paint("◼", "33")) \(title) \(paint("(interrupted after \(Self.format(duration)))", "2"))\n")
            }
        case .stepManual(_, let title):
            write("\(paint("•", "2")) \(title) \(paint("(manual)", "2"))\n")
        case .stepSkipped(_, let title):
            write("\(paint("✓", "32")) \(title) \(paint("(done earlier)", "2"))\n")
        case .exchange(let request, let method, let url, let status, let duration, let note):
            guard verbose else { return }
            clearLine()
            write(paint("    \(exchangeLine(request, method, url, status, duration, note))", "2") + "\n")
            drawSpinner()
        case .retrying(let request, let reason, let delay):
            guard verbose else { return }
            clearLine()
            write(paint("    \(request): \(reason); retrying in \(Self.format(delay))", "33") + "\n")
            drawSpinner()
        case .notice(let message):
            clearLine()
            write("\(paint("note:", "33")) \(message)\n")
            drawSpinner()
        case .runStarted, .runFinished:
            plain(event)
        }
    }

    private func drawSpinner() {
        guard let current else { return }
        let elapsed = ContinuousClock.now - current.started
        clearLine()
        write(
            "\(paint(frames[spinnerIndex % frames.count], "36")) \(current.title) \(paint(Self.format(elapsed), "2"))")
    }

    private func startTimer() {
        guard timer == nil else { return }
        let timer = DispatchSource.makeTimerSource(queue: timerQueue)
        timer.schedule(deadline: .now() + .milliseconds(100), repeating: .milliseconds(100))
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            self.lock.lock()
            defer { self.lock.unlock() }
            self.spinnerIndex += 1
            self.drawSpinner()
        }
        timer.resume()
        self.timer = timer
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
        case .exchange(let request, let method, let url, let status, let duration, let note):
            return .object([
                Member("event", .string("request")), Member("name", .string(request)),
                Member("method", .string(method)), Member("url", .string(url)),
                Member("status", status.map { .number(Double($0)) } ?? .null), Member("durationMs", ms(duration)),
                Member("error", note.map { .string($0) } ?? .null),
            ])
        case .retrying(let request, let reason, let delay):
            return .object([
                Member("event", .string("retry")), Member("name", .string(request)), Member("reason", .string(reason)),
                Member("delayMs", ms(delay)),
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
