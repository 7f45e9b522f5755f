/// Lower-case hexadecimal text of bytes (a digest, say), two digits a byte. Written out by hand:
/// `String(format: "%02x")` goes through Foundation's formatter once per byte, a measurable part
/// of `tutor plan`.
public enum Hexadecimal {
    private static let digits = Array("0123456789abcdef".utf8)

    /// `[0x0f, 0xa0]` → `"0fa0"`.
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
