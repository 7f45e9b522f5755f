import Testing

@testable import TutorScaffold
