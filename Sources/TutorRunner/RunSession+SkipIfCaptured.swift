import TutorDocument
import TutorRecord

extension RunSession {
    /// A request marked `skipIfCaptured` whose captures all have values already (an earlier
    /// include of the page made the object) is not sent: it is recorded as `skipped` and the run
    /// goes on. Returns whether it was skipped. It is not done for good: a later run decides again.
    func skipIfAlreadyCaptured(_ request: RequestBlock, stepIndex: Int) throws -> Bool {
        guard request.skipIfCaptured, !request.captures.isEmpty,
            request.captures.allSatisfy({ variables[$0.variable] != nil })
        else { return false }
        let names = request.captures.map(\.variable).joined(separator: ", ")
        emit(.notice("\(request.name): skipped, \(names) already set by an earlier request"))
        let (_, source) = location(of: stepIndex, request)
        let url = (try? expand(request.url, .url, request, stepIndex)).map { connection.rebase($0) } ?? request.url
        setEntry(
            RunRecord.RequestEntry(
                name: request.name, method: request.method, url: redactor.redact(url), status: nil, durationMs: 0,
                attempts: 0, requestId: nil, error: nil, requestBody: nil, responseBody: nil, source: source,
                outcome: .skipped),
            stepIndex: stepIndex)
        try save()
        return true
    }
}
