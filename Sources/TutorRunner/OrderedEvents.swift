/// The place in the output order that the events of the running task belong to (set around each
/// request the run starts; events of the run itself have none).
enum EventSlot {
    @TaskLocal static var current: Int?
}

/// The output order of a run: for each step, a slot for its heading (started, manual, skipped),
/// one per request, and one for its ending (finished).
struct SlotLayout {
    private let bases: [Int]
    private let requestCounts: [Int]
    /// How many slots there are.
    let count: Int

    init(steps: [Int]) {
        var bases: [Int] = []
        var next = 0
        for requests in steps {
            bases.append(next)
            next += requests + 2
        }
        self.bases = bases
        self.requestCounts = steps
        self.count = next
    }

    func heading(_ step: Int) -> Int { bases[step] }
    func request(_ step: Int, _ position: Int) -> Int { bases[step] + 1 + position }
    func ending(_ step: Int) -> Int { bases[step] + 1 + requestCounts[step] }
}

/// Releases a run's events in document order while its requests overlap: the events of the
/// earliest slot not yet closed go straight to the observer (so the request the reader is
/// looking at shows live); a later slot's events wait in a buffer until every slot before it is
/// closed. Events without a slot (the run's own) go straight out.
/// Lives in its run's `RunSession`, and is used only there.
final class OrderedEvents {
    private let observer: any RunObserver
    private var buffers: [[RunEvent]]
    private var closed: [Bool]
    /// The earliest slot not yet closed.
    private var head = 0

    init(observer: any RunObserver, slots: Int) {
        self.observer = observer
        self.buffers = Array(repeating: [], count: slots)
        self.closed = Array(repeating: false, count: slots)
    }

    func emit(_ event: RunEvent, slot: Int?) {
        guard let slot, slot > head, slot < buffers.count else {
            observer.handle(event)
            return
        }
        buffers[slot].append(event)
    }

    /// `event` in `slot`, which is then complete.
    func emit(_ event: RunEvent, closing slot: Int) {
        emit(event, slot: slot)
        close(slot)
    }

    /// No more events come for `slot`; releases what it unblocks.
    func close(_ slot: Int) {
        guard slot < closed.count, !closed[slot] else { return }
        closed[slot] = true
        while head < closed.count, closed[head] {
            head += 1
            if head < buffers.count {
                for event in buffers[head] { observer.handle(event) }
                buffers[head] = []
            }
        }
    }

    /// The run stops: releases every slot through `last` in order and drops the ones after it
    /// (steps the run never reached).
    func finish(through last: Int) {
        if last >= 0 {
            for slot in 0...min(last, closed.count - 1) { close(slot) }
        }
        head = closed.count
        buffers = []
    }
}
