import TutorSupport

/// The `inputs` and `outputs` blocks of a tutorial.
extension AnnotationReader {

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
}
