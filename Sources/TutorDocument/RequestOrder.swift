/// When each request of a tutorial may start, decided from the document alone, before anything
/// is sent (docs/running.md, "Independent requests overlap").
///
/// Two requests conflict, and keep their document order, when
/// - they share a variable: one captures what the other uses, both use it, or both capture it;
/// - one of them writes and their URL paths name the same resource or one inside the other
///   (`/applications` and `/applications/{{id}}`): the tenant links them where no variable does;
/// - a manual step lies between them: the reader may be asked to do something there;
/// - one of them is not a Graph request (a sign-in host's), or writes without using or capturing
///   any variable: nothing in the document says what it depends on or affects.
///
/// A request may start once every earlier request it conflicts with has finished; the others may
/// run at the same time as it.
public struct RequestOrder: Sendable {
    /// One request in document order.
    public struct Entry: Sendable {
        /// Index of its step in `Tutorial.steps`.
        public var stepIndex: Int
        /// The request.
        public var request: RequestBlock
        /// Indices (into `entries`) of every earlier request it must wait for.
        public var waitsFor: [Int]
        /// The same without those already implied by another (what `tutor plan` shows as `after:`).
        public var after: [Int]
    }

    /// Every request of the tutorial, in document order.
    public let entries: [Entry]

    /// The order of `tutorial`'s requests; `serial` makes each wait for every earlier one.
    public init(_ tutorial: Tutorial, serial: Bool = false) {
        var flat: [(stepIndex: Int, request: RequestBlock, barrierBefore: Int)] = []
        var manualSteps = 0
        for (stepIndex, step) in tutorial.steps.enumerated() {
            if step.isManual { manualSteps += 1 }
            for request in step.requests { flat.append((stepIndex, request, manualSteps)) }
        }
        let footprints = flat.map { Footprint($0.request) }
        var entries: [Entry] = []
        // Everything each request waits for, directly or not, to reduce `after`.
        var ancestors: [Set<Int>] = []
        for index in flat.indices {
            let waitsFor = (0..<index).filter { earlier in
                serial || flat[earlier].barrierBefore != flat[index].barrierBefore
                    || footprints[earlier].conflicts(with: footprints[index])
            }
            var implied = Set<Int>()
            for earlier in waitsFor { implied.formUnion(ancestors[earlier]) }
            let after = waitsFor.filter { !implied.contains($0) }
            ancestors.append(implied.union(waitsFor))
            entries.append(
                Entry(
                    stepIndex: flat[index].stepIndex, request: flat[index].request, waitsFor: waitsFor, after: after))
        }
        self.entries = entries
    }

    /// The names of the requests `name` starts after (empty: it may start at once).
    public func after(_ name: String) -> [String] {
        guard let entry = entries.first(where: { $0.request.name == name }) else { return [] }
        return entry.after.map { entries[$0].request.name }
    }

    /// What the order needs to know of one request.
    struct Footprint {
        var variables: Set<String>
        var path: [Substring]
        var writes: Bool
        /// Conflicts with every other request.
        var isBarrier: Bool

        init(_ request: RequestBlock) {
            let captured = request.captures.map(\.variable) + (request.lookup?.captures.map(\.variable) ?? [])
            variables = Set(request.variables + captured)
            writes = request.effect != .reads
            let url = request.url.split(separator: "?", maxSplits: 1).first ?? ""
            let isGraph = url.hasPrefix("https://graph.microsoft.com/")
            // Without the version: v1.0 and beta name the same objects.
            path =
                isGraph
                ? Array(url.dropFirst("https://graph.microsoft.com/".count).split(separator: "/").dropFirst()) : []
            isBarrier = !isGraph || (writes && variables.isEmpty)
        }

        func conflicts(with other: Footprint) -> Bool {
            if isBarrier || other.isBarrier || !variables.isDisjoint(with: other.variables) { return true }
            guard writes || other.writes else { return false }
            let common = min(path.count, other.path.count)
            // A `{{variable}}` segment may name any object.
            return path.prefix(common).elementsEqual(other.path.prefix(common)) {
                $0.contains("{{") || $1.contains("{{") || $0.lowercased() == $1.lowercased()
            }
        }
    }
}
