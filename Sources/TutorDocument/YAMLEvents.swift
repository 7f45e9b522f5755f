import CYaml

/// Finds YAML anchors (`&name`) and aliases (`*name`) with libyaml's event parser, before Yams
/// composes a tree: Yams hands back an alias as the anchored node itself, so a few hundred bytes
/// of nested aliases ("billion laughs") expand into gigabytes — already while composing, where
/// it hashes mapping keys — and front matter never needs them.
enum YAMLAnchors {
    /// An anchor or alias: 1-based line and column in the YAML text, and how it is written.
    struct Found: Equatable {
        var line: Int
        var column: Int
        var written: String
    }

    /// The first anchor or alias in `yaml`, or nil (also when the YAML has a syntax error, which
    /// composing it then reports).
    static func first(in yaml: String) -> Found? {
        let bytes = Array(yaml.utf8)
        guard !bytes.isEmpty else { return nil }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        return bytes.withUnsafeBufferPointer { buffer -> Found? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                let found = anchorOrAlias(of: event)
                let isEnd = event.type == YAML_STREAM_END_EVENT
                yaml_event_delete(&event)
                if found != nil || isEnd { return found }
            }
            return nil
        }
    }

    private static func anchorOrAlias(of event: yaml_event_t) -> Found? {
        let name: UnsafeMutablePointer<yaml_char_t>?
        var sigil = "&"
        switch event.type {
        case YAML_ALIAS_EVENT:
            name = event.data.alias.anchor
            sigil = "*"
        case YAML_SCALAR_EVENT: name = event.data.scalar.anchor
        case YAML_SEQUENCE_START_EVENT: name = event.data.sequence_start.anchor
        case YAML_MAPPING_START_EVENT: name = event.data.mapping_start.anchor
        default: return nil
        }
        guard let name else { return nil }
        let text = String(cString: UnsafeRawPointer(name).assumingMemoryBound(to: CChar.self))
        return Found(
            line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1, written: sigil + text)
    }
}
