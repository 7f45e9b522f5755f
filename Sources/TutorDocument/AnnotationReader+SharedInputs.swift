extension AnnotationReader {
    /// Includes that stand on their own declare the inputs they use, so one page may declare an
    /// input several times. The declarations must agree on the default and the pattern (one name,
    /// one meaning); the first is kept. One that disagrees is an error at its own place.
    mutating func mergingRedeclaredInputs(_ inputs: [InputDeclaration]) -> [InputDeclaration] {
        var kept: [InputDeclaration] = []
        var positions: [String: Int] = [:]
        for input in inputs {
            guard let position = positions[input.name] else {
                positions[input.name] = kept.count
                kept.append(input)
                continue
            }
            let first = kept[position]
            if first.defaultValue != input.defaultValue {
                log.error(
                    input.location,
                    "input '\(input.name)' is declared again with default \(Self.quoted(input.defaultValue)), not \(Self.quoted(first.defaultValue)) as at \(first.location)"
                )
            } else if first.pattern != input.pattern {
                log.error(
                    input.location,
                    "input '\(input.name)' is declared again with another pattern than at \(first.location)")
            }
        }
        return kept
    }

    private static func quoted(_ value: String?) -> String {
        value.map { "'\($0)'" } ?? "none"
    }
}
