import Testing

@testable import TutorVerify
