import Foundation
import Testing

@testable import TutorSupport

@Suite struct JSONValueTests {
    @Test func keepsMemberOrderAndRoundTrips() throws {
        let text = #"{"b":1,"a":[true,null,"x\"y"],"c":{"d":1.5}}"#
        let value = try JSONValue.parse(text)
        #expect(value.serialized() == text)
        #expect(value["c"]?["d"]?.numberValue == 1.5)
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "\"\\x\"", "tru", "1 2"])
    func rejectsInvalidText(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    /// RFC 8259 §7: `\u` takes exactly four hex digits; a sign is not one.
    @Test(arguments: [#""\u+041""#, #""\u-041""#, #""\u 041""#, #""\u04""#, #""\u0G41""#])
    func refusesMalformedUnicodeEscapes(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test func decodesSurrogatePairs() throws {
        #expect(try JSONValue.parse(#""\ud83d\ude00""#) == .string("😀"))
    }
}

@Suite struct AtomicFileTests {
    @Test func replacesWithExactMode() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("secrets.json")
        try AtomicFile.write(Data("one".utf8), to: file, permissions: 0o600)
        try AtomicFile.write(Data("two".utf8), to: file, permissions: 0o600)
        #expect(try String(contentsOf: file, encoding: .utf8) == "two")
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["secrets.json"])
    }
}

@Suite struct HexadecimalTests {
    @Test func writesTwoLowerCaseDigitsPerByte() {
        #expect(Hexadecimal.encode([UInt8]()) == "")
        #expect(Hexadecimal.encode([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
        #expect(
            Hexadecimal.encode(Array(0...255).map(UInt8.init)) == (0...255).map { String(format: "%02x", $0) }.joined())
    }
}
