import TutorSupport

/// What `tutor plan` shows: the steps in order with their requests, the inputs and the outputs,
/// as text for people or as JSON for scripts.
public struct TutorialPlan: Sendable {
    /// The tutorial being planned.
    public let tutorial: Tutorial

    /// Creates the plan of `tutorial`.
    public init(_ tutorial: Tutorial) {
        self.tutorial = tutorial
    }

    /// Every permission any request needs, sorted, without repeats.
    public var permissions: [String] {
        Array(Set(tutorial.requests.flatMap(\.scopes))).sorted()
    }

    /// The human listing.
    public func text() -> String {
        var lines: [String] = []
        lines.append(tutorial.title)
        lines.append("\(tutorial.path) (sha256 \(tutorial.sha256.prefix(12)))")
        lines.append("")
        lines.append("Inputs:")
        if tutorial.inputs.isEmpty { lines.append("  (none)") }
        for input in tutorial.inputs {
            var line = "  \(input.name)"
            if let value = input.defaultValue {
                line += " = \"\(value)\""
            } else {
                line += " (required: --var \(input.name)=…)"
            }
            if let pattern = input.pattern { line += "  matching \(pattern)" }
            lines.append(line)
            if let description = input.description { lines.append("      \(description)") }
        }
        lines.append("")
        let order = RequestOrder(tutorial)
        for (index, step) in tutorial.steps.enumerated() {
            let kind = step.isManual ? "manual" : "\(step.requests.count) request\(step.requests.count == 1 ? "" : "s")"
            lines.append("\(index + 1). \(step.title)  [\(kind)]  \(step.location.fileAndLine)")
            for request in step.requests {
                lines.append("   - \(request.name): \(request.method) \(request.url)")
                var facts = ["\(request.effect.rawValue)", request.location.fileAndLine]
                if request.lookup != nil { facts.append("get-or-create") }
                if request.skipIfCaptured { facts.append("skipped when its captures are already set") }
                lines.append("       " + facts.joined(separator: ", "))
                if !request.variables.isEmpty {
                    lines.append("       uses: \(request.variables.joined(separator: ", "))")
                }
                let captures = request.captures.map { capture in
                    request.secrets.contains(capture.variable) ? "\(capture.variable) (secret)" : capture.variable
                }
                if !captures.isEmpty { lines.append("       captures: \(captures.joined(separator: ", "))") }
                let after = order.after(request.name)
                if !after.isEmpty { lines.append("       after: \(after.joined(separator: ", "))") }
                if !request.scopes.isEmpty {
                    lines.append("       permissions: \(request.scopes.joined(separator: " or "))")
                }
                if let retry = request.retry {
                    let reasons = retry.statuses.map(String.init) + retry.errorCodes
                    lines.append("       retries on: \(reasons.joined(separator: ", "))")
                }
                if let cleanup = request.cleanup { lines.append("       cleanup: \(cleanup.method) \(cleanup.url)") }
            }
        }
        lines.append("")
        lines.append("Outputs:")
        if tutorial.outputs.isEmpty { lines.append("  (none)") }
        for output in tutorial.outputs {
            lines.append("  \(output.name) = \(output.value)\(output.isSecret ? "  (secret)" : "")")
        }
        if !permissions.isEmpty {
            lines.append("")
            lines.append("Permissions: \(permissions.joined(separator: ", "))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The plan as JSON (shape documented in docs/formats.md, section `tutor plan --json`).
    public func json() -> JSONValue {
        let order = RequestOrder(tutorial)
        return .object([
            .init(
                "tutorial",
                .object([
                    .init("path", .string(tutorial.path)), .init("sha256", .string(tutorial.sha256)),
                    .init("title", .string(tutorial.title)),
                ])),
            .init("inputs", .array(tutorial.inputs.map(Self.json))),
            .init(
                "steps",
                .array(
                    tutorial.steps.enumerated().map { index, step in
                        .object([
                            .init("number", .number(Double(index + 1))), .init("title", .string(step.title)),
                            .init("source", .string(step.location.fileAndLine)),
                            .init("includedFrom", Self.chain(step.location)),
                            .init("manual", .bool(step.isManual)),
                            .init(
                                "requests",
                                .array(
                                    step.requests.map {
                                        Self.json($0, after: order.after($0.name))
                                    })),
                        ])
                    })),
            .init("outputs", .array(tutorial.outputs.map(Self.json))),
            .init("permissions", .array(permissions.map(JSONValue.string))),
            .init("warnings", .array(tutorial.warnings.map { .string($0.description) })),
        ])
    }

    private static func chain(_ location: SourceLocation) -> JSONValue {
        .array(location.includeChain.map { .string($0.description) })
    }

    private static func json(_ input: InputDeclaration) -> JSONValue {
        .object([
            .init("name", .string(input.name)), .init("default", input.defaultValue.map(JSONValue.string) ?? .null),
            .init("pattern", input.pattern.map(JSONValue.string) ?? .null),
            .init("description", input.description.map(JSONValue.string) ?? .null),
            .init("source", .string(input.location.fileAndLine)),
        ])
    }

    private static func json(_ output: OutputDeclaration) -> JSONValue {
        .object([
            .init("name", .string(output.name)), .init("value", .string(output.value)),
            .init("secret", .bool(output.isSecret)), .init("source", .string(output.location.fileAndLine)),
        ])
    }

    private static func json(_ capture: Capture, secrets: Set<String>) -> JSONValue {
        var members: [JSONValue.JSONMember] = [.init("variable", .string(capture.variable))]
        switch capture.source {
        case .body(let path): members.append(.init("path", .string(path.description)))
        case .header(let name): members.append(.init("header", .string(name)))
        }
        members.append(.init("match", capture.pattern.map(JSONValue.string) ?? .null))
        members.append(.init("secret", .bool(secrets.contains(capture.variable))))
        return .object(members)
    }

    private static func json(_ request: RequestBlock, after: [String]) -> JSONValue {
        var members: [JSONValue.JSONMember] = [
            .init("name", .string(request.name)), .init("method", .string(request.method)),
            .init("url", .string(request.url)), .init("effect", .string(request.effect.rawValue)),
            .init("source", .string(request.location.fileAndLine)),
            .init("includedFrom", chain(request.location)),
            .init("uses", .array(request.variables.map(JSONValue.string))),
            .init("captures", .array(request.captures.map { json($0, secrets: request.secrets) })),
            .init("scopes", .array(request.scopes.map(JSONValue.string))),
            .init("skipIfCaptured", .bool(request.skipIfCaptured)),
            .init("after", .array(after.map(JSONValue.string))),
        ]
        members.append(
            .init(
                "lookup",
                request.lookup.map { lookup in
                    .object([
                        .init("url", .string(lookup.url)),
                        .init("captures", .array(lookup.captures.map { json($0, secrets: []) })),
                    ])
                } ?? .null))
        members.append(
            .init(
                "retry",
                request.retry.map { retry in
                    .object([
                        .init("statuses", .array(retry.statuses.map { .number(Double($0)) })),
                        .init("errorCodes", .array(retry.errorCodes.map(JSONValue.string))),
                        .init("maxSeconds", retry.maxSeconds.map(JSONValue.number) ?? .null),
                    ])
                } ?? .null))
        members.append(
            .init(
                "cleanup",
                request.cleanup.map { cleanup in
                    .object([
                        .init("method", .string(cleanup.method)), .init("url", .string(cleanup.url)),
                        .init("resource", cleanup.resourceType.map(JSONValue.string) ?? .null),
                    ])
                } ?? .null))
        members.append(
            .init(
                "expect",
                request.expectation.map { expectation in
                    .object([
                        .init("status", .number(Double(expectation.status))),
                        .init("source", .string(expectation.location.fileAndLine)),
                    ])
                } ?? .null))
        return .object(members)
    }
}
