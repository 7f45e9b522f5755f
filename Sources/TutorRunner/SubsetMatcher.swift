import TutorSupport

/// Matches an actual JSON value against an expected one read as a subset: objects may hold more
/// members, arrays more elements (each expected element must match some actual one), and the
/// string `"*"` matches any value.
public enum SubsetMatcher {
    /// The first place where `actual` differs from `expected` (e.g. `$.web.redirectUris`), or nil when it matches.
    public static func mismatch(expected: JSONValue, actual: JSONValue, path: String = "$") -> String? {
        if case .string("*") = expected { return nil }
        switch expected {
        case .object(let members):
            guard actual.objectMembers != nil else { return "\(path): expected an object, got \(kind(of: actual))" }
            for member in members {
                let childPath = "\(path).\(member.key)"
                guard let value = actual[member.key] else { return "\(childPath): missing" }
                if let problem = mismatch(expected: member.value, actual: value, path: childPath) { return problem }
            }
            return nil
        case .array(let elements):
            guard let actualElements = actual.arrayElements else {
                return "\(path): expected an array, got \(kind(of: actual))"
            }
            for (offset, element) in elements.enumerated() {
                let found = actualElements.contains { mismatch(expected: element, actual: $0) == nil }
                if !found { return "\(path)[\(offset)]: no element matches \(element.serialized())" }
            }
            return nil
        case .number(let number):
            if case .number(let other) = actual, other == number { return nil }
            return "\(path): expected \(expected.serialized()), got \(actual.serialized())"
        default:
            return expected == actual ? nil : "\(path): expected \(expected.serialized()), got \(actual.serialized())"
        }
    }

    private static func kind(of value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "a Boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
