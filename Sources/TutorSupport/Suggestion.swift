/// "Did you mean …?" for a name that is not one of the known ones.
public enum Suggestion {
    /// The known name closest to `name`: the same letters in another case first, else the
    /// nearest by edit distance, when it is near enough to be a typo (at most a third of its
    /// length apart).
    public static func closest(to name: String, among known: some Sequence<String>) -> String? {
        let candidates = Array(known)
        if let sameLetters = candidates.first(where: { $0.lowercased() == name.lowercased() }) { return sameLetters }
        let scored = candidates.map { (name: $0, distance: editDistance(name.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.distance < $1.distance }) else { return nil }
        return best.distance <= max(1, best.name.count / 3) ? best.name : nil
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
    static func editDistance(_ left: String, _ right: String) -> Int {
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
