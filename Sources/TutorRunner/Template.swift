import Foundation
import TutorSupport

/// How a variable's value is written into a template.
public enum TemplateContext: Sendable {
    /// As is (headers, outputs).
    case plain
    /// JSON-escaped, for values inside JSON strings in bodies.
    case json
    /// Percent-encoded, for values in URLs; the literal text gets the characters a URL may not hold encoded.
    case url
}

/// `{{variable}}` templates: expansion with escaping, and the names a template uses.
public enum Template {
    /// A template that names a variable with no value.
    public struct UnknownVariable: Error, Sendable, Hashable {
        /// The variable's name.
        public var name: String
    }

    /// The variable names used in `template`, in order of appearance.
    public static func variables(in template: String) -> [String] {
        var names: [String] = []
        forEachPart(of: template) { part in
            if case .variable(let name) = part { names.append(name) }
        }
        return names
    }

    /// Expands `template` with `values`, escaping for `context`; throws `UnknownVariable`.
    public static func expand(_ template: String, with values: [String: String], context: TemplateContext) throws
        -> String
    {
        var output = ""
        var missing: String?
        forEachPart(of: template) { part in
            switch part {
            case .literal(let text):
                output += context == .url ? encodeURLLiteral(text) : String(text)
            case .variable(let name):
                guard let value = values[name] else {
                    if missing == nil { missing = name }
                    return
                }
                switch context {
                case .plain: output += value
                case .json: output += JSONValue.escape(value)
                case .url: output += percentEncode(value)
                }
            }
        }
        if let missing { throw UnknownVariable(name: missing) }
        return output
    }

    private enum Part {
        case literal(Substring)
        case variable(String)
    }

    private static func forEachPart(of template: String, _ body: (Part) -> Void) {
        var rest = template[...]
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }) {
                body(.literal(rest[..<open.lowerBound]))
                body(.variable(name))
            } else {
                body(.literal(rest[..<close.upperBound]))
            }
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { body(.literal(rest)) }
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    public static func percentEncode(_ value: String) -> String {
        var output = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                output += String(format: "%%%02X", byte)
            }
        }
        return output
    }

    /// Encodes the characters a URL may not hold (spaces, quotes, non-ASCII) in literal URL text,
    /// as written on Learn (`$filter=displayName eq 'x'`), keeping reserved characters and `%XX`.
    public static func encodeURLLiteral<S: StringProtocol>(_ text: S) -> String {
        var output = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            case _ where "-._~:/?#[]@!$&'()*+,;=%".utf8.contains(byte):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                output += String(format: "%%%02X", byte)
            }
        }
        return output
    }
}
