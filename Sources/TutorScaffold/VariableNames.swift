import TutorSupport

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
                suggestion: Suggestion.closest(to: name, among: names),
                derivedFrom: derived.first { $0.name == name }?.from))
    }
}

extension TemplateManifest {
    /// `tutor render --list-vars`: each variable with how to give it, whether it is required,
    /// its rule and description; then the derived values and `RENDERED_FROM_RUN`, which are
    /// computed and cannot be given.
    public var variableListing: String {
        var lines = ["\(name): \(description)", "", "variables:"]
        for variable in variables {
            let how =
                variable.secret ? "--secret-env \(variable.name)=ENV_VAR (secret)" : "--var \(variable.name)=VALUE"
            lines.append("  \(variable.name)  \(variable.required ? "required" : "optional"); \(how)")
            lines.append("      \(variable.rule.requirement); \(variable.description)")
        }
        lines.append("computed (cannot be given):")
        for value in derived {
            lines.append("  \(value.name)  the \(value.part.rawValue) of \(value.from)")
        }
        lines.append("  \(ProjectTemplate.renderedFromRun)  \"true\" when the values come from --state-dir")
        return lines.joined(separator: "\n")
    }
}
