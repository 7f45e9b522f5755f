import Foundation
import Testing

@testable import TutorSandbox

/// Entra's token-endpoint errors carry `timestamp` (and end `error_description` with it) as
/// `2024-12-27 14:53:13Z`: UTC, a space between date and time, no fraction. Seen in a real
/// AADSTS7000215 answer quoted in public code (search corpus "code": "AADSTS7000215 Trace ID
/// Correlation ID Timestamp"); the error page itself is https://login.microsoftonline.com/error.
@Suite struct EntraErrorTimestampTests {
    @Test func writesEntrasTimestampShape() {
        #expect(EntraError.timestamp(Date(timeIntervalSince1970: 1_795_857_876.75)) == "2026-11-28 09:24:36Z")
    }
}
