import Testing

@testable import TutorDocument
