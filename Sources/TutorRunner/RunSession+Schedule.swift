import TutorDocument
import TutorRecord

/// The steps' requests, overlapped where the document allows (`RequestOrder`, docs/running.md
/// "Independent requests overlap"), with output and record in document order.
extension RunSession {
    /// What became of one request in this run.
    enum Progress: Equatable {
        /// Not started: its turn has not come, or it never will (the run stopped).
        case waiting
        case running
        /// Done now, or in an earlier run (not pending).
        case finished
        case failed
    }

    /// A step's requests as the run goes.
    struct StepProgress {
        /// Pending requests not finished yet.
        var remaining: Int
        /// When its first request started; nil until then.
        var started: ContinuousClock.Instant?
        var done = false
    }

    func runSteps(pending: Set<String>) async throws {
        if let from = options.from,
            !tutorial.steps.contains(where: { $0.title == from || $0.requests.contains { $0.name == from } })
        {
            throw RunnerError.usage(
                "--from \(from): no request or step of that name (requests: \(tutorial.requests.map(\.name).joined(separator: ", ")))"
            )
        }
        let order = RequestOrder(tutorial, serial: !options.overlap)
        let entries = order.entries
        let layout = SlotLayout(steps: tutorial.steps.map(\.requests.count))
        let events = OrderedEvents(observer: runner.observer, slots: layout.count)
        orderedEvents = events
        defer { orderedEvents = nil }
        // Each entry's position inside its step, for its slot.
        var positions: [Int] = []
        for (index, entry) in entries.enumerated() {
            positions.append(
                index > 0 && entries[index - 1].stepIndex == entry.stepIndex ? positions[index - 1] + 1 : 0)
        }
        var progress = entries.map { pending.contains($0.request.name) ? Progress.waiting : .finished }
        var steps = tutorial.steps.map { step in
            StepProgress(remaining: step.requests.filter { pending.contains($0.name) }.count)
        }
        for (index, step) in tutorial.steps.enumerated() where step.isManual || steps[index].remaining == 0 {
            record.steps[index].status = step.isManual ? .manual : .succeeded
            events.emit(
                step.isManual
                    ? .stepManual(index: index, title: step.title) : .stepSkipped(index: index, title: step.title),
                closing: layout.heading(index))
            for position in step.requests.indices { events.close(layout.request(index, position)) }
            events.close(layout.ending(index))
            steps[index].done = true
        }
        for (index, entry) in entries.enumerated() where progress[index] == .finished {
            events.close(layout.request(entry.stepIndex, positions[index]))
        }

        var failures: [(index: Int, error: any Error)] = []
        var interrupted = false
        await withTaskGroup(of: (index: Int, error: (any Error)?).self) { group in
            var running = 0
            while true {
                if failures.isEmpty, !interrupted, runner.interrupt.isRaised { interrupted = true }
                for index in entries.indices
                where failures.isEmpty && !interrupted && running < options.maximumConcurrentRequests
                    && progress[index] == .waiting && entries[index].waitsFor.allSatisfy({ progress[$0] == .finished })
                {
                    let entry = entries[index]
                    if steps[entry.stepIndex].started == nil {
                        steps[entry.stepIndex].started = clock.now
                        events.emit(
                            .stepStarted(index: entry.stepIndex, title: tutorial.steps[entry.stepIndex].title),
                            closing: layout.heading(entry.stepIndex))
                    }
                    progress[index] = .running
                    running += 1
                    let slot = layout.request(entry.stepIndex, positions[index])
                    group.addTask { [self] in
                        await EventSlot.$current.withValue(slot) {
                            do {
                                try await execute(entry.request, stepIndex: entry.stepIndex)
                                return (index, nil)
                            } catch {
                                return (index, error)
                            }
                        }
                    }
                }
                guard let (index, error) = await group.next() else { break }
                running -= 1
                let stepIndex = entries[index].stepIndex
                events.close(layout.request(stepIndex, positions[index]))
                if let error {
                    progress[index] = .failed
                    failures.append((index, error))
                    continue
                }
                progress[index] = .finished
                steps[stepIndex].remaining -= 1
                if steps[stepIndex].remaining == 0 {
                    do {
                        try finishStep(stepIndex, started: steps[stepIndex].started ?? clock.now, events, layout)
                        steps[stepIndex].done = true
                    } catch {
                        failures.append((index, error))
                    }
                }
            }
        }
        if failures.isEmpty && !interrupted { return }
        try stop(
            failure: failures.min { $0.index < $1.index },
            failedSteps: Set(failures.map { entries[$0.index].stepIndex }),
            steps: steps, events, layout)
    }

    /// Every request of the step went through: it is recorded as done and its ending is shown.
    private func finishStep(
        _ index: Int, started: ContinuousClock.Instant, _ events: OrderedEvents, _ layout: SlotLayout
    )
        throws
    {
        let duration = clock.now - started
        record.steps[index].status = .succeeded
        record.steps[index].durationMs = duration.milliseconds
        // Saved first: a step whose state cannot be saved is shown as failed, once.
        try save()
        events.emit(
            .stepFinished(index: index, title: tutorial.steps[index].title, outcome: .succeeded, duration: duration),
            closing: layout.ending(index))
    }

    /// The run stops (a request failed, or Ctrl-C) once the requests under way have finished: a
    /// started step that did not finish is failed (it holds the failure) or interrupted (stopped
    /// between its requests); the output goes up to the last step that started; the earliest
    /// failure in document order is what the run ends on.
    private func stop(
        failure: (index: Int, error: any Error)?, failedSteps: Set<Int>, steps: [StepProgress],
        _ events: OrderedEvents, _ layout: SlotLayout
    ) throws -> Never {
        var last = -1
        for (index, step) in steps.enumerated() where step.started != nil {
            last = index
            guard !step.done, let started = step.started else { continue }
            let failed = failedSteps.contains(index)
            let duration = clock.now - started
            record.steps[index].status = failed ? .failed : .interrupted
            record.steps[index].durationMs = duration.milliseconds
            for position in tutorial.steps[index].requests.indices { events.close(layout.request(index, position)) }
            events.emit(
                .stepFinished(
                    index: index, title: tutorial.steps[index].title, outcome: failed ? .failed : .interrupted,
                    duration: duration),
                closing: layout.ending(index))
        }
        events.finish(through: last < 0 ? -1 : layout.ending(last))
        if let failure { throw failure.error }
        throw RunnerError.interrupted(recordPath: store.recordURL.path)
    }
}
