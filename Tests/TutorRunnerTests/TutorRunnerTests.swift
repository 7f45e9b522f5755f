import Testing

@testable import TutorRunner
