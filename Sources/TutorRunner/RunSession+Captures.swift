import Foundation
import TutorDocument
import TutorHTTP
import TutorRecord
import TutorSupport

/// Captures: values taken from answers into variables.
extension RunSession {
    struct CaptureFailure: Error {
        var message: String
    }

    func applyCaptures(_ request: RequestBlock, from response: HTTPResponse, viaLookup lookup: Lookup?, stepIndex: Int)
        throws
    {
        let body = try? JSONValue.parse(response.body)
        var captured: [String: String] = [:]
        func value(_ capture: Capture, in root: JSONValue?) throws -> String? {
            try captureValue(capture, request: request, response: response, root: root)
        }
        if let lookup {
            for capture in lookup.captures {
                if let found = try value(capture, in: body) { captured[capture.variable] = found }
            }
            // The request's own captures, read from the found object (first element of a collection).
            let object = body?["value"]?.arrayElements?.first ?? body
            for capture in request.captures where captured[capture.variable] == nil {
                if let found = try value(capture, in: object) { captured[capture.variable] = found }
            }
        } else {
            for capture in request.captures {
                guard let found = try value(capture, in: body) else {
                    let place: String
                    switch capture.source {
                    case .body(let path): place = path.description
                    case .header(let name): place = "header \(name)"
                    }
                    throw CaptureFailure(message: "capture \(capture.variable): \(place) is not in the response")
                }
                captured[capture.variable] = found
            }
        }
        for (name, value) in captured {
            variables[name] = value
            record.captures[name] = secretNames.contains(name) ? RunRecord.redacted : value
        }
    }

    /// The value a capture takes from a response: its parsed JSONPath (filter texts filled in) or
    /// header, then the capture's regular expression (group 1, else the whole match).
    func captureValue(_ capture: Capture, request: RequestBlock, response: HTTPResponse, root: JSONValue?) throws
        -> String?
    {
        var found: String?
        switch capture.source {
        case .header(let name):
            found = response.header(name)
        case .body(let path):
            guard let root else { break }
            do {
                found = try path.first(in: root, variables: variables)?.capturedText
            } catch {
                throw RunnerError.document(
                    "\(request.location): capture \(capture.variable) uses {{\(error.name)}}, which has no value",
                    at: request.location)
            }
        }
        guard let text = found, let pattern = capture.pattern else { return found }
        guard let matcher = capture.matcher else {
            throw RunnerError.document(
                "\(request.location): capture \(capture.variable) has an invalid pattern \(pattern)",
                at: request.location)
        }
        return matcher.capturedValue(in: text)
    }
}

extension JSONValue {
    /// The value as text for a variable: strings as they are, other values as JSON.
    var capturedText: String {
        switch self {
        case .string(let string): return string
        default: return serialized()
        }
    }
}
