/// The bytes of one Markdown file with a table of line starts, for positions and raw lines.
struct SourceText: Sendable {
    /// The file's bytes (front matter blanked out once it has been read).
    var bytes: [UInt8]
    /// Byte offset where each line starts; line n (1-based) starts at `lineStarts[n - 1]`.
    let lineStarts: [Int]

    init(bytes: [UInt8]) {
        self.bytes = bytes
        var starts = [0]
        starts.reserveCapacity(bytes.count / 32 + 1)
        bytes.withUnsafeBufferPointer { buffer in
            for offset in 0..<buffer.count where buffer[offset] == UInt8(ascii: "\n") {
                starts.append(offset + 1)
            }
        }
        self.lineStarts = starts
    }

    /// Number of lines (a final newline does not start another line).
    var lineCount: Int {
        if let last = lineStarts.last, last == bytes.count, lineStarts.count > 1 { return lineStarts.count - 1 }
        return lineStarts.count
    }

    /// The bytes of line `number` (1-based) without its line ending; empty outside the file.
    func line(_ number: Int) -> ArraySlice<UInt8> {
        guard number >= 1, number <= lineStarts.count else { return [] }
        let start = lineStarts[number - 1]
        var end = number < lineStarts.count ? lineStarts[number] - 1 : bytes.count
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return bytes[start..<max(start, end)]
    }

    /// Line and 1-based byte column of a byte offset.
    func position(ofOffset offset: Int) -> (line: Int, column: Int) {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return (low + 1, offset - lineStarts[low] + 1)
    }

    /// What keeps bytes from being a tutorial's text: not UTF-8, or a NUL byte.
    enum EncodingProblem: Equatable {
        /// A UTF-16 byte-order mark at the start.
        case utf16ByteOrderMark
        /// A byte that cannot start or continue a UTF-8 character, at an offset.
        case invalidUTF8(offset: Int, byte: UInt8)
        /// A NUL byte (typical of UTF-16 text without a byte-order mark), at an offset.
        case nul(offset: Int)

        var offset: Int {
            switch self {
            case .utf16ByteOrderMark: return 0
            case .invalidUTF8(let offset, _), .nul(let offset): return offset
            }
        }

        var message: String {
            switch self {
            case .utf16ByteOrderMark:
                return "file is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8"
            case .invalidUTF8(_, let byte):
                return
                    "file is not UTF-8 text (byte 0x\(String(byte, radix: 16, uppercase: true)) cannot start or continue a character)"
            case .nul: return "file contains a NUL byte: it is not UTF-8 text (UTF-16 saved without a byte-order mark?)"
            }
        }
    }

    /// The UTF-8 byte-order mark, which a file may start with (it is read as blanks).
    static let utf8ByteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// The first reason `bytes` are not UTF-8 text without NULs, or nil when they are.
    static func firstEncodingProblem(_ bytes: [UInt8]) -> EncodingProblem? {
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) { return .utf16ByteOrderMark }
        let nul = bytes.firstIndex(of: 0)
        let invalid = firstInvalidUTF8Offset(bytes)
        switch (nul, invalid) {
        case (let nul?, let invalid?):
            return nul < invalid ? .nul(offset: nul) : .invalidUTF8(offset: invalid, byte: bytes[invalid])
        case (let nul?, nil): return .nul(offset: nul)
        case (nil, let invalid?): return .invalidUTF8(offset: invalid, byte: bytes[invalid])
        case (nil, nil): return nil
        }
    }

    /// Offset of the first byte that is not valid UTF-8, or nil when the whole text is valid.
    static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var minimum: UInt32
            var scalar: UInt32
            switch byte {
            case 0xC2...0xDF:
                length = 2
                minimum = 0x80
                scalar = UInt32(byte & 0x1F)
            case 0xE0...0xEF:
                length = 3
                minimum = 0x800
                scalar = UInt32(byte & 0x0F)
            case 0xF0...0xF4:
                length = 4
                minimum = 0x10000
                scalar = UInt32(byte & 0x07)
            default: return index
            }
            guard index + length <= count else { return index }
            for next in 1..<length {
                let continuation = bytes[index + next]
                guard continuation & 0xC0 == 0x80 else { return index }
                scalar = scalar << 6 | UInt32(continuation & 0x3F)
            }
            if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return index }
            index += length
        }
        return nil
    }
}

extension ArraySlice where Element == UInt8 {
    /// The slice without leading and trailing spaces and tabs.
    var trimmingBlanks: ArraySlice<UInt8> {
        var slice = self
        while let first = slice.first, first == 0x20 || first == 0x09 { slice = slice.dropFirst() }
        while let last = slice.last, last == 0x20 || last == 0x09 || last == 0x0D { slice = slice.dropLast() }
        return slice
    }

    /// Whether the slice holds only spaces and tabs.
    var isBlank: Bool { trimmingBlanks.isEmpty }

    /// The slice as a string.
    var text: String { String(decoding: self, as: UTF8.self) }
}
