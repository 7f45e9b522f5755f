import TutorSupport

/// A request with the places where it uses variables, for validation.
struct RequestDraft: Sendable {
    var block: RequestBlock
    /// Uses that must be defined before the request runs (URL, headers, body, lookup, expectation).
    var uses: [VariableUse]
    /// Uses in the cleanup rule (may also use the request's own captures).
    var cleanupUses: [VariableUse]
    /// The annotation's location (for errors about captures and secrets).
    var annotationLocation: SourceLocation
}

/// Turns annotations and their code blocks into typed requests, expectations, inputs and outputs.
struct AnnotationReader {
    /// Methods a request block may use.
    static let methods: Set<String> = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    /// Annotation keys tutor reads on a request.
    static let requestKeys: Set<String> = [
        "blockType", "name", "capture", "secret", "lookup", "retry", "cleanup", "scopes", "skipIfCaptured",
    ]
    /// Keys of ApiDoctor's own convention that tutor accepts and ignores.
    static let apiDoctorKeys: Set<String> = [
        "truncated", "isCollection", "@odata.type", "expectError", "isEmpty", "tocPath", "sampleKeys",
        "skipped", "isPageable", "idempotent", "httpRequest", "@type", "targetType", "status",
    ]

    var log = DiagnosticLog()

    // MARK: Requests

    mutating func request(_ annotation: Annotation, _ code: CodeBlock?) -> RequestDraft? {
        let value = annotation.value
        let at = annotation.location
        for member in value.objectMembers ?? []
        where !Self.requestKeys.contains(member.key) && !Self.apiDoctorKeys.contains(member.key) {
            log.warning(at, "unknown annotation key '\(member.key)' is ignored")
        }
        guard let nameValue = value["name"] else {
            log.error(at, "request annotation needs a \"name\" (a unique id such as \"create_application\")")
            return nil
        }
        guard let name = nameValue.stringValue, isRequestName(name) else {
            log.error(at, "request \"name\" must be a string of letters, digits, '_', '-' or '.'")
            return nil
        }
        guard let code else {
            log.error(at, "request annotation '\(name)' must be followed by a ```http code block")
            return nil
        }
        guard code.language == "http" else {
            log.error(code.location, "request '\(name)' must be a ```http code block, not ```\(code.language)")
            return nil
        }
        var uses: [VariableUse] = []
        guard let message = parseHTTPMessage(code, expecting: .request(name: name)) else {
            return nil
        }
        guard case .request(let method, let url, let urlLocation) = message.start else { return nil }
        uses += variableUses(in: url, at: urlLocation)
        for header in message.headers { uses += variableUses(in: header.value, at: header.location) }
        if let body = message.body { uses += bodyUses(body) }
        if let body = message.body, looksLikeJSON(body.text, headers: message.headers) {
            checkJSON(body, what: "request body")
        }
        var block = RequestBlock(
            name: name, location: code.location, method: method, url: url,
            headers: message.headers.map { HeaderTemplate(name: $0.name, value: $0.value) },
            body: message.body?.text)
        var cleanupUses: [VariableUse] = []
        if let captureValue = value["capture"] {
            block.captures = captures(captureValue, at: at, what: "capture")
            uses += block.captures.flatMap { capture in capturePathUses(capture, at: at) }
        }
        if let secretValue = value["secret"] {
            let names = strings(secretValue, at: at, key: "secret")
            let captured = Set(block.captures.map(\.variable))
            for secret in names where !captured.contains(secret) {
                log.error(at, "secret '\(secret)' is not captured by request '\(name)'")
            }
            block.secrets = Set(names)
        }
        if let lookupValue = value["lookup"] {
            if let lookup = lookup(lookupValue, request: block, at: at) {
                block.lookup = lookup
                uses += variableUses(in: lookup.url, at: at, precise: false)
                uses += lookup.captures.flatMap { capture in capturePathUses(capture, at: at) }
            }
        }
        if let retryValue = value["retry"] { block.retry = retry(retryValue, at: at) }
        if let cleanupValue = value["cleanup"], let cleanup = cleanup(cleanupValue, at: at) {
            block.cleanup = cleanup
            cleanupUses += variableUses(in: cleanup.url, at: at, precise: false)
        }
        if let scopesValue = value["scopes"] {
            block.scopes = strings(scopesValue, at: at, key: "scopes")
        }
        if let flag = value["skipIfCaptured"] { block.skipIfCaptured = skipIfCaptured(flag, block, at: at) }
        return RequestDraft(block: block, uses: uses, cleanupUses: cleanupUses, annotationLocation: at)
    }

    private func isRequestName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 100
            && name.unicodeScalars.allSatisfy {
                $0.isASCII
                    && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0))
            }
    }

    private mutating func requestLine(_ line: CodeLine, _ text: Substring, _ name: String) -> HTTPStart? {
        let parts = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        let method = parts.first.map(String.init) ?? ""
        guard Self.methods.contains(method) else {
            log.error(
                line.location,
                "request '\(name)' must start with 'METHOD URL' (for example 'GET https://graph.microsoft.com/v1.0/organization')"
            )
            return nil
        }
        guard parts.count == 2 else {
            log.error(line.location, "request '\(name)' has a method but no URL")
            return nil
        }
        var url = parts[1].trimmed(" ")
        if let space = url.lastIndex(of: " "), url[url.index(after: space)...].hasPrefix("HTTP/") {
            url = String(url[..<space]).trimmed(" ")
        }
        let urlOffset = text.utf8.count - parts[1].utf8.count + (line.text.utf8.count - text.utf8.count)
        let urlLocation = line.location(atOffset: urlOffset)
        switch GraphHostPolicy.standard.check(template: url) {
        case .success: break
        case .failure(.notAbsolute):
            log.error(
                urlLocation,
                "request '\(name)' URL must be absolute (https://graph.microsoft.com/v1.0/…), not '\(url)'")
            return nil
        case .failure(let refusal):
            log.error(urlLocation, "request '\(name)' is refused: \(refusal)")
            return nil
        }
        return .request(method: method, url: url, urlLocation: urlLocation)
    }

    // MARK: Responses

    mutating func response(_ annotation: Annotation, _ code: CodeBlock?) -> ResponseExpectation? {
        guard let code else {
            log.error(annotation.location, "response annotation must be followed by a ```http or ```json code block")
            return nil
        }
        switch code.language {
        case "http":
            guard let message = parseHTTPMessage(code, expecting: .response),
                case .response(let status) = message.start
            else { return nil }
            if let body = message.body { checkJSONIfNeeded(body, headers: message.headers) }
            return ResponseExpectation(
                location: code.location, status: status,
                headers: message.headers.map { HeaderTemplate(name: $0.name, value: $0.value) },
                body: message.body?.text)
        case "json":
            var status = 200
            if let statusValue = annotation.value["status"] {
                guard let number = statusValue.numberValue, let integer = Int(exactly: number),
                    (100...599).contains(integer)
                else {
                    log.error(annotation.location, "response \"status\" must be an HTTP status code such as 201")
                    return nil
                }
                status = integer
            }
            let body = HTTPBody(lines: code.lines)
            checkJSON(body, what: "response body")
            return ResponseExpectation(
                location: code.location, status: status, body: body.text.isEmpty ? nil : body.text)
        default:
            log.error(code.location, "response must be a ```http or ```json code block, not ```\(code.language)")
            return nil
        }
    }

    private mutating func statusLine(_ line: CodeLine, _ text: Substring) -> HTTPStart? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]), (100...599).contains(status)
        else {
            log.error(line.location, "response must start with a status line such as 'HTTP/1.1 201 Created'")
            return nil
        }
        return .response(status: status)
    }

    // MARK: Inputs and outputs

    mutating func inputs(_ value: JSONValue, at location: SourceLocation) -> [InputDeclaration] {
        guard let members = value.objectMembers else {
            log.error(
                location,
                "inputs must be a JSON object of name → default or {\"default\", \"pattern\", \"description\"}")
            return []
        }
        var declarations: [InputDeclaration] = []
        for member in members {
            guard Template.isIdentifier(member.key) else {
                log.error(location, "input name '\(member.key)' must be letters, digits and '_'")
                continue
            }
            var declaration = InputDeclaration(name: member.key, location: location)
            switch member.value {
            case .string, .number, .bool:
                declaration.defaultValue = scalarText(member.value)
            case .null:
                break
            case .object(let fields):
                for field in fields {
                    switch field.key {
                    case "default":
                        declaration.defaultValue = scalarText(field.value)
                        if declaration.defaultValue == nil, field.value != .null {
                            log.error(location, "input '\(member.key)' default must be a string, number or boolean")
                        }
                    case "pattern":
                        guard let pattern = field.value.stringValue else {
                            log.error(location, "input '\(member.key)' pattern must be a string")
                            continue
                        }
                        declaration.pattern = pattern
                    case "description":
                        declaration.description = field.value.stringValue
                    default:
                        log.error(
                            location,
                            "input '\(member.key)' has unknown key '\(field.key)' (known: default, pattern, description)"
                        )
                    }
                }
            case .array:
                log.error(location, "input '\(member.key)' must be a default value or an object, not an array")
            }
            if let pattern = declaration.pattern {
                do {
                    let matcher = try InputPattern(pattern)
                    if let defaultValue = declaration.defaultValue, !matcher.matches(defaultValue) {
                        log.error(
                            location,
                            "input '\(member.key)' default '\(defaultValue)' does not match its pattern \(pattern)")
                    }
                } catch {
                    log.error(location, "input '\(member.key)' pattern is refused: \(error)")
                }
            }
            declarations.append(declaration)
        }
        return declarations
    }

    mutating func outputs(_ value: JSONValue, at location: SourceLocation) -> [OutputDeclaration] {
        guard let members = value.objectMembers else {
            log.error(location, "outputs must be a JSON object of NAME → \"template\" or {\"value\", \"secret\"}")
            return []
        }
        var declarations: [OutputDeclaration] = []
        for member in members {
            guard Template.isIdentifier(member.key) else {
                log.error(location, "output name '\(member.key)' must be letters, digits and '_'")
                continue
            }
            switch member.value {
            case .string(let template):
                declarations.append(
                    OutputDeclaration(name: member.key, value: template, isSecret: false, location: location))
            case .object:
                guard let template = member.value["value"]?.stringValue else {
                    log.error(location, "output '\(member.key)' needs a string \"value\"")
                    continue
                }
                let secret = member.value["secret"]?.boolValue ?? false
                declarations.append(
                    OutputDeclaration(name: member.key, value: template, isSecret: secret, location: location))
            default:
                log.error(
                    location, "output '\(member.key)' must be a template string or {\"value\": …, \"secret\": true}")
            }
        }
        return declarations
    }

    /// The JSON object in an `inputs`/`outputs` block, with errors placed in the block.
    mutating func jsonBlock(_ annotation: Annotation, _ code: CodeBlock?) -> JSONValue? {
        guard let code else {
            log.error(
                annotation.location, "\(annotation.blockType) annotation must be followed by a ```json code block")
            return nil
        }
        guard code.language == "json" else {
            log.error(code.location, "\(annotation.blockType) must be a ```json code block, not ```\(code.language)")
            return nil
        }
        do {
            return try JSONValue.parse(code.text)
        } catch let error as JSONParseError {
            log.error(
                code.location(ofOffset: error.offset), "\(annotation.blockType) block is not JSON: \(error.reason)")
        } catch {
            log.error(code.location, "\(annotation.blockType) block is not JSON")
        }
        return nil
    }

    // MARK: Annotation values

    /// `text` parsed as a capture's JSONPath, or nil with the error logged.
    private mutating func jsonPath(_ text: String, of variable: String, in what: String, at location: SourceLocation)
        -> JSONPath?
    {
        do {
            return try JSONPath(text)
        } catch {
            log.error(location, "\"\(what)\" of '\(variable)': \(error.reason)")
            return nil
        }
    }

    private mutating func captures(_ value: JSONValue, at location: SourceLocation, what: String) -> [Capture] {
        guard let members = value.objectMembers else {
            log.error(location, "\"\(what)\" must be an object of variable → \"$.json.path\"")
            return []
        }
        var captures: [Capture] = []
        for member in members {
            guard Template.isIdentifier(member.key) else {
                log.error(location, "\"\(what)\" variable '\(member.key)' must be letters, digits and '_'")
                continue
            }
            switch member.value {
            case .string(let text):
                guard let path = jsonPath(text, of: member.key, in: what, at: location) else { continue }
                captures.append(Capture(variable: member.key, source: .body(jsonPath: path)))
            case .object:
                var pattern: String?
                if let patternValue = member.value["match"] {
                    guard let text = patternValue.stringValue else {
                        log.error(location, "\"\(what)\" of '\(member.key)': \"match\" must be a regular expression")
                        continue
                    }
                    do {
                        _ = try InputPattern(text)
                    } catch {
                        log.error(location, "\"\(what)\" of '\(member.key)': \"match\" is refused: \(error)")
                        continue
                    }
                    pattern = text
                }
                if let header = member.value["header"]?.stringValue, !header.isEmpty {
                    captures.append(Capture(variable: member.key, source: .header(name: header), pattern: pattern))
                } else if let text = member.value["path"]?.stringValue {
                    guard let path = jsonPath(text, of: member.key, in: what, at: location) else { continue }
                    captures.append(Capture(variable: member.key, source: .body(jsonPath: path), pattern: pattern))
                } else {
                    log.error(location, "\"\(what)\" of '\(member.key)' needs \"path\" or \"header\"")
                }
            default:
                log.error(location, "\"\(what)\" of '\(member.key)' must be \"$.json.path\" or an object")
            }
        }
        return captures
    }

    private mutating func lookup(_ value: JSONValue, request: RequestBlock, at location: SourceLocation) -> Lookup? {
        guard let url = value["url"]?.stringValue, url.contains("://") else {
            log.error(location, "\"lookup\" needs an absolute \"url\" (the GET that finds the object)")
            return nil
        }
        if case .failure(let refusal) = GraphHostPolicy.standard.check(template: url) {
            log.error(location, "\"lookup\" of '\(request.name)' is refused: \(refusal)")
            return nil
        }
        let captured = captures(value["capture"] ?? .object([]), at: location, what: "lookup capture")
        if captured.isEmpty {
            log.error(location, "\"lookup\" needs a \"capture\": the object exists when every capture resolves")
            return nil
        }
        if !request.secrets.isEmpty {
            log.error(
                location, "request '\(request.name)' captures a secret, which no lookup can read back; drop the lookup")
        }
        let lookupNames = Set(captured.map(\.variable))
        let requestNames = Set(request.captures.map(\.variable)).subtracting(request.secrets)
        for missing in requestNames.subtracting(lookupNames).sorted() {
            log.error(location, "\"lookup\" must also capture '\(missing)', which request '\(request.name)' captures")
        }
        for extra in lookupNames.subtracting(requestNames).sorted() {
            log.error(
                location, "\"lookup\" captures '\(extra)', which request '\(request.name)' itself does not capture")
        }
        for member in value.objectMembers ?? [] where !["url", "capture"].contains(member.key) {
            log.error(location, "\"lookup\" has unknown key '\(member.key)' (known: url, capture)")
        }
        return Lookup(url: url, captures: captured)
    }

    private mutating func retry(_ value: JSONValue, at location: SourceLocation) -> RetryRule? {
        guard let members = value.objectMembers else {
            log.error(
                location,
                "\"retry\" must be an object such as {\"statuses\": [404], \"errorCodes\": [\"NoBackingApplicationObject\"]}"
            )
            return nil
        }
        var rule = RetryRule()
        for member in members {
            switch member.key {
            case "statuses":
                let numbers = (member.value.arrayElements ?? [member.value]).compactMap {
                    $0.numberValue.flatMap { Int(exactly: $0) }
                }
                if numbers.count != (member.value.arrayElements?.count ?? 1)
                    || !numbers.allSatisfy({ (100...599).contains($0) })
                {
                    log.error(location, "\"retry\" statuses must be HTTP status codes")
                }
                rule.statuses = numbers
            case "errorCodes":
                rule.errorCodes = strings(member.value, at: location, key: "retry errorCodes")
            case "maxSeconds":
                guard let seconds = member.value.numberValue, seconds > 0, seconds <= 3600 else {
                    log.error(location, "\"retry\" maxSeconds must be a number of seconds between 0 and 3600")
                    continue
                }
                rule.maxSeconds = seconds
            default:
                log.error(
                    location, "\"retry\" has unknown key '\(member.key)' (known: statuses, errorCodes, maxSeconds)")
            }
        }
        if rule.statuses.isEmpty && rule.errorCodes.isEmpty {
            log.error(location, "\"retry\" names no statuses and no errorCodes")
        }
        return rule
    }

    private mutating func cleanup(_ value: JSONValue, at location: SourceLocation) -> CleanupRule? {
        guard let url = value["url"]?.stringValue, url.contains("://") else {
            log.error(
                location, "\"cleanup\" needs an absolute \"url\" (the request that deletes what this one created)")
            return nil
        }
        if case .failure(let refusal) = GraphHostPolicy.standard.check(template: url) {
            log.error(location, "\"cleanup\" is refused: \(refusal)")
            return nil
        }
        let method = value["method"]?.stringValue ?? "DELETE"
        guard Self.methods.contains(method) else {
            log.error(location, "\"cleanup\" method '\(method)' is not an HTTP method")
            return nil
        }
        for member in value.objectMembers ?? [] where !["url", "method", "resource"].contains(member.key) {
            log.error(location, "\"cleanup\" has unknown key '\(member.key)' (known: method, url, resource)")
        }
        return CleanupRule(method: method, url: url, resourceType: value["resource"]?.stringValue)
    }

    private mutating func strings(_ value: JSONValue, at location: SourceLocation, key: String) -> [String] {
        if let string = value.stringValue { return [string] }
        guard let elements = value.arrayElements, elements.allSatisfy({ $0.stringValue != nil }) else {
            log.error(location, "\"\(key)\" must be a string or an array of strings")
            return []
        }
        return elements.compactMap(\.stringValue)
    }

    private func scalarText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): return text
        case .number: return value.serialized()
        case .bool(let flag): return flag ? "true" : "false"
        default: return nil
        }
    }

    // MARK: HTTP messages

    enum HTTPStart {
        case request(method: String, url: String, urlLocation: SourceLocation)
        case response(status: Int)
    }

    struct HTTPHeader {
        var name: String
        var value: String
        var location: SourceLocation
    }

    struct HTTPBody {
        var lines: [CodeLine]
        var text: String { lines.map(\.text).joined(separator: "\n") }

        func location(ofOffset offset: Int) -> SourceLocation {
            CodeBlock(
                language: "", lines: lines,
                location: lines.first?.location ?? SourceLocation(file: "", line: 0, column: 0)
            )
            .location(ofOffset: offset)
        }
    }

    struct HTTPMessage {
        var start: HTTPStart
        var headers: [HTTPHeader]
        var body: HTTPBody?
    }

    enum MessageKind {
        case request(name: String)
        case response
    }

    private mutating func parseHTTPMessage(_ code: CodeBlock, expecting kind: MessageKind) -> HTTPMessage? {
        var index = 0
        while index < code.lines.count, code.lines[index].text.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
            index += 1
        }
        guard index < code.lines.count else {
            log.error(code.location, "code block is empty: it needs a start line such as 'GET https://…'")
            return nil
        }
        let first = code.lines[index]
        let trimmed = Substring(first.text).drop { $0 == " " || $0 == "\t" }
        let parsedStart: HTTPStart?
        switch kind {
        case .request(let name): parsedStart = requestLine(first, trimmed, name)
        case .response: parsedStart = statusLine(first, trimmed)
        }
        guard let start = parsedStart else { return nil }
        index += 1
        var headers: [HTTPHeader] = []
        while index < code.lines.count {
            let line = code.lines[index]
            if line.text.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { break }
            guard let colon = line.text.firstIndex(of: ":"), colon != line.text.startIndex,
                !line.text[..<colon].contains(" ")
            else {
                log.error(line.location, "header line must be 'Name: value' (leave a blank line before the body)")
                index += 1
                continue
            }
            let valueText = line.text[line.text.index(after: colon)...]
            let value = valueText.trimmed(" ")
            let valueOffset =
                line.text.utf8.count - valueText.utf8.count
                + (valueText.utf8.count - valueText.drop { $0 == " " }.utf8.count)
            headers.append(
                HTTPHeader(
                    name: String(line.text[..<colon]), value: value, location: line.location(atOffset: valueOffset)))
            index += 1
        }
        while index < code.lines.count, code.lines[index].text.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
            index += 1
        }
        var bodyLines = Array(code.lines[index...])
        while let last = bodyLines.last, last.text.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
            bodyLines.removeLast()
        }
        return HTTPMessage(start: start, headers: headers, body: bodyLines.isEmpty ? nil : HTTPBody(lines: bodyLines))
    }

    private func looksLikeJSON(_ text: String, headers: [HTTPHeader]) -> Bool {
        if let type = headers.first(where: { $0.name.lowercased() == "content-type" }) {
            return type.value.lowercased().contains("json")
        }
        return text.first == "{" || text.first == "["
    }

    private mutating func checkJSONIfNeeded(_ body: HTTPBody, headers: [HTTPHeader]) {
        if looksLikeJSON(body.text, headers: headers) { checkJSON(body, what: "response body") }
    }

    /// Checks that a body is JSON once its variables are filled in (each `{{x}}` stands for a value).
    private mutating func checkJSON(_ body: HTTPBody, what: String) {
        let text = body.text
        let filled = Template.replacingVariables(in: text, with: "0")
        do {
            _ = try JSONValue.parse(filled)
        } catch let error as JSONParseError {
            // Offsets after a replaced variable shift; map back through the unreplaced text when possible.
            let offset = originalOffset(filledOffset: error.offset, text: text)
            log.error(body.location(ofOffset: offset), "\(what) is not JSON: \(error.reason)")
        } catch {
            log.error(body.location(ofOffset: 0), "\(what) is not JSON")
        }
    }

    private func originalOffset(filledOffset: Int, text: String) -> Int {
        var shift = 0
        for reference in Template.references(in: text) where reference.isValid {
            let length = reference.name.utf8.count + 4
            let replacedAt = reference.offset - shift
            if replacedAt >= filledOffset { break }
            shift += length - 1
            if replacedAt + 1 > filledOffset { break }
        }
        return filledOffset + shift
    }

    // MARK: Variables

    private mutating func bodyUses(_ body: HTTPBody) -> [VariableUse] {
        body.lines.flatMap { line in variableUses(in: line.text, at: line.location) }
    }

    /// The variables in `text`, which starts at `location`; malformed references are reported.
    mutating func variableUses(in text: String, at location: SourceLocation, precise: Bool = true) -> [VariableUse] {
        var uses: [VariableUse] = []
        for reference in Template.references(in: text) {
            var place = location
            if precise { place.column += reference.offset }
            if reference.isValid {
                uses.append(VariableUse(name: reference.name, location: place))
            } else {
                log.error(place, "'{{' does not start a variable: write {{name}} with letters, digits and '_'")
            }
        }
        return uses
    }

    private mutating func capturePathUses(_ capture: Capture, at location: SourceLocation) -> [VariableUse] {
        guard case .body(let path) = capture.source else { return [] }
        return path.variables.map { VariableUse(name: $0, location: location) }
    }
}
