import TutorDocument

extension JSONPath {
    /// A path written in a test, where a typo should stop the test at once.
    public static func path(_ text: String) -> JSONPath {
        do {
            return try JSONPath(text)
        } catch {
            fatalError("test path \(text): \(error)")
        }
    }
}
