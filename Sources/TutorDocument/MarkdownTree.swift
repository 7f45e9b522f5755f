import CCmarkGFM

/// A Markdown node copied out of cmark-gfm's tree, with the positions cmark reports.
struct MarkdownNode: Sendable {
    /// The kinds of node the tutorial reader cares about; everything else is `other`.
    enum Kind: Sendable, Equatable {
        case document, blockQuote, list, item, codeBlock, htmlBlock, paragraph, heading, thematicBreak, table
        case text, softBreak, lineBreak, code, htmlInline, link, image, other
    }

    var kind: Kind
    var startLine = 0
    var startColumn = 0
    var endLine = 0
    var endColumn = 0
    /// Text of text, code, HTML and code-block nodes.
    var literal = ""
    /// Info string of a fenced code block.
    var info = ""
    /// Destination of a link or image.
    var url = ""
    /// Level of a heading.
    var headingLevel = 0
    /// Whether a code block is fenced, and its fence.
    var isFenced = false
    var fenceLength = 0
    var fenceCharacter: UInt8 = 0
    var children: [MarkdownNode] = []

    /// The text of the inline content, code spans included, breaks as spaces.
    var plainText: String {
        var output = ""
        appendPlainText(to: &output)
        return output
    }

    private func appendPlainText(to output: inout String) {
        switch kind {
        case .text, .code: output += literal
        case .softBreak, .lineBreak: output += " "
        default: for child in children { child.appendPlainText(to: &output) }
        }
    }
}

/// The one type that talks to cmark-gfm: parses bytes with source positions on and copies the
/// tree into `MarkdownNode`s, freeing cmark's tree before it returns.
struct CommonMarkParser {
    /// Deeper nesting than this is kept as an empty node: no tutorial needs it, and it bounds recursion.
    static let maximumDepth = 48

    /// GFM core extensions the tutorials use. Registration is process-wide and not thread-safe
    /// in cmark-gfm, so it runs exactly once (Swift runs static initialisers once, atomically).
    private static let extensionsRegistered: Bool = {
        cmark_gfm_core_extensions_ensure_registered()
        return true
    }()

    /// Parses `bytes` (UTF-8 Markdown) into a tree.
    func parse(_ bytes: [UInt8]) -> MarkdownNode {
        _ = Self.extensionsRegistered
        guard let parser = cmark_parser_new(CMARK_OPT_SOURCEPOS) else {
            return MarkdownNode(kind: .document)
        }
        defer { cmark_parser_free(parser) }
        for name in ["table", "strikethrough", "autolink", "tasklist"] {
            if let syntaxExtension = cmark_find_syntax_extension(name) {
                cmark_parser_attach_syntax_extension(parser, syntaxExtension)
            }
        }
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { characters in
                if let base = characters.baseAddress { cmark_parser_feed(parser, base, characters.count) }
            }
        }
        guard let document = cmark_parser_finish(parser) else { return MarkdownNode(kind: .document) }
        defer { cmark_node_free(document) }
        return convert(document, depth: 0)
    }

    private func convert(_ node: OpaquePointer, depth: Int) -> MarkdownNode {
        let type = cmark_node_get_type(node)
        var result = MarkdownNode(kind: kind(of: type, node: node))
        result.startLine = Int(cmark_node_get_start_line(node))
        result.startColumn = Int(cmark_node_get_start_column(node))
        result.endLine = Int(cmark_node_get_end_line(node))
        result.endColumn = Int(cmark_node_get_end_column(node))
        switch result.kind {
        case .text, .code, .htmlBlock, .htmlInline:
            result.literal = string(cmark_node_get_literal(node))
        case .codeBlock:
            result.literal = string(cmark_node_get_literal(node))
            result.info = string(cmark_node_get_fence_info(node))
            var length: Int32 = 0
            var offset: Int32 = 0
            var character: CChar = 0
            result.isFenced = cmark_node_get_fenced(node, &length, &offset, &character) != 0
            result.fenceLength = Int(length)
            result.fenceCharacter = UInt8(bitPattern: character)
        case .heading:
            result.headingLevel = Int(cmark_node_get_heading_level(node))
        case .link, .image:
            result.url = string(cmark_node_get_url(node))
        default:
            break
        }
        guard depth < Self.maximumDepth else { return result }
        var child = cmark_node_first_child(node)
        while let current = child {
            result.children.append(convert(current, depth: depth + 1))
            child = cmark_node_next(current)
        }
        return result
    }

    private func kind(of type: cmark_node_type, node: OpaquePointer) -> MarkdownNode.Kind {
        switch type {
        case CMARK_NODE_DOCUMENT: return .document
        case CMARK_NODE_BLOCK_QUOTE: return .blockQuote
        case CMARK_NODE_LIST: return .list
        case CMARK_NODE_ITEM: return .item
        case CMARK_NODE_CODE_BLOCK: return .codeBlock
        case CMARK_NODE_HTML_BLOCK: return .htmlBlock
        case CMARK_NODE_PARAGRAPH: return .paragraph
        case CMARK_NODE_HEADING: return .heading
        case CMARK_NODE_THEMATIC_BREAK: return .thematicBreak
        case CMARK_NODE_TEXT: return .text
        case CMARK_NODE_SOFTBREAK: return .softBreak
        case CMARK_NODE_LINEBREAK: return .lineBreak
        case CMARK_NODE_CODE: return .code
        case CMARK_NODE_HTML_INLINE: return .htmlInline
        case CMARK_NODE_LINK: return .link
        case CMARK_NODE_IMAGE: return .image
        default:
            if let name = cmark_node_get_type_string(node), String(cString: name) == "table" { return .table }
            return .other
        }
    }

    private func string(_ pointer: UnsafePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        return String(cString: pointer)
    }
}
