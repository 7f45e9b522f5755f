import Foundation
import TutorDocument
import TutorHTTP
import TutorRecord
import TutorRunner

/// Turns a runner error into a classified failure that points at the Markdown block.
enum FailureClassifier {
    /// The failure for `error`, thrown by the run of `tutorial`; `record` is what the run saved,
    /// `lastTransportFailure` the kind of the last exchange that got no answer.
    static func classify(
        _ error: any Error, tutorial: Tutorial, record: RunRecord?, lastTransportFailure: HTTPTransportError.Kind?
    ) -> VerifyFailure {
        guard let error = error as? RunnerError else {
            return VerifyFailure(failureClass: .environment, message: "\(error)", errorCode: "Internal")
        }
        switch error {
        case .stepFailed(let failed):
            let request = tutorial.requests.first { $0.name == failed.request }
            let entry = record?.request(named: failed.request)
            let code =
                failed.graphError?.code
                ?? (failed.mismatch == .httpError ? failed.status.map { "HTTP\($0)" } : failed.mismatch?.rawValue)
                ?? entry?.error?.code ?? failed.status.map { "HTTP\($0)" }
            var failureClass: FailureClass = .doc
            if let status = failed.status, RetryPolicy.isTransient(status) { failureClass = .transient }
            if failed.status == 401 || failed.status == 403 { failureClass = .environment }
            var message = "\(failed.method) \(failed.url)"
            if let status = failed.status { message += " → \(status)" }
            if let graphError = failed.graphError { message += " \(graphError.code): \(graphError.message)" }
            if !failed.detail.isEmpty { message += (failed.graphError == nil ? " " : "; ") + failed.detail }
            if failureClass == .transient { message += " (retries used up)" }
            // A response that does not match the document (body or status): the response block
            // is wrong. A Graph 400 naming a property: the line of that property in the body.
            var place = failed.location
            if failed.phase == .request, failed.graphError == nil,
                failed.mismatch == .status || failed.mismatch == .body,
                let expected = request?.expectation?.location
            {
                place = expected
            }
            if failed.status == 400, let graphError = failed.graphError, let request,
                let line = propertyLine(graphError.message, in: request)
            {
                place = SourceLocation(
                    file: request.location.file, line: line, column: 1, includeChain: request.location.includeChain)
            }
            return VerifyFailure(
                failureClass: failureClass, message: message, file: place.file, line: place.line,
                includedFrom: includeSites(place), step: failed.step, request: failed.displayName,
                status: failed.status, errorCode: code, requestId: failed.requestId)
        case .permissionDenied(let step, let name, let requestId, let message):
            let request = tutorial.requests.first { $0.name == name }
            return VerifyFailure(
                failureClass: .environment, message: "permission denied: \(message)", file: request?.location.file,
                line: request?.location.line, includedFrom: request.map { includeSites($0.location) } ?? [],
                step: step, request: name, status: nil, errorCode: "PermissionDenied", requestId: requestId)
        case .missingPermissions(let missing):
            let first = missing.first
            let request = first.flatMap { item in tutorial.requests.first { $0.name == item.request } }
            let list = missing.map { "\($0.scopes.joined(separator: " or ")) (\($0.request))" }
            return VerifyFailure(
                failureClass: .environment,
                message: "the signed-in identity lacks permissions the tutorial needs: \(list.joined(separator: ", "))",
                file: request?.location.file, line: request?.location.line,
                includedFrom: request.map { includeSites($0.location) } ?? [], step: first?.step,
                request: first?.request, errorCode: "MissingPermission")
        case .authenticationFailed(let message):
            return VerifyFailure(
                failureClass: .environment, message: "sign-in failed: \(message)", errorCode: "AuthenticationFailed")
        case .unreachable(let message):
            let gaveUp = lastTransportFailure == .connectionLost || lastTransportFailure == .timedOut
            return VerifyFailure(
                failureClass: gaveUp ? .transient : .environment,
                message: gaveUp ? "no answer: \(message) (retries used up)" : "tenant unreachable: \(message)",
                errorCode: gaveUp ? "NoAnswer" : "Unreachable")
        case .usage(let message, let place), .document(let message, let place):
            return VerifyFailure(
                failureClass: .doc, message: message, file: place?.file, line: place?.line,
                includedFrom: place.map(includeSites) ?? [], errorCode: "DocumentError")
        case .state(let message):
            return VerifyFailure(failureClass: .environment, message: "run state: \(message)", errorCode: "State")
        case .interrupted:
            return VerifyFailure(failureClass: .environment, message: "interrupted", errorCode: "Interrupted")
        case .internalFailure(let message):
            return VerifyFailure(
                failureClass: .environment, message: "internal error: \(message)", errorCode: "Internal")
        }
    }

    /// The failure for a tutorial that cannot be parsed.
    static func classify(documentError error: any Error, path: String) -> VerifyFailure {
        if let error = error as? DocumentError, case .invalid(let diagnostics) = error,
            let first = diagnostics.first(where: { $0.severity == .error }) ?? diagnostics.first
        {
            return VerifyFailure(
                failureClass: .doc, message: first.message, file: first.location.file, line: first.location.line,
                includedFrom: includeSites(first.location), errorCode: "DocumentError")
        }
        return VerifyFailure(failureClass: .doc, message: "\(error)", file: path, errorCode: "DocumentError")
    }

    /// The line of the request body that holds the property a Graph message names
    /// (`Property 'signInAudiance' does not exist on type …`): the body starts after the block's
    /// fence, request line, headers and the blank line.
    static func propertyLine(_ message: String, in request: RequestBlock) -> Int? {
        guard let start = message.range(of: "Property '"), let body = request.body else { return nil }
        let rest = message[start.upperBound...]
        guard let end = rest.firstIndex(of: "'") else { return nil }
        let property = "\"\(rest[..<end])\""
        let lines = body.components(separatedBy: "\n")
        guard let index = lines.firstIndex(where: { $0.contains(property) }) else { return nil }
        return request.location.line + 3 + request.headers.count + index
    }

    static func includeSites(_ location: SourceLocation) -> [String] {
        location.includeChain.map { "\($0.file):\($0.line)" }
    }
}
