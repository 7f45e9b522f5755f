import Foundation
import Testing
import TutorSupport

@testable import TutorDocument

/// Inputs that cost far more to read than their size suggests are refused up front.
@Suite("Document limits: YAML aliases, encodings, sizes")
struct DocumentLimitsTests {
    /// Nine levels of nine aliases: 382 bytes that expand to 9^9 scalars.
    @Test func aBillionLaughsFrontMatterFailsFast() {
        let start = ContinuousClock.now
        let diagnostics = FixtureFiles.diagnostics("bad/yaml-bomb.md")
        #expect(
            diagnostics == [
                "bad/yaml-bomb.md:3:4: error: front matter uses the YAML anchor '&a': anchors and aliases are not allowed (they let a few bytes expand without bound)"
            ])
        #expect(ContinuousClock.now - start < .seconds(1))
    }

    @Test func anAliasInAnIncludedFilesFrontMatterIsRefusedToo() throws {
        let folder = try TemporaryFolder()
        try folder.write("inc/x.md", "---\nbase: &b {k: v}\nother: *b\n---\nText.\n")
        try folder.write("t.md", "# T\n\n## S\n\n[!INCLUDE [x](inc/x.md)]\n")
        let diagnostics = folder.diagnostics("t.md")
        #expect(
            diagnostics == [
                "inc/x.md:2:7: error: front matter uses the YAML anchor '&b': anchors and aliases are not allowed (they let a few bytes expand without bound)"
            ])
    }

    @Test func utf16WithoutAByteOrderMarkIsRefused() {
        #expect(
            FixtureFiles.diagnostics("bad/utf16-no-bom.md") == [
                "bad/utf16-no-bom.md:1:2: error: file contains a NUL byte: it is not UTF-8 text (UTF-16 saved without a byte-order mark?)"
            ])
    }

    @Test func aNulByteIsRefusedWhereItIs() {
        let bytes = Array("# T\n\n## Step\n\nab".utf8) + [0] + Array("c\n".utf8)
        #expect(
            FixtureFiles.diagnostics(bytes: bytes) == [
                "bad/in-memory.md:5:3: error: file contains a NUL byte: it is not UTF-8 text (UTF-16 saved without a byte-order mark?)"
            ])
    }

    @Test func aUTF16ByteOrderMarkIsRefused() {
        let bytes: [UInt8] = [0xFF, 0xFE] + Array("# T\n".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        #expect(
            FixtureFiles.diagnostics(bytes: bytes) == [
                "bad/in-memory.md:1:1: error: file is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8"
            ])
    }

    @Test func invalidUTF8IsRefusedAtTheFirstBadByte() {
        let bytes = Array("# T\n\n## Step\n\nok ".utf8) + [0xC3, 0x28] + Array("\n".utf8)
        #expect(
            FixtureFiles.diagnostics(bytes: bytes) == [
                "bad/in-memory.md:5:4: error: file is not UTF-8 text (byte 0xC3 cannot start or continue a character)"
            ])
    }

    @Test func aUTF8ByteOrderMarkIsTolerated() throws {
        let bytes = SourceText.utf8ByteOrderMark + Array("---\ntitle: X\n---\n# Title\n\n## Step\n".utf8)
        let parsed = try TutorialParser().parse(bytes: bytes, path: FixtureFiles.path("good/bom.md"))
        #expect(parsed.title == "Title")
        #expect(parsed.frontMatter.first?.key == "title")
        #expect(parsed.steps.map(\.location.line) == [6])
    }

    @Test func aFileOverTheCapIsRefusedBeforeParsing() throws {
        let folder = try TemporaryFolder()
        let line = String(repeating: "word ", count: 20) + "\n"
        let big =
            "# T\n\n## S\n\n" + String(repeating: line, count: TutorialParser.maximumFileBytes / line.utf8.count + 1)
        try folder.write("big.md", big)
        #expect(
            folder.diagnostics("big.md") == [
                "big.md:1:1: error: file is larger than 256 KiB, the most tutor reads in one Markdown file"
            ])
    }

    @Test func includesOverTheTutorialCapAreRefused() throws {
        let folder = try TemporaryFolder()
        let line = String(repeating: "word ", count: 20) + "\n"
        // 200 KiB, under the file cap; included six times it passes the 1 MiB tutorial cap.
        try folder.write("inc/part.md", String(repeating: line, count: 200 * 1024 / line.utf8.count))
        let includes = (1...6).map { _ in "[!INCLUDE [p](inc/part.md)]\n" }.joined(separator: "\n")
        try folder.write("t.md", "# T\n\n## S\n\n" + includes)
        let diagnostics = folder.diagnostics("t.md", withChains: true)
        #expect(
            diagnostics == [
                "inc/part.md:1:1: error: the tutorial and its includes come to more than 1 MiB, the most tutor reads for one tutorial; this file is not read (included from t.md:15:1)"
            ])
    }
}

/// A scratch folder for tutorials written by a test; removed when the value goes away.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("tutor-doc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func write(_ relative: String, _ text: String) throws {
        let file = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(
            at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
    }

    /// Diagnostics with paths relative to the folder (and the include chain when asked).
    func diagnostics(_ relative: String, withChains: Bool = false) -> [String] {
        func short(_ path: String) -> String {
            path.hasPrefix(url.path + "/") ? String(path.dropFirst(url.path.count + 1)) : path
        }
        do {
            _ = try TutorialParser().parse(path: url.appendingPathComponent(relative).path)
            return []
        } catch DocumentError.invalid(let diagnostics) {
            return diagnostics.map { diagnostic in
                let location = diagnostic.location
                var text = "\(short(location.file)):\(location.line):\(location.column): error: \(diagnostic.message)"
                if withChains, let site = location.includeChain.last {
                    text += " (included from \(short(site.file)):\(site.line):\(site.column))"
                }
                return text
            }
        } catch {
            return ["unexpected error: \(error)"]
        }
    }
}
