import Crypto
import Foundation
import TutorSupport

/// Reads a Microsoft Learn tutorial (DocFX Markdown with includes and JSON annotations) into a
/// validated `Tutorial`, collecting every problem before it gives up.
public struct TutorialParser: Sendable {
    /// Includes may nest this deep (the tutorial itself is level 0).
    public static let maximumIncludeDepth = 10
    /// The most bytes one Markdown file may have. Learn pages are 10–20 KB; cmark-gfm slows down
    /// worse than linearly on some inputs, so files are refused before cmark sees them.
    public static let maximumFileBytes = 256 * 1024
    /// The most bytes a tutorial may read in all, counting each include every time it is included.
    public static let maximumTutorialBytes = 1024 * 1024

    public init() {}

    /// Reads and validates the tutorial at `path`; throws `DocumentError`.
    public func parse(path: String) throws -> Tutorial {
        try parse(bytes: Self.readFile(path), path: path)
    }

    /// Validates `bytes` as the tutorial at `path` (includes are read relative to `path`); throws `DocumentError`.
    public func parse(bytes: [UInt8], path: String) throws -> Tutorial {
        var session = ParseSession(tutorialPath: path)
        return try session.read(bytes)
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DocumentError.cannotOpen(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else {
            throw DocumentError.cannotOpen(path: path, reason: "it is a directory, not a Markdown file")
        }
        // One byte past the cap is enough to know the file is too large; the rest is never read.
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DocumentError.cannotOpen(path: path, reason: "the file cannot be read")
        }
        defer { try? handle.close() }
        do {
            // nil means the file is empty.
            return [UInt8](try handle.read(upToCount: maximumFileBytes + 1) ?? Data())
        } catch {
            throw DocumentError.cannotOpen(path: path, reason: "the file cannot be read")
        }
    }
}

/// The state of one `parse` call.
private struct ParseSession {
    let tutorialPath: String
    let resolver: IncludeResolver
    let markdown = CommonMarkParser()
    var reader = AnnotationReader()
    var items: [DocumentItem] = []
    var frontMatter: [JSONValue.JSONMember] = []
    /// Bytes of every file read so far (an include counts each time it is included).
    var bytesRead = 0

    init(tutorialPath: String) {
        self.tutorialPath = tutorialPath
        resolver = IncludeResolver(tutorialAbsolutePath: PathText.absolute(tutorialPath))
    }

    /// The file being walked.
    struct FileContext {
        var display: String
        var absolute: String
        var chain: [IncludeSite]
        var stack: [String]
        var source: SourceText
        var isTopLevel: Bool

        func location(_ line: Int, _ column: Int) -> SourceLocation {
            SourceLocation(file: display, line: max(1, line), column: max(1, column), includeChain: chain)
        }
    }

    mutating func read(_ bytes: [UInt8]) throws -> Tutorial {
        expandFile(
            bytes: bytes, display: tutorialPath, absolute: PathText.absolute(tutorialPath), chain: [], stack: [],
            nested: false)
        let tutorial = build(sha256: Hexadecimal.encode(SHA256.hash(data: bytes)))
        if reader.log.hasErrors { throw DocumentError.invalid(Self.inDocumentOrder(reader.log.diagnostics)) }
        return tutorial
    }

    /// Diagnostics sorted by where they are in the expanded document (include sites first).
    static func inDocumentOrder(_ diagnostics: [DocumentDiagnostic]) -> [DocumentDiagnostic] {
        func key(_ location: SourceLocation) -> [Int] {
            location.includeChain.flatMap { [$0.line, $0.column] } + [location.line, location.column]
        }
        return diagnostics.enumerated().sorted { left, right in
            let leftKey = key(left.element.location)
            let rightKey = key(right.element.location)
            if leftKey != rightKey { return leftKey.lexicographicallyPrecedes(rightKey) }
            return left.offset < right.offset
        }.map(\.element)
    }

    // MARK: Walking files

    mutating func expandFile(
        bytes: [UInt8], display: String, absolute: String, chain: [IncludeSite], stack: [String], nested: Bool
    ) {
        let isTopLevel = chain.isEmpty
        var context = FileContext(
            display: display, absolute: absolute, chain: chain, stack: stack + [absolute],
            source: SourceText(bytes: bytes), isTopLevel: isTopLevel)
        guard withinSizeLimits(bytes.count, context: context) else { return }
        if let problem = SourceText.firstEncodingProblem(bytes) {
            let position = context.source.position(ofOffset: problem.offset)
            reader.log.error(context.location(position.line, position.column), problem.message)
            return
        }
        if bytes.starts(with: SourceText.utf8ByteOrderMark) {
            // Tolerated, and read as blanks so that every column stays that of the file.
            for offset in 0..<SourceText.utf8ByteOrderMark.count { context.source.bytes[offset] = UInt8(ascii: " ") }
        }
        if let problem = MarkdownLimits.problem(in: context.source) {
            reader.log.error(context.location(problem.line, problem.column), problem.message)
            return
        }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            if isTopLevel {
                reader.log.error(
                    context.location(1, 1), "file is empty: a tutorial needs a title and at least one '## step'")
            } else {
                reader.log.warning(context.location(1, 1), "included file is empty")
            }
            return
        }
        switch FrontMatter.extract(from: &context.source) {
        case .failure(let problem):
            reader.log.error(context.location(problem.line, problem.column), problem.message)
        case .success(let found?):
            if isTopLevel { frontMatter = found.members }
            for member in found.members where member.key == "inputs" || member.key == "outputs" {
                items.append(
                    .frontMatterDeclarations(
                        key: member.key, value: member.value, location: context.location(found.line, 1)))
            }
        case .success(nil):
            break
        }
        let tree = markdown.parse(context.source.bytes)
        var inTabGroup = false
        walk(tree.children, in: context, nested: nested, inTabGroup: &inTabGroup)
    }

    /// Checks the per-file and per-tutorial caps before anything parses the bytes.
    mutating func withinSizeLimits(_ count: Int, context: FileContext) -> Bool {
        if count > TutorialParser.maximumFileBytes {
            reader.log.error(
                context.location(1, 1),
                "file is larger than \(TutorialParser.maximumFileBytes / 1024) KiB, the most tutor reads in one Markdown file"
            )
            return false
        }
        bytesRead += count
        if bytesRead > TutorialParser.maximumTutorialBytes {
            reader.log.error(
                context.location(1, 1),
                "the tutorial and its includes come to more than \(TutorialParser.maximumTutorialBytes / 1024 / 1024) MiB, the most tutor reads for one tutorial; this file is not read"
            )
            return false
        }
        return true
    }

    mutating func walk(_ nodes: [MarkdownNode], in context: FileContext, nested: Bool, inTabGroup: inout Bool) {
        var index = 0
        while index < nodes.count {
            let node = nodes[index]
            index += 1
            switch node.kind {
            case .heading:
                if DocFXSyntax.isTabHeading(node) {
                    inTabGroup = true
                    continue
                }
                if inTabGroup, node.headingLevel == 2, isSetextDashHeading(node, in: context.source) {
                    // Markdown reads "text\n---" as a heading; in a tab group it is the group's end.
                    inTabGroup = false
                    continue
                }
                let title = node.plainText.trimmingCharacters(in: .whitespaces)
                items.append(
                    .heading(
                        level: node.headingLevel, title: title,
                        location: context.location(node.startLine, node.startColumn),
                        isStep: node.headingLevel == 2 && !nested, isTopLevelFile: context.isTopLevel))
            case .thematicBreak:
                inTabGroup = false
            case .htmlBlock:
                let annotations = self.annotations(in: node, context: context)
                for (position, annotation) in annotations.enumerated() {
                    var code: CodeBlock?
                    if position == annotations.count - 1, index < nodes.count, nodes[index].kind == .codeBlock {
                        code = codeBlock(nodes[index], in: context)
                        index += 1
                    }
                    items.append(.annotated(annotation, code))
                }
            case .codeBlock:
                _ = codeBlock(node, in: context)
            case .paragraph:
                paragraph(node, in: context, nested: nested)
            case .blockQuote, .list, .item, .table, .other:
                walk(node.children, in: context, nested: true, inTabGroup: &inTabGroup)
            default:
                break
            }
        }
    }

    private func isSetextDashHeading(_ node: MarkdownNode, in source: SourceText) -> Bool {
        guard source.line(node.startLine).trimmingBlanks.first != UInt8(ascii: "#") else { return false }
        for number in (node.startLine + 1)...(max(node.endLine, node.startLine) + 1) {
            let line = source.line(number).trimmingBlanks
            if !line.isEmpty && line.allSatisfy({ $0 == UInt8(ascii: "-") }) { return true }
        }
        return false
    }

    // MARK: Paragraphs and includes

    mutating func paragraph(_ node: MarkdownNode, in context: FileContext, nested: Bool) {
        for child in node.children where child.kind == .htmlInline && child.literal.hasPrefix("<!--") {
            if child.literal.contains("blockType") {
                reader.log.error(
                    context.location(node.startLine, node.startColumn),
                    "annotation must stand on its own line, right before its code block (not inside a paragraph)")
            }
        }
        guard node.startLine >= 1, node.endLine >= node.startLine else { return }
        let found = DocFXSyntax.includes(inLines: node.startLine...node.endLine, of: context.source)
        for malformed in found.malformed {
            reader.log.error(
                context.location(malformed.line, malformed.column),
                "this looks like an include but is not '[!INCLUDE [title](path)]'")
        }
        for directive in found.includes {
            include(directive, from: context, nested: nested || !directive.isBlock)
        }
    }

    mutating func include(_ directive: IncludeDirective, from context: FileContext, nested: Bool) {
        let at = context.location(directive.line, directive.column)
        let target: IncludeResolver.Target
        switch resolver.resolve(directive.path, includingAbsolute: context.absolute, includingDisplay: context.display)
        {
        case .failure(let problem):
            reader.log.error(at, problem.message)
            return
        case .success(let resolved):
            target = resolved
        }
        if let first = context.stack.firstIndex(of: target.absolutePath) {
            let names =
                (context.stack[first...].map { PathText.lastComponent($0) } + [
                    PathText.lastComponent(target.absolutePath)
                ])
            reader.log.error(at, "include cycle: \(names.joined(separator: " → "))")
            return
        }
        guard context.chain.count < TutorialParser.maximumIncludeDepth else {
            reader.log.error(
                at,
                "includes nest deeper than \(TutorialParser.maximumIncludeDepth) levels; '\(directive.path)' is not read"
            )
            return
        }
        let bytes: [UInt8]
        do {
            bytes = try TutorialParser.readFile(target.absolutePath)
        } catch DocumentError.cannotOpen(_, let reason) {
            reader.log.error(at, "cannot include '\(directive.path)' (\(target.displayPath)): \(reason)")
            return
        } catch {
            reader.log.error(at, "cannot include '\(directive.path)': \(error)")
            return
        }
        let site = IncludeSite(file: context.display, line: directive.line, column: directive.column)
        expandFile(
            bytes: bytes, display: target.displayPath, absolute: target.absolutePath, chain: context.chain + [site],
            stack: context.stack, nested: nested)
    }

    // MARK: Annotations and code blocks

    /// The JSON annotations in an HTML block (comments whose text starts with `{`).
    mutating func annotations(in node: MarkdownNode, context: FileContext) -> [Annotation] {
        let literal = node.literal
        guard literal.contains("<!--") else { return [] }
        let lines = literalLines(literal, firstLine: node.startLine, firstColumn: node.startColumn, context: context)
        let block = CodeBlock(language: "", lines: lines, location: context.location(node.startLine, node.startColumn))
        let bytes = Array(literal.utf8)
        var annotations: [Annotation] = []
        var searchFrom = 0
        while let open = find(Array("<!--".utf8), in: bytes, from: searchFrom) {
            let contentStart = open + 4
            guard let close = find(Array("-->".utf8), in: bytes, from: contentStart) else {
                reader.log.error(
                    block.location(ofOffset: open),
                    "HTML comment is never closed with '-->': it hides the rest of the file")
                break
            }
            searchFrom = close + 3
            var start = contentStart
            while start < close, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[start]) { start += 1 }
            guard start < close, bytes[start] == UInt8(ascii: "{") else { continue }
            let location = block.location(ofOffset: open)
            let value: JSONValue
            do {
                value = try JSONValue.parse(Data(bytes[start..<close]))
            } catch let error as JSONParseError {
                reader.log.error(
                    block.location(ofOffset: start + error.offset), "annotation is not JSON: \(error.reason)")
                continue
            } catch {
                reader.log.error(location, "annotation is not JSON")
                continue
            }
            guard value.objectMembers != nil else {
                reader.log.error(location, "annotation must be a JSON object with a \"blockType\"")
                continue
            }
            guard let blockType = value["blockType"]?.stringValue else {
                reader.log.error(location, "annotation has no \"blockType\" (request, response, inputs or outputs)")
                continue
            }
            annotations.append(Annotation(value: value, blockType: blockType, location: location))
        }
        return annotations
    }

    private func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard needle.count <= bytes.count, start <= bytes.count - needle.count else { return nil }
        var index = start
        while index <= bytes.count - needle.count {
            if bytes[index] == needle[0], bytes[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    /// A code block with each content line placed in the file; reports unterminated fences.
    mutating func codeBlock(_ node: MarkdownNode, in context: FileContext) -> CodeBlock {
        let fence = context.location(node.startLine, node.startColumn)
        if node.isFenced && !isClosedFence(node, in: context.source) {
            reader.log.error(fence, "code fence opened here is never closed; it swallows the rest of the file")
        }
        let firstLine = node.isFenced ? node.startLine + 1 : node.startLine
        let lines = literalLines(node.literal, firstLine: firstLine, firstColumn: nil, context: context)
        let language = node.info.split(separator: " ").first.map { $0.lowercased() } ?? ""
        return CodeBlock(language: language, lines: lines, location: fence)
    }

    private func isClosedFence(_ node: MarkdownNode, in source: SourceText) -> Bool {
        guard node.endLine > node.startLine else { return false }
        var line = source.line(node.endLine)[...]
        while let first = line.first, first == 0x20 || first == 0x09 || first == UInt8(ascii: ">") {
            line = line.dropFirst()
        }
        var count = 0
        while let first = line.first, first == node.fenceCharacter {
            count += 1
            line = line.dropFirst()
        }
        return count >= max(3, node.fenceLength) && line.isBlank
    }

    /// Splits a node's literal text into lines placed at their columns in the file.
    private func literalLines(_ literal: String, firstLine: Int, firstColumn: Int?, context: FileContext) -> [CodeLine]
    {
        // Works on bytes: splitting a String by Characters costs more than cmark's whole parse.
        var lines: [CodeLine] = []
        Array(literal.utf8).withUnsafeBufferPointer { bytes in
            var start = 0
            var offset = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
                var lineEnd = end
                if lineEnd > start, bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                let text = UnsafeBufferPointer(rebasing: bytes[start..<lineEnd])
                let number = firstLine + offset
                var column = 1
                if offset == 0, let firstColumn {
                    column = firstColumn
                } else {
                    let raw = context.source.line(number)
                    if raw.count >= text.count, raw.suffix(text.count).elementsEqual(text) {
                        column = raw.count - text.count + 1
                    }
                }
                lines.append(
                    CodeLine(text: String(decoding: text, as: UTF8.self), location: context.location(number, column)))
                start = end + 1
                offset += 1
            }
        }
        return lines
    }

    // MARK: Building the tutorial

    struct StepDraft {
        var title: String
        var location: SourceLocation
        var requests: [RequestDraft] = []
    }

    mutating func build(sha256: String) -> Tutorial {
        var title: String?
        var steps: [StepDraft] = []
        var inputs: [InputDeclaration] = []
        var outputs: [OutputDeclaration] = []
        var lastRequestOpen = false
        for item in items {
            switch item {
            case .heading(let level, let text, let location, let isStep, let isTopLevelFile):
                if level == 1, isTopLevelFile, title == nil { title = text }
                if isStep {
                    steps.append(StepDraft(title: text, location: location))
                    lastRequestOpen = false
                }
            case .frontMatterDeclarations(let key, let value, let location):
                if key == "inputs" { inputs += reader.inputs(value, at: location) }
                if key == "outputs" { outputs += reader.outputs(value, at: location) }
            case .annotated(let annotation, let code):
                let wasOpen = lastRequestOpen
                lastRequestOpen = false
                switch annotation.blockType {
                case "request":
                    guard let draft = reader.request(annotation, code) else { continue }
                    guard !steps.isEmpty else {
                        reader.log.error(
                            annotation.location,
                            "request '\(draft.block.name)' comes before the first '## step' heading")
                        continue
                    }
                    steps[steps.count - 1].requests.append(draft)
                    lastRequestOpen = true
                case "response":
                    guard let expectation = reader.response(annotation, code) else { continue }
                    guard wasOpen, let last = steps.indices.last, !steps[last].requests.isEmpty else {
                        reader.log.error(annotation.location, "response block has no request block right before it")
                        continue
                    }
                    let uses = (code?.lines ?? []).flatMap { line in
                        reader.variableUses(in: line.text, at: line.location)
                    }
                    steps[last].requests[steps[last].requests.count - 1].block.expectation = expectation
                    steps[last].requests[steps[last].requests.count - 1].uses += uses
                case "inputs":
                    if let value = reader.jsonBlock(annotation, code) {
                        inputs += reader.inputs(value, at: code?.location ?? annotation.location)
                    }
                case "outputs":
                    if let value = reader.jsonBlock(annotation, code) {
                        outputs += reader.outputs(value, at: code?.location ?? annotation.location)
                    }
                case "ignored":
                    break
                default:
                    reader.log.error(
                        annotation.location,
                        "unknown blockType '\(annotation.blockType)' (known: request, response, inputs, outputs, ignored)"
                    )
                }
            }
        }
        inputs = reader.mergingRedeclaredInputs(inputs)
        validate(steps: &steps, inputs: inputs, outputs: &outputs)
        let fallbackTitle = frontMatter.first { $0.key == "title" }?.value.stringValue
        return Tutorial(
            path: tutorialPath, sha256: sha256,
            title: title ?? fallbackTitle ?? PathText.lastComponent(tutorialPath),
            frontMatter: frontMatter,
            steps: steps.map { step in
                Step(title: step.title, location: step.location, requests: step.requests.map(\.block))
            },
            inputs: inputs, outputs: outputs,
            warnings: reader.log.diagnostics.filter { $0.severity == .warning })
    }

    // MARK: Validation

    mutating func validate(steps: inout [StepDraft], inputs: [InputDeclaration], outputs: inout [OutputDeclaration]) {
        var inputNames: [String: SourceLocation] = [:]
        for input in inputs {
            if let first = inputNames[input.name] {
                reader.log.error(input.location, "input '\(input.name)' is declared twice (first at \(first))")
            } else {
                inputNames[input.name] = input.location
            }
        }
        var requestNames: [String: SourceLocation] = [:]
        var captured: [String: String] = [:]
        var secretNames = Set<String>()
        let laterCaptures = Dictionary(
            steps.flatMap(\.requests).flatMap { draft in draft.block.captures.map { ($0.variable, draft.block.name) } },
            uniquingKeysWith: { first, _ in first })
        for stepIndex in steps.indices {
            for requestIndex in steps[stepIndex].requests.indices {
                var draft = steps[stepIndex].requests[requestIndex]
                let name = draft.block.name
                if let first = requestNames[name] {
                    reader.log.error(draft.block.location, "request name '\(name)' is used twice (first at \(first))")
                } else {
                    requestNames[name] = draft.block.location
                }
                for use in draft.uses where inputNames[use.name] == nil && captured[use.name] == nil {
                    var message = "variable '\(use.name)' is neither an input nor captured by an earlier request"
                    if let later = laterCaptures[use.name] { message += " (request '\(later)' captures it, but later)" }
                    reader.log.error(use.location, message)
                }
                let own = Set(draft.block.captures.map(\.variable))
                for use in draft.cleanupUses
                where inputNames[use.name] == nil && captured[use.name] == nil && !own.contains(use.name) {
                    reader.log.error(
                        use.location, "cleanup of '\(name)' uses '\(use.name)', which is neither an input nor captured")
                }
                for capture in draft.block.captures where inputNames[capture.variable] != nil {
                    reader.log.error(
                        draft.annotationLocation, "request '\(name)' captures '\(capture.variable)', which is an input")
                }
                for capture in draft.block.captures { captured[capture.variable] = name }
                secretNames.formUnion(draft.block.secrets)
                draft.block.variables = Array(Set((draft.uses + draft.cleanupUses).map(\.name))).sorted()
                steps[stepIndex].requests[requestIndex] = draft
            }
        }
        var outputNames: [String: SourceLocation] = [:]
        for index in outputs.indices {
            let output = outputs[index]
            if let first = outputNames[output.name] {
                reader.log.error(output.location, "output '\(output.name)' is declared twice (first at \(first))")
            }
            outputNames[output.name] = output.location
            for reference in Template.references(in: output.value) {
                guard reference.isValid else {
                    reader.log.error(output.location, "output '\(output.name)' has a '{{' that starts no variable")
                    continue
                }
                if inputNames[reference.name] == nil && captured[reference.name] == nil {
                    reader.log.error(
                        output.location,
                        "output '\(output.name)' uses '\(reference.name)', which is neither an input nor captured")
                }
                if secretNames.contains(reference.name) { outputs[index].isSecret = true }
            }
        }
    }
}

extension PathText {
    /// The last path component.
    static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
