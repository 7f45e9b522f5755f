import Testing

@testable import TutorSandbox
