import TutorSupport

extension AnnotationReader {
    /// Reads `"skipIfCaptured"`: a boolean, allowed only on a request that captures something
    /// (the request is skipped when all of its captures already have values).
    mutating func skipIfCaptured(_ value: JSONValue, _ request: RequestBlock, at location: SourceLocation) -> Bool {
        guard let flag = value.boolValue else {
            log.error(location, "\"skipIfCaptured\" must be true or false")
            return false
        }
        if flag, request.captures.isEmpty {
            log.error(
                location,
                "\"skipIfCaptured\" on request '\(request.name)' needs a \"capture\": it skips the request when every variable it captures is already set"
            )
        }
        return flag
    }
}
