/// Percent-encoding (RFC 3986) for values in URLs and forms.
public enum PercentEncoding {
    /// Percent-encodes everything but RFC 3986 unreserved characters.
    public static func unreserved(_ value: String) -> String {
        encode(value) { byte in
            isASCIIAlphanumeric(byte) || "-._~".utf8.contains(byte)
        }
    }

    /// Encodes the characters a URL may not hold (spaces, quotes, non-ASCII) in literal URL text,
    /// as written on Learn (`$filter=displayName eq 'x'`), keeping reserved characters and `%XX`.
    public static func urlLiteral<S: StringProtocol>(_ text: S) -> String {
        encode(text) { byte in
            isASCIIAlphanumeric(byte) || "-._~:/?#[]@!$&'()*+,;=%".utf8.contains(byte)
        }
    }

    private static func isASCIIAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func encode<S: StringProtocol>(_ text: S, keeping keep: (UInt8) -> Bool) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        for byte in text.utf8 {
            if keep(byte) {
                output.append(byte)
            } else {
                output += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
