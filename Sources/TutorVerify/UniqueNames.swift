import Foundation
import TutorDocument

/// Makes the names a tutorial creates unique per verify run, so that parallel runs (in one
/// process or on other machines against the same tenant) never find or delete each other's objects.
///
/// The rule is general, not tied to one tutorial: an input whose default is a name (it holds a
/// letter and is not a URL) gets `-{suffix}` appended, provided the input's own pattern still
/// accepts the longer value. Inputs given with `--var` are left as given; numbers such as a port
/// never match (their default has no letter, or their pattern refuses the suffix).
public enum UniqueNames {
    /// The `--var`-style overrides that make `tutorial`'s names unique with `suffix`.
    public static func overrides(for tutorial: Tutorial, suffix: String, given: [String: String]) -> [String: String] {
        var overrides: [String: String] = [:]
        for input in tutorial.inputs where given[input.name] == nil {
            guard let value = input.defaultValue, value.contains(where: \.isLetter), !value.contains("://") else {
                continue
            }
            let candidate = "\(value)-\(suffix)"
            if input.pattern != nil, input.matcher?.matches(candidate) != true { continue }
            overrides[input.name] = candidate
        }
        return overrides
    }

    /// A short random run id (lowercase letters and digits), e.g. `v3k9q2`.
    public static func newRunId() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        return "v" + String((0..<5).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
