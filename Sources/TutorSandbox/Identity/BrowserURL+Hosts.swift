extension BrowserURL {
    /// IPv4 hosts as browsers read them: one to four parts, each decimal, octal (`0…`) or
    /// hexadecimal (`0x…`), the last part filling the remaining bytes (`127.1`, `2130706433`).
    enum IPv4 {
        static func parse(_ domain: [UInt8]) -> UInt32? {
            var parts = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            if parts.last?.isEmpty == true, parts.count > 1 { parts.removeLast() }
            guard parts.count <= 4 else { return nil }
            var numbers: [UInt64] = []
            for part in parts {
                guard let number = number(part) else { return nil }
                numbers.append(number)
            }
            guard let last = numbers.last, numbers.dropLast().allSatisfy({ $0 <= 255 }),
                last < UInt64(1) << (8 * (5 - numbers.count))
            else { return nil }
            var address = last
            for (position, number) in numbers.dropLast().enumerated() {
                address += number << (8 * (3 - position))
            }
            return UInt32(address)
        }

        /// One part's value (saturating far above 2³²), or nil when it is not a number.
        static func number(_ part: ArraySlice<UInt8>) -> UInt64? {
            guard !part.isEmpty else { return nil }
            var digits = part
            var radix: UInt64 = 10
            if digits.count >= 2, digits.first == UInt8(ascii: "0"),
                digits.dropFirst().first.map({ $0 | 0x20 == UInt8(ascii: "x") }) == true
            {
                radix = 16
                digits = digits.dropFirst(2)
            } else if digits.count >= 2, digits.first == UInt8(ascii: "0") {
                radix = 8
                digits = digits.dropFirst()
            }
            var value: UInt64 = 0
            for byte in digits {
                guard let digit = BrowserURL.hexValue(byte).map(UInt64.init), digit < radix else { return nil }
                value = min(value * radix + digit, UInt64(1) << 40)
            }
            return value
        }

        static func serialize(_ address: UInt32) -> String {
            (0..<4).map { String((address >> (8 * (3 - $0))) & 0xFF) }.joined(separator: ".")
        }
    }

    /// IPv6 hosts, with `::` compression and an IPv4 tail, serialized in the canonical short form.
    enum IPv6 {
        static func parse(_ input: ArraySlice<UInt8>) -> [UInt16]? {
            let bytes = Array(input)
            var address = [UInt16](repeating: 0, count: 8)
            var pieceIndex = 0
            var compress: Int?
            var pointer = 0
            func at(_ offset: Int) -> UInt8? { offset < bytes.count ? bytes[offset] : nil }
            let colon = UInt8(ascii: ":")
            if at(0) == colon {
                guard at(1) == colon else { return nil }
                pointer = 2
                pieceIndex = 1
                compress = 1
            }
            while let current = at(pointer) {
                guard pieceIndex < 8 else { return nil }
                if current == colon {
                    guard compress == nil else { return nil }
                    pointer += 1
                    pieceIndex += 1
                    compress = pieceIndex
                    continue
                }
                var value: UInt16 = 0
                var length = 0
                while length < 4, let digit = at(pointer).flatMap(BrowserURL.hexValue) {
                    value = value * 16 + UInt16(digit)
                    pointer += 1
                    length += 1
                }
                if at(pointer) == UInt8(ascii: ".") {
                    guard length > 0, pieceIndex <= 6 else { return nil }
                    pointer -= length
                    guard let tail = ipv4Tail(bytes[pointer...]) else { return nil }
                    address[pieceIndex] = tail.high
                    address[pieceIndex + 1] = tail.low
                    pieceIndex += 2
                    pointer = bytes.count
                    break
                }
                if at(pointer) == colon {
                    pointer += 1
                    guard at(pointer) != nil else { return nil }
                } else if at(pointer) != nil {
                    return nil
                }
                address[pieceIndex] = value
                pieceIndex += 1
            }
            if let compress {
                var swaps = pieceIndex - compress
                pieceIndex = 7
                while pieceIndex != 0, swaps > 0 {
                    address.swapAt(pieceIndex, compress + swaps - 1)
                    pieceIndex -= 1
                    swaps -= 1
                }
            } else if pieceIndex != 8 {
                return nil
            }
            return address
        }

        /// Four decimal parts without leading zeros, each at most 255.
        static func ipv4Tail(_ bytes: ArraySlice<UInt8>) -> (high: UInt16, low: UInt16)? {
            let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            var values: [UInt16] = []
            for part in parts {
                guard !part.isEmpty, part.count <= 3, part.allSatisfy(BrowserURL.isDigit),
                    part.count == 1 || part.first != UInt8(ascii: "0"),
                    let value = UInt16(String(decoding: part, as: UTF8.self)), value <= 255
                else { return nil }
                values.append(value)
            }
            return (values[0] << 8 | values[1], values[2] << 8 | values[3])
        }

        static func serialize(_ address: [UInt16]) -> String {
            // The first longest run of two or more zero pieces becomes `::`.
            var compress: Int?
            var longest = 1
            var start = 0
            while start < 8 {
                var end = start
                while end < 8, address[end] == 0 { end += 1 }
                if end - start > longest {
                    longest = end - start
                    compress = start
                }
                start = max(end, start + 1)
            }
            var output = ""
            var ignoreZero = false
            for index in 0..<8 {
                if ignoreZero, address[index] == 0 { continue }
                ignoreZero = false
                if compress == index {
                    output += index == 0 ? "::" : ":"
                    ignoreZero = true
                    continue
                }
                output += String(address[index], radix: 16)
                if index != 7 { output += ":" }
            }
            return output
        }
    }
}
