import Testing

@testable import TutorHTTP
