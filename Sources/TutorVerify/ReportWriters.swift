import Foundation

extension VerifyReport {
    // MARK: - JUnit XML

    /// The JUnit XML report (`--junit FILE`): a `testsuite` per tutorial, a `testcase` per step
    /// (plus one for the cleanup), `<failure type="doc|environment|transient" message=…>` whose
    /// text gives `file:line` and the include chain, `<skipped/>` for steps not run. Only elements
    /// and attributes of the common (Jenkins/Ant) JUnit schema are used.
    public func junitXML(hostname: String = "localhost") -> String {
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        let cases = tutorials.map(Self.testcases)
        let total = cases.reduce(0) { $0 + $1.count }
        let failures = cases.reduce(0) { $0 + $1.filter { $0.failure != nil }.count }
        let skipped = cases.reduce(0) { $0 + $1.filter { $0.skipped != nil }.count }
        xml +=
            "<testsuites name=\"tutor verify\" tests=\"\(total)\" failures=\"\(failures)\" errors=\"0\""
            + " skipped=\"\(skipped)\" time=\"\(Self.seconds(durationMs))\">\n"
        for (index, tutorial) in tutorials.enumerated() {
            let testcases = cases[index]
            xml +=
                "  <testsuite name=\(Self.attribute(tutorial.path)) tests=\"\(testcases.count)\""
                + " failures=\"\(testcases.filter { $0.failure != nil }.count)\" errors=\"0\""
                + " skipped=\"\(testcases.filter { $0.skipped != nil }.count)\""
                + " time=\"\(Self.seconds(tutorial.durationMs))\" timestamp=\"\(Self.junitTimestamp(startedAt))\""
                + " hostname=\(Self.attribute(hostname)) id=\"\(index)\" package=\"tutor.verify\">\n"
            var properties: [(String, String)] = [("runId", runId), ("tenant", tenant.name)]
            if let title = tutorial.title { properties.append(("title", title)) }
            if let state = tutorial.stateDirectory { properties.append(("stateDirectory", state)) }
            for (name, value) in tutorial.uniqueInputs.sorted(by: { $0.key < $1.key }) {
                properties.append(("input.\(name)", value))
            }
            xml += "    <properties>\n"
            for (name, value) in properties {
                xml += "      <property name=\(Self.attribute(name)) value=\(Self.attribute(value))/>\n"
            }
            xml += "    </properties>\n"
            for testcase in testcases {
                xml +=
                    "    <testcase name=\(Self.attribute(testcase.name)) classname=\(Self.attribute(tutorial.path))"
                    + " time=\"\(Self.seconds(testcase.durationMs))\""
                if let failure = testcase.failure {
                    xml += ">\n      <failure type=\"\(failure.failureClass.rawValue)\""
                    xml += " message=\(Self.attribute(Self.oneLine(failure)))>"
                    xml += Self.text(Self.details(failure)) + "</failure>\n    </testcase>\n"
                } else if let reason = testcase.skipped {
                    xml += ">\n      <skipped message=\(Self.attribute(reason))/>\n    </testcase>\n"
                } else {
                    xml += "/>\n"
                }
            }
            xml += "    <system-out/>\n    <system-err/>\n  </testsuite>\n"
        }
        xml += "</testsuites>\n"
        return xml
    }

    struct Testcase {
        var name: String
        var durationMs: Int
        var failure: VerifyFailure?
        var skipped: String?
    }

    static func testcases(_ tutorial: TutorialResult) -> [Testcase] {
        var cases = tutorial.steps.map { step in
            Testcase(
                name: step.title, durationMs: step.durationMs, failure: step.failure,
                skipped: step.status == .skipped ? (step.skippedReason ?? "not run") : nil)
        }
        if tutorial.status == .skipped {
            cases.append(Testcase(name: "Run the tutorial", durationMs: 0, failure: nil, skipped: "not run"))
        }
        let deleting = tutorial.cleanup.filter { $0.outcome != .kept }
        if !deleting.isEmpty {
            // The failure names every resource left behind, not only the first.
            let left = deleting.filter { $0.outcome == .failed }
            var failure = left.first?.failure
            if left.count > 1, let first = failure?.message {
                failure?.message =
                    "\(left.count) resources left in the tenant: "
                    + left.map { "\($0.type) \($0.id)" }.joined(separator: ", ") + "; first: " + first
            }
            cases.append(Testcase(name: "Clean up", durationMs: 0, failure: failure, skipped: nil))
        }
        return cases
    }

    /// `file:line: message` on one line.
    static func oneLine(_ failure: VerifyFailure) -> String {
        let place = failure.location.map { "\($0): " } ?? ""
        return place + failure.message.replacingOccurrences(of: "\n", with: " ")
    }

    /// The failure's full story: place, include chain, class, message, request id.
    static func details(_ failure: VerifyFailure) -> String {
        var lines: [String] = []
        if let location = failure.location { lines.append("at \(location)") }
        for site in failure.includedFrom.reversed() { lines.append("  included from \(site)") }
        lines.append("class: \(failure.failureClass.rawValue)")
        if let request = failure.request { lines.append("request: \(request)") }
        lines.append(failure.message)
        if let requestId = failure.requestId { lines.append("request-id: \(requestId)") }
        return lines.joined(separator: "\n")
    }

    static func seconds(_ milliseconds: Int) -> String {
        String(format: "%.3f", Double(milliseconds) / 1000)
    }

    /// `2026-11-26T17:00:00` (the JUnit schema's timestamp has no zone).
    static func junitTimestamp(_ iso: String) -> String {
        String(iso.prefix(19))
    }

    /// A quoted XML attribute value.
    static func attribute(_ value: String) -> String {
        "\"" + escapeXML(value, attribute: true) + "\""
    }

    /// XML character data.
    static func text(_ value: String) -> String {
        escapeXML(value, attribute: false)
    }

    /// Markup characters escaped (in attributes also quotes and line breaks, which attribute
    /// normalization would otherwise turn into spaces); characters XML cannot hold dropped.
    static func escapeXML(_ value: String, attribute: Bool) -> String {
        var escaped = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"" where attribute: escaped += "&quot;"
            case "\n" where attribute: escaped += "&#10;"
            case "\r" where attribute: escaped += "&#13;"
            case "\t" where attribute: escaped += "&#9;"
            default: if isXMLCharacter(scalar) { escaped.unicodeScalars.append(scalar) }
            }
        }
        return escaped
    }

    static func isXMLCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }

    // MARK: - Markdown

    /// A Markdown summary for a CI job summary (`$GITHUB_STEP_SUMMARY`).
    public func markdownSummary() -> String {
        var lines: [String] = []
        let headline =
            status == "interrupted"
            ? "interrupted"
            : "\(summary.passed) of \(summary.tutorials) tutorial\(summary.tutorials == 1 ? "" : "s") passed"
        lines.append("## tutor verify: \(headline)")
        lines.append("")
        var context =
            "Tenant `\(tenant.name)`\(tenant.sandbox ? " (sandbox)" : ""), run `\(runId)`, \(jobs) job\(jobs == 1 ? "" : "s")"
        if let shard { context += ", shard \(shard)" }
        lines.append(context + ", \(Self.seconds(durationMs)) s.")
        lines.append("")
        if !tutorials.isEmpty {
            lines.append("| Tutorial | Result | Steps passed | Time | Where |")
            lines.append("| --- | --- | --- | --- | --- |")
            for tutorial in tutorials {
                let runnable = tutorial.steps.filter { $0.skippedReason != "manual step: nothing to run" }
                let passed = runnable.filter { $0.status == .passed }.count
                let result: String
                switch tutorial.status {
                case .passed: result = "✅ passed"
                case .skipped: result = "⏭️ not run"
                case .interrupted: result = "⏹️ interrupted"
                case .failed: result = "❌ \(tutorial.failure?.failureClass.rawValue ?? "failed")"
                }
                let place = tutorial.failure?.location.map { "`\(Self.cell($0))`" } ?? ""
                lines.append(
                    "| `\(Self.cell(tutorial.path))` | \(result) | \(passed)/\(runnable.count) | \(Self.seconds(tutorial.durationMs)) s | \(place) |"
                )
            }
            lines.append("")
        }
        let traffic = throttling.traffic
        let budget =
            throttling.writesPerSecond > 0
            ? "a write budget of \(Self.number(throttling.writesPerSecond))/s (burst \(throttling.writeBurst))"
            : "no write budget"
        lines.append(
            "Graph: \(traffic.requests) requests, \(traffic.writes) writes under \(budget); HTTP 429: \(traffic.throttled) (\(traffic.throttledWrites) on writes)."
        )
        lines.append(
            "Cleanup: \(summary.resourcesDeleted) resource\(summary.resourcesDeleted == 1 ? "" : "s") deleted, \(summary.resourcesLeft) left in the tenant."
        )
        let left = resourcesLeft
        if !left.isEmpty {
            lines.append("")
            lines.append("### Left in the tenant")
            lines.append("")
            for (tutorial, item) in left {
                let why = item.outcome == .kept ? "kept" : (item.failure.map { Self.oneLine($0) } ?? "not deleted")
                lines.append("- \(item.type) `\(item.id)` from `\(tutorial)` (\(item.createdBy)): \(Self.cell(why))")
            }
            lines.append("")
            lines.append("Delete them with `tutor cleanup --state-root` on this run's state folder.")
        }
        let failed = tutorials.filter { $0.status == .failed && $0.failure != nil }
        if !failed.isEmpty {
            lines.append("")
            lines.append("### Failures")
            for tutorial in failed {
                guard let failure = tutorial.failure else { continue }
                lines.append("")
                let step = failure.step.map { " — step “\($0)”" } ?? ""
                lines.append("#### `\(tutorial.path)`\(step) (\(failure.failureClass.rawValue))")
                lines.append("")
                lines.append("```text")
                lines.append(Self.details(failure).replacingOccurrences(of: "```", with: "'''"))
                lines.append("```")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    // MARK: - GitHub annotations

    /// `::error file=…,line=…,title=…::message` workflow commands, one per failure, for
    /// `GITHUB_ACTIONS=true`: GitHub shows them on the Markdown line in the pull request.
    public func githubAnnotations() -> String {
        var output = ""
        for tutorial in tutorials {
            var failures = tutorial.steps.compactMap(\.failure)
            failures += tutorial.cleanup.compactMap(\.failure)
            if failures.isEmpty, let failure = tutorial.failure { failures = [failure] }
            for failure in failures {
                var properties: [String] = []
                if let file = failure.file {
                    properties.append("file=\(Self.annotationProperty(file))")
                    if let line = failure.line { properties.append("line=\(line)") }
                }
                let step = failure.step.map { " in “\($0)”" } ?? ""
                properties.append(
                    "title=\(Self.annotationProperty("tutor verify: \(failure.failureClass.rawValue) failure\(step)"))")
                var message = failure.message
                if !failure.includedFrom.isEmpty {
                    message += "\n(included from \(failure.includedFrom.reversed().joined(separator: ", ")))"
                }
                if failure.file == nil { message = "\(tutorial.path): " + message }
                output += "::error \(properties.joined(separator: ","))::\(Self.annotationData(message))\n"
            }
        }
        return output
    }

    static func annotationData(_ text: String) -> String {
        text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }

    static func annotationProperty(_ text: String) -> String {
        annotationData(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}
