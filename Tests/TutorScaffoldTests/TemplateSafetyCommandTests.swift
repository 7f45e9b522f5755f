import Foundation
import Testing
import TutorSupport

@testable import TutorScaffold

/// Hostile templates through the real `tutor render`: each is refused with exit 65 and a message
/// naming the place, the process does not crash, and nothing appears at `--out` (folder, archive,
/// or standard output).
@Suite("tutor render: hostile templates")
struct TemplateSafetyCommandTests {
    /// A manifest with one variable A and the given files (`path: render kind`, in this order).
    static func manifest(_ files: [(path: String, render: String)]) -> String {
        let entries = files.map { #"{"path": "\#($0.path)", "source": "\#($0.path)", "render": \#($0.render)}"# }
        return #"{"formatVersion": 1, "name": "t", "variables": [{"name": "A", "rule": "non-empty"}], "files": ["#
            + entries.joined(separator: ", ") + "]}"
    }

    static let outputs = ["app", "app.tar", "app.tar.gz", "app.zip", "-"]

    /// Renders the template in `folder/template` to each output in turn; checks the exit status,
    /// that `message` is in standard error, and that the folder and standard output are untouched.
    static func expectRefusal(in folder: URL, status: TutorSupport.ExitStatus = .dataError, message: String) throws {
        let before = TestSupport.listing(folder)
        for out in outputs {
            let result = try TestSupport.runTutor(
                ["render", "--template", "template", "--var", "A=value", "--out", out], currentDirectory: folder)
            #expect(result.status == status.rawValue, "\(out): \(result.error)")
            #expect(result.error.contains(message), "\(out): \(result.error)")
            #expect(result.output.isEmpty, "\(out): something was written to standard output")
            #expect(TestSupport.listing(folder) == before, "\(out): the folder changed")
        }
    }

    @Test func threeThousandNestedSectionsExit65WithoutCrashing() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let deep =
            String(repeating: "{{#A}}\n", count: 3000) + "{{A}}" + String(repeating: "\n{{/A}}", count: 3000)
        _ = try TestSupport.makeTemplate(
            in: folder, manifest: Self.manifest([("a.txt", "false"), ("deep.txt", "\"text\"")]),
            files: ["a.txt": "plain", "deep.txt": deep])
        try Self.expectRefusal(
            in: folder, message: "template/files/deep.txt:101:1: error: sections nest deeper than 100 levels")
    }

    /// The link targets: a file only root can read, and a folder outside the template.
    static let secretFile = FileManager.default.fileExists(atPath: "/etc/shadow") ? "/etc/shadow" : "/etc/passwd"

    struct LinkCase: CustomTestStringConvertible, Sendable {
        var name: String
        /// The link's path inside the template folder, and what it points at.
        var link: String
        var target: String
        /// A listed source to read through it, when the link is in the way of one.
        var source: String?
        var testDescription: String { name }
    }

    static let linkCases: [LinkCase] = [
        LinkCase(name: "source file", link: "files/b.txt", target: secretFile, source: "b.txt"),
        LinkCase(name: "folder on the way", link: "files/etc", target: "/etc", source: "etc/passwd"),
        LinkCase(name: "relative link inside", link: "files/b.txt", target: "a.txt", source: "b.txt"),
        LinkCase(name: "unlisted link", link: "files/stray", target: secretFile),
        LinkCase(name: "the manifest", link: "template.json", target: "real.json"),
    ]

    @Test(arguments: linkCases)
    func symbolicLinksAreRefusedAndNothingIsWritten(linkCase: LinkCase) throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var files: [(path: String, render: String)] = [("a.txt", "false")]
        if let source = linkCase.source { files.append((source, "false")) }
        let template = try TestSupport.makeTemplate(
            in: folder, manifest: Self.manifest(files), files: ["a.txt": "plain"])
        if linkCase.link == "template.json" {
            try FileManager.default.moveItem(
                at: template.appendingPathComponent("template.json"), to: template.appendingPathComponent("real.json"))
        }
        try FileManager.default.createSymbolicLink(
            atPath: template.appendingPathComponent(linkCase.link).path, withDestinationPath: linkCase.target)
        try Self.expectRefusal(
            in: folder, message: "template/\(linkCase.link): error: is a symbolic link")
    }

    @Test func aSourceSwappedForALinkAfterTheCheckIsStillRefused() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let template = try TestSupport.makeTemplate(
            in: folder, manifest: Self.manifest([("a.txt", "false")]), files: ["a.txt": "plain"])
        let project = try ProjectTemplate(folder: template)
        // The folder was clean when the template was opened; the read itself must not follow.
        let source = template.appendingPathComponent("files/a.txt")
        try FileManager.default.removeItem(at: source)
        try FileManager.default.createSymbolicLink(atPath: source.path, withDestinationPath: Self.secretFile)
        let error = try #require(throws: ScaffoldError.self) { try project.render(values: ["A": "x"]) }
        #expect(error.description.contains("files/a.txt: error: is a symbolic link"), "\(error)")
    }

    @Test func aFIFOSourceIsRefusedWithoutBlocking() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let template = try TestSupport.makeTemplate(
            in: folder, manifest: Self.manifest([("a.txt", "false"), ("pipe", "false")]), files: ["a.txt": "plain"])
        #expect(mkfifo(template.appendingPathComponent("files/pipe").path, 0o644) == 0)
        try Self.expectRefusal(in: folder, message: "template/files/pipe: error: is not a regular file")
    }

    @Test func aTemplateErrorAfterOtherFilesRenderedLeavesNothing() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // a.txt and b.txt render; c.txt, last in the manifest and by path, asks for an undeclared name.
        _ = try TestSupport.makeTemplate(
            in: folder, manifest: Self.manifest([("a.txt", "\"text\""), ("b.txt", "false"), ("c.txt", "\"text\"")]),
            files: ["a.txt": "A is {{A}}", "b.txt": "plain", "c.txt": "{{A}} and {{UNDECLARED}}"])
        try Self.expectRefusal(in: folder, message: "uses {{UNDECLARED}}, which the manifest does not declare")
    }

    @Test func theSameTemplateWithoutTheErrorRenders() throws {
        // The control for the refusals above: the templates are otherwise fine.
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try TestSupport.makeTemplate(
            in: folder, manifest: Self.manifest([("a.txt", "\"text\""), ("b.txt", "false")]),
            files: ["a.txt": "A is {{A}}", "b.txt": "plain"])
        let result = try TestSupport.runTutor(
            ["render", "--template", "template", "--var", "A=value", "--out", "app"], currentDirectory: folder)
        #expect(result.status == 0, "\(result.error)")
        #expect(try String(contentsOf: folder.appendingPathComponent("app/a.txt"), encoding: .utf8) == "A is value")
    }
}
