import Foundation
import Testing

@testable import TutorDocument

/// Learn pages in `docs/external-id/customers/` include `../includes/applies-to-external-only.md`,
/// one folder above the page (MicrosoftDocs/entra-docs, docs/external-id/customers/
/// tutorial-web-app-python-flask-prepare-tenant.md); the docset root is the folder with `docfx.json`.
@Suite("Includes resolve up to the docset root")
struct DocsetRootTests {
    /// A temporary docset: `root/docfx.json`, `root/includes/note.md`, `root/customers/t.md`
    /// holding `include` at line 5, and `outside.md` next to the root.
    static func docset(including include: String) throws -> (base: URL, page: String) {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("tutor-docset-\(UUID().uuidString)")
        let root = base.appendingPathComponent("root")
        for folder in ["includes", "customers"] {
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try Data("{}\n".utf8).write(to: root.appendingPathComponent("docfx.json"))
        try Data("Applies to external tenants.\n".utf8).write(to: root.appendingPathComponent("includes/note.md"))
        try Data("outside text\n".utf8).write(to: base.appendingPathComponent("outside.md"))
        let page = root.appendingPathComponent("customers/t.md")
        try Data("# T\n\n## S\n\n[!INCLUDE [n](\(include))]\n".utf8).write(to: page)
        return (base, page.path)
    }

    @Test func oneFolderUpUnderTheDocfxRootIsAllowed() throws {
        let (base, page) = try Self.docset(including: "../includes/note.md")
        defer { try? FileManager.default.removeItem(at: base) }
        let tutorial = try TutorialParser().parse(path: page)
        #expect(tutorial.steps.map(\.title) == ["S"])
    }

    @Test func leavingTheDocfxRootIsRefusedAtTheIncludeLine() throws {
        let (base, page) = try Self.docset(including: "../../outside.md")
        defer { try? FileManager.default.removeItem(at: base) }
        #expect {
            _ = try TutorialParser().parse(path: page)
        } throws: { error in
            guard let error = error as? DocumentError, case .invalid(let diagnostics) = error else { return false }
            return error.exitStatus == .dataError
                && diagnostics.map(\.message) == ["include path '../../outside.md' leaves the tutorial's folder"]
                && diagnostics.first?.location.line == 5
                && diagnostics.first?.location.file.hasSuffix("customers/t.md") == true
        }
    }

    @Test func theNearestDocfxFolderWins() throws {
        let (base, page) = try Self.docset(including: "../includes/note.md")
        defer { try? FileManager.default.removeItem(at: base) }
        let customers = PathText.directory(of: page)
        try Data("{}\n".utf8).write(to: URL(fileURLWithPath: customers + "/docfx.json"))
        #expect(IncludeResolver.docsetRoot(above: customers) == customers)
        #expect(throws: DocumentError.self) { _ = try TutorialParser().parse(path: page) }
    }
}
