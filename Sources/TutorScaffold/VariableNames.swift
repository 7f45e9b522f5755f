/// A name given with `--var` or `--secret-env` that the template does not declare. Ignoring it
/// would hide a typo (`CLIENT_ld`) until the rendered app fails, so it stops the command.
public struct UnknownVariable: Sendable, Equatable, CustomStringConvertible {
    /// The option that named it: `--var` or `--secret-env`.
    public var option: String
    /// The name as given.
    public var name: String
    /// The template's name.
    public var template: String
    /// The variables the template does declare, in manifest order.
    public var variables: [String]
    /// The declared variable closest to `name`, when one is close enough to be a likely typo.
    public var suggestion: String?
    /// The variable `name` is computed from, when `name` is a derived value.
    public var derivedFrom: String?

    /// The message: what is wrong, the likely fix, and every name that would be accepted.
    public var description: String {
        var text = "error: \(option) \(name): "
        if let derivedFrom {
            text += "\(name) is computed from \(derivedFrom) and cannot be set; set \(derivedFrom) instead"
        } else {
            text += "the template \(template) has no variable \(name)"
            if let suggestion { text += "; did you mean \(suggestion)?" }
        }
        return text + "\n(its variables: \(variables.joined(separator: ", ")))"
    }
}

extension TemplateManifest {
    /// Refuses a name given with `option` that is not one of the manifest's variables (exit 64).
    public func checkGivenName(_ name: String, option: String) throws {
        let names = variables.map(\.name)
        guard !names.contains(name) else { return }
        throw ScaffoldError.unknownVariable(
            UnknownVariable(
                option: option, name: name, template: self.name, variables: names,
                suggestion: Self.closest(to: name, among: names),
                derivedFrom: derived.first { $0.name == name }?.from))
    }

    /// The candidate nearest to `name` by edit distance (ignoring case), if it is within a third
    /// of the name's length (at least 2): far enough to catch typos, near enough not to guess.
    static func closest(to name: String, among candidates: [String]) -> String? {
        let limit = max(2, name.count / 3)
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(name.uppercased(), candidate.uppercased())
            if distance <= limit, distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        return best?.name
    }

    /// Levenshtein distance over Unicode scalars (insertions, deletions, substitutions).
    static func editDistance(_ first: String, _ second: String) -> Int {
        let source = Array(first.unicodeScalars)
        let target = Array(second.unicodeScalars)
        guard !source.isEmpty else { return target.count }
        var previous = Array(0...target.count)
        for (row, sourceScalar) in source.enumerated() {
            var current = [row + 1] + Array(repeating: 0, count: target.count)
            for (column, targetScalar) in target.enumerated() {
                let substitution = previous[column] + (sourceScalar == targetScalar ? 0 : 1)
                current[column + 1] = min(substitution, previous[column + 1] + 1, current[column] + 1)
            }
            previous = current
        }
        return previous[target.count]
    }
}
