/// A compiled input `pattern` or capture `match`, evaluated in time linear in the text (a Pike
/// VM over a Thompson NFA): a tutorial is untrusted input, and a backtracking engine hangs on
/// patterns such as `(a+)+$`. The parser compiles every pattern once; the runner evaluates the
/// very same value (`InputDeclaration.matcher`, `Capture.matcher`), so plan and run agree.
///
/// Semantics: matching is over Unicode scalars; `\d`, `\w`, `\s` are ASCII; `$` is the end of the
/// text only (no "before a final newline"); alternatives and repetitions prefer as Perl, ICU and
/// Swift Regex do (leftmost, then first alternative, greedy unless `?`-lazy).
public struct InputPattern: Sendable, Hashable, CustomStringConvertible {
    /// Most instructions a pattern may compile to (repetitions are written out).
    public static let maximumProgramSize = 5000

    /// The pattern as written.
    public let source: String
    /// Number of capture groups `(…)`.
    public let groupCount: Int
    let program: [PatternInstruction]

    /// Compiles `source`; throws when it is outside the supported subset or too large.
    public init(_ source: String) throws(PatternError) {
        let parsed = try PatternParser.parse(source)
        var compiler = PatternCompiler()
        compiler.emit(.save(0))
        try compiler.compile(parsed.node)
        compiler.emit(.save(1))
        compiler.emit(.match)
        self.source = source
        self.groupCount = parsed.groupCount
        self.program = compiler.program
    }

    /// The pattern as written.
    public var description: String { source }

    /// Patterns are equal when written the same (the program follows from the source).
    public static func == (left: InputPattern, right: InputPattern) -> Bool { left.source == right.source }
    /// Hashes the source.
    public func hash(into hasher: inout Hasher) { hasher.combine(source) }

    /// Whether the pattern matches the whole of `text` (what an input's `pattern` means).
    public func matches(_ text: String) -> Bool {
        run(Array(text.unicodeScalars), wholeText: true) != nil
    }

    /// The leftmost match in `text`: the whole match and each group's text (nil for a group that
    /// took no part).
    public func firstMatch(in text: String) -> PatternMatch? {
        let scalars = Array(text.unicodeScalars)
        guard let slots = run(scalars, wholeText: false) else { return nil }
        func piece(_ group: Int) -> String? {
            let start = slots[2 * group]
            let end = slots[2 * group + 1]
            guard start >= 0, end >= start else { return nil }
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[start..<end])
            return String(view)
        }
        return PatternMatch(whole: piece(0) ?? "", groups: (0..<groupCount).map { piece($0 + 1) })
    }

    /// What a capture's `match` yields from `text`: group 1 when the pattern has a group (nil if
    /// that group took no part), else the whole match; nil when nothing matches.
    public func capturedValue(in text: String) -> String? {
        guard let match = firstMatch(in: text) else { return nil }
        return groupCount > 0 ? match.groups[0] : match.whole
    }

    /// Runs the program; returns the winning thread's slots (start/end of the match and groups).
    private func run(_ text: [Unicode.Scalar], wholeText: Bool) -> [Int]? {
        var machine = PikeMachine(program: program, slotCount: 2 * (groupCount + 1))
        var current: [PikeMachine.Thread] = []
        machine.add(&current, pc: 0, slots: machine.emptySlots, at: 0, in: text)
        var matched: [Int]?
        for position in 0...text.count {
            var next: [PikeMachine.Thread] = []
            for thread in current {
                switch program[thread.pc] {
                case .match:
                    if wholeText && position != text.count { continue }
                    matched = thread.slots
                case .set(let set):
                    if position < text.count, set.contains(text[position]) {
                        machine.add(&next, pc: thread.pc + 1, slots: thread.slots, at: position + 1, in: text)
                    }
                default:
                    continue
                }
                // A match cuts off every thread of lower priority.
                if matched != nil, case .match = program[thread.pc] { break }
            }
            if position == text.count { break }
            let searching = matched == nil && !wholeText
            if searching { machine.add(&next, pc: 0, slots: machine.emptySlots, at: position + 1, in: text) }
            if next.isEmpty && !searching { break }
            current = next
        }
        return matched
    }
}

/// A match of an `InputPattern`.
public struct PatternMatch: Sendable, Hashable {
    /// The text the whole pattern matched.
    public var whole: String
    /// Each group's text, group 1 first; nil for a group that took no part in the match.
    public var groups: [String?]
}

/// One instruction of a compiled pattern.
enum PatternInstruction: Sendable {
    /// Consume one scalar in the set.
    case set(ScalarSet)
    /// Try `preferred`, then `other`.
    case split(preferred: Int, other: Int)
    case jump(Int)
    /// Record the position in a slot (group starts and ends).
    case save(Int)
    case assertStart
    case assertEnd
    case match
}

/// Turns a pattern tree into instructions, writing bounded repetitions out.
struct PatternCompiler {
    var program: [PatternInstruction] = []

    mutating func emit(_ instruction: PatternInstruction) {
        program.append(instruction)
    }

    mutating func compile(_ node: PatternNode) throws(PatternError) {
        guard program.count <= InputPattern.maximumProgramSize else {
            throw PatternError(
                offset: 0,
                reason:
                    "pattern is too large once its repetitions are written out (over \(InputPattern.maximumProgramSize) steps)"
            )
        }
        switch node {
        case .empty: break
        case .set(let set): emit(.set(set))
        case .textStart: emit(.assertStart)
        case .textEnd: emit(.assertEnd)
        case .sequence(let items):
            for item in items { try compile(item) }
        case .group(let inner, let index):
            if let index { emit(.save(2 * index)) }
            try compile(inner)
            if let index { emit(.save(2 * index + 1)) }
        case .alternation(let branches):
            var jumpsToEnd: [Int] = []
            for (offset, branch) in branches.enumerated() {
                if offset < branches.count - 1 {
                    let split = program.count
                    emit(.jump(-1))
                    try compile(branch)
                    jumpsToEnd.append(program.count)
                    emit(.jump(-1))
                    program[split] = .split(preferred: split + 1, other: program.count)
                } else {
                    try compile(branch)
                }
            }
            for jump in jumpsToEnd { program[jump] = .jump(program.count) }
        case .repetition(let inner, let minimum, let maximum, let isGreedy):
            for _ in 0..<minimum { try compile(inner) }
            if let maximum {
                // x{0,n}: each further copy is optional, and skipping one skips the rest.
                var skips: [Int] = []
                for _ in minimum..<maximum {
                    skips.append(program.count)
                    emit(.jump(-1))
                    try compile(inner)
                }
                for skip in skips {
                    program[skip] = split(isGreedy, take: skip + 1, skip: program.count)
                }
            } else {
                let loop = program.count
                emit(.jump(-1))
                try compile(inner)
                emit(.jump(loop))
                program[loop] = split(isGreedy, take: loop + 1, skip: program.count)
            }
        }
    }

    private func split(_ isGreedy: Bool, take: Int, skip: Int) -> PatternInstruction {
        isGreedy ? .split(preferred: take, other: skip) : .split(preferred: skip, other: take)
    }
}

/// The thread lists of a Pike VM: each program counter is added at most once per position, so a
/// run costs at most (text length + 1) × program size steps whatever the pattern.
struct PikeMachine {
    struct Thread {
        var pc: Int
        var slots: [Int]
    }

    let program: [PatternInstruction]
    let emptySlots: [Int]
    /// For each instruction, the last position (plus one) it was added at.
    private var addedAt: [Int]

    init(program: [PatternInstruction], slotCount: Int) {
        self.program = program
        emptySlots = Array(repeating: -1, count: slotCount)
        addedAt = Array(repeating: 0, count: program.count)
    }

    /// Adds the thread at `pc` and everything it reaches without consuming a scalar, in priority
    /// order (an explicit stack, so deep patterns cannot overflow the call stack).
    mutating func add(_ list: inout [Thread], pc start: Int, slots: [Int], at position: Int, in text: [Unicode.Scalar])
    {
        var stack = [(pc: start, slots: slots)]
        while let (pc, slots) = stack.popLast() {
            guard addedAt[pc] != position + 1 else { continue }
            addedAt[pc] = position + 1
            switch program[pc] {
            case .jump(let target):
                stack.append((target, slots))
            case .split(let preferred, let other):
                stack.append((other, slots))
                stack.append((preferred, slots))
            case .save(let slot):
                var updated = slots
                updated[slot] = position
                stack.append((pc + 1, updated))
            case .assertStart:
                if position == 0 { stack.append((pc + 1, slots)) }
            case .assertEnd:
                if position == text.count { stack.append((pc + 1, slots)) }
            case .set, .match:
                list.append(Thread(pc: pc, slots: slots))
            }
        }
    }
}
