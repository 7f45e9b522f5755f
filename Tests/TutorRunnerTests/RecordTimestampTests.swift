import Foundation
import Testing
import TutorRecord

/// The record's times: ISO 8601 in UTC with milliseconds, read back with or without them. Written
/// without ICU (`Date.ISO8601FormatStyle`), and these pin the exact text it must keep producing.
@Suite struct RecordTimestampTests {
    @Test func writesUTCWithMilliseconds() {
        let date = Date(timeIntervalSince1970: 1_795_857_876.25)
        #expect(RunRecord.timestamp(date) == "2026-11-28T09:24:36.250Z")
        #expect(RunRecord.timestamp(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
    }

    @Test func readsWhatItWritesAndTimesWithoutFractions() throws {
        let date = Date(timeIntervalSince1970: 1_795_857_876.5)
        let read = try #require(RunRecord.date(fromTimestamp: RunRecord.timestamp(date)))
        #expect(abs(read.timeIntervalSince(date)) < 0.001)
        #expect(RunRecord.date(fromTimestamp: "2026-11-28T09:24:36Z") == Date(timeIntervalSince1970: 1_795_857_876))
    }

    /// Seconds since 1970 of a few record times (leap day, before 1970, a century), by `date -d`.
    @Test(arguments: [
        ("2024-02-29T23:59:59.500Z", 1_709_251_199.5), ("1969-07-20T20:17:40Z", -14_182_940.0),
        ("2100-03-01T00:00:00.000Z", 4_107_542_400.0), ("2000-12-31T12:00:00.5Z", 978_264_000.5),
    ])
    func readsTheInstantItNames(_ text: String, _ seconds: Double) throws {
        let read = try #require(RunRecord.date(fromTimestamp: text))
        #expect(abs(read.timeIntervalSince1970 - seconds) < 0.001)
    }

    @Test(arguments: [
        "", "yesterday", "2026-11-28", "2026-13-01T00:00:00Z", "2026-11-28 09:24:36", "2026-02-30T00:00:00Z",
        "2026-03-04T24:00:00Z",
    ])
    func refusesWhatIsNotATimestamp(_ text: String) {
        #expect(RunRecord.date(fromTimestamp: text) == nil)
    }
}
