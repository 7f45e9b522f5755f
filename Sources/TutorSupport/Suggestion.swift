/// "Did you mean …?" for a name that is not one of the known ones.
public enum Suggestion {
    /// The known name nearest to `name` by edit distance, ignoring case, when it is within a
    /// third of the name's length (at least 2): far enough to catch typos, near enough not to
    /// guess. The first of equally near names wins.
    public static func closest(to name: String, among known: some Sequence<String>) -> String? {
        let limit = max(2, name.count / 3)
        var best: (name: String, distance: Int)?
        for candidate in known {
            let distance = editDistance(name.lowercased(), candidate.lowercased())
            if distance <= limit, distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        return best?.name
    }

    /// The sentence naming what is known, with the suggestion when there is one.
    public static func unknownName(_ name: String, kind: String, known: some Sequence<String>) -> String {
        let names = Array(known).sorted()
        var message = "unknown \(kind) \(name)"
        if let suggestion = closest(to: name, among: names) { message += "; did you mean \(suggestion)?" }
        message += names.isEmpty ? " (there are none)" : " (known: \(names.joined(separator: ", ")))"
        return message
    }

    /// Levenshtein distance over Unicode scalars.
    public static func editDistance(_ left: String, _ right: String) -> Int {
        let a = Array(left.unicodeScalars)
        let b = Array(right.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
