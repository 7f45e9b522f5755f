import Foundation
import Testing
import TutorRunner

/// What a terminal gets: no escapes where there are none to use, and live lines that fit.
@Suite struct TerminalOutputTests {
    @Test func dumbTerminalsAndPipesGetPlainLinesWithoutColour() {
        #expect(ConsoleReporter.defaultStyle(json: false, isTerminal: true, term: "dumb") == .plain)
        #expect(ConsoleReporter.defaultStyle(json: false, isTerminal: true, term: "xterm-256color") == .live)
        #expect(ConsoleReporter.defaultStyle(json: false, isTerminal: false, term: "xterm") == .plain)
        #expect(!ConsoleReporter.usesColor(isTerminal: true, environment: ["TERM": "dumb"]))
        #expect(!ConsoleReporter.usesColor(isTerminal: true, environment: ["TERM": "xterm", "NO_COLOR": "1"]))
        #expect(ConsoleReporter.usesColor(isTerminal: true, environment: ["TERM": "xterm", "NO_COLOR": ""]))
        #expect(!ConsoleReporter.usesColor(isTerminal: false, environment: ["TERM": "xterm"]))
    }

    /// A live line that wraps cannot be redrawn in place (`\r` goes back one row only), so on a
    /// narrow terminal the title is cut with `…` and every drawn row fits.
    @Test func liveLinesFitANarrowTerminal() {
        let sink = TextSink()
        let reporter = ConsoleReporter(style: .live, verbose: false, color: false, width: 30) { sink.append($0) }
        let title = "Register the web application in the external tenant with its redirect URI"
        reporter.handle(.stepStarted(index: 0, title: title))
        reporter.handle(.stepFinished(index: 0, title: title, outcome: .succeeded, duration: .milliseconds(1234)))
        reporter.finish()
        let rows = sink.text.split(whereSeparator: { $0 == "\r" || $0 == "\n" })
            .map { $0.replacingOccurrences(of: "\u{1B}[2K", with: "") }.filter { !$0.isEmpty }
        #expect(!rows.isEmpty)
        for row in rows { #expect(row.count <= 30, "\(row)") }
        #expect(sink.text.contains("…"))
        #expect(!sink.text.contains(title))
    }

    @Test func wideTerminalsKeepTheWholeTitle() {
        let sink = TextSink()
        let reporter = ConsoleReporter(style: .live, verbose: false, color: false, width: 200) { sink.append($0) }
        reporter.handle(.stepStarted(index: 0, title: "Add a client secret"))
        reporter.handle(
            .stepFinished(index: 0, title: "Add a client secret", outcome: .succeeded, duration: .seconds(1)))
        reporter.finish()
        #expect(sink.text.contains("✓ Add a client secret"))
    }
}
