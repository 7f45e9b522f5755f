import Foundation
import Testing
import TutorSupport

@testable import TutorScaffold

@Suite("Template manifest")
struct ManifestTests {
    static let minimal = """
        {"formatVersion": 1, "name": "t", "variables": [{"name": "A", "rule": "non-empty"}],
         "files": [{"path": "a.txt", "source": "a.txt", "render": "text"}]}
        """

    @Test func theFlaskTemplateManifestIsValid() throws {
        let template = try ProjectTemplate(folder: TestSupport.flaskTemplate)
        let manifest = template.manifest
        #expect(manifest.name == "flask-webapp")
        #expect(
            manifest.variables.map(\.name) == [
                "CLIENT_ID", "CLIENT_SECRET", "AUTHORITY", "REDIRECT_URI", "REQUESTS_CA_BUNDLE",
            ])
        #expect(manifest.variables.first { $0.name == "CLIENT_SECRET" }?.secret == true)
        #expect(manifest.variables.first { $0.name == "REQUESTS_CA_BUNDLE" }?.required == false)
        #expect(manifest.files.first { $0.path == ".env" }?.mode == 0o600)
        #expect(manifest.files.first { $0.path == ".env" }?.rendering == .dotenv)
        // Every Flask/Jinja page is copied, never rendered.
        let pages = manifest.files.filter { $0.path.hasPrefix("templates/") }
        #expect(pages.count >= 3)
        #expect(pages.allSatisfy { $0.rendering == .verbatim })
        // Every listed source exists.
        for file in manifest.files {
            #expect(FileManager.default.fileExists(atPath: template.sourceURL(of: file).path), "\(file.source)")
        }
    }

    @Test func aMinimalManifestParses() throws {
        let manifest = try TemplateManifest.parse(Data(Self.minimal.utf8), origin: "m.json")
        #expect(manifest.files == [.init(path: "a.txt", source: "a.txt", rendering: .text, mode: 0o644)])
        #expect(manifest.variables.first?.required == true)
    }

    @Test(arguments: [
        ("/etc/passwd", "must be relative"),
        ("../outside.txt", "must be relative"),
        ("a/../../outside.txt", "must be relative"),
        ("a/b/../../../x", "must be relative"),
    ])
    func unsafeOutputPathsAreRefused(path: String, message: String) throws {
        let text = Self.minimal.replacingOccurrences(of: "\"path\": \"a.txt\"", with: "\"path\": \"\(path)\"")
        let error = try #require(throws: ScaffoldError.self) {
            try TemplateManifest.parse(Data(text.utf8), origin: "m.json")
        }
        #expect(error.exitStatus == .dataError)
        #expect(error.description.contains(message))
        #expect(error.description.contains(path))
    }

    @Test func unsafeSourcePathsAreRefused() throws {
        let text = Self.minimal.replacingOccurrences(of: "\"source\": \"a.txt\"", with: "\"source\": \"../../secret\"")
        let error = try #require(throws: ScaffoldError.self) {
            try TemplateManifest.parse(Data(text.utf8), origin: "m.json")
        }
        #expect(error.description.contains("stay inside the template's files/ folder"))
    }

    @Test(arguments: [
        (#"{"formatVersion": 2, "name": "t", "files": [{"path": "a"}]}"#, "formatVersion"),
        (#"{"formatVersion": 1, "files": [{"path": "a"}]}"#, "\"name\""),
        (#"{"formatVersion": 1, "name": "t", "files": []}"#, "\"files\""),
        (#"{"formatVersion": 1, "name": "t", "files": [{"path": "a"}, {"path": "./a"}]}"#, "listed twice"),
        (#"{"formatVersion": 1, "name": "t", "files": [{"path": "a"}, {"path": "a/b"}]}"#, "used as a folder"),
        (#"{"formatVersion": 1, "name": "t", "files": [{"path": "a", "mode": "0999"}]}"#, "\"mode\""),
        (#"{"formatVersion": 1, "name": "t", "files": [{"path": "a", "render": "xml"}]}"#, "\"render\""),
        (
            #"{"formatVersion": 1, "name": "t", "variables": [{"name": "A", "rule": "email"}], "files": [{"path": "a"}]}"#,
            "\"rule\" must be one of"
        ),
        (
            #"{"formatVersion": 1, "name": "t", "variables": [{"name": "A-B", "rule": "guid"}], "files": [{"path": "a"}]}"#,
            "\"name\" must be letters"
        ),
        (
            #"{"formatVersion": 1, "name": "t", "variables": [{"name": "A", "rule": "guid"}, {"name": "A", "rule": "guid"}], "files": [{"path": "a"}]}"#,
            "declared twice"
        ),
        (
            #"{"formatVersion": 1, "name": "t", "derived": [{"name": "P", "from": "X", "part": "port"}], "files": [{"path": "a"}]}"#,
            "must name a declared variable"
        ),
        (
            #"{"formatVersion": 1, "name": "t", "verbatimDirectories": ["templates"], "files": [{"path": "templates/x.html", "render": true}]}"#,
            "copied verbatim"
        ),
        ("not json", "invalid JSON"),
    ])
    func invalidManifestsAreRefused(text: String, message: String) throws {
        let error = try #require(throws: ScaffoldError.self) {
            try TemplateManifest.parse(Data(text.utf8), origin: "m.json")
        }
        #expect(error.exitStatus == .dataError)
        #expect(error.description.hasPrefix("m.json: error: invalid template manifest"))
        #expect(error.description.contains(message), "\(error)")
    }

    @Test func aTemplateUsingAnUndeclaredNameIsRefused() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let template = try TestSupport.makeTemplate(
            in: folder, manifest: Self.minimal, files: ["a.txt": "{{A}} and {{TYPO}}\n"])
        let error = try #require(throws: ScaffoldError.self) {
            try ProjectTemplate(folder: template).render(values: ["A": "x"])
        }
        #expect(error.exitStatus == .dataError)
        #expect(error.description.contains("{{TYPO}}"))
    }

    @Test func aMustacheSyntaxErrorNamesTheFileAndLine() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let template = try TestSupport.makeTemplate(
            in: folder, manifest: Self.minimal, files: ["a.txt": "line one\n{{#A}}never closed\n"])
        let error = try #require(throws: ScaffoldError.self) {
            try ProjectTemplate(folder: template).render(values: ["A": "x"])
        }
        #expect(error.exitStatus == .dataError)
        #expect(error.description.contains("a.txt:"))
        #expect(error.description.contains("Mustache syntax"))
    }

    @Test func aMissingSourceFileIsATemplateError() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let template = try TestSupport.makeTemplate(in: folder, manifest: Self.minimal, files: [:])
        let error = try #require(throws: ScaffoldError.self) {
            try ProjectTemplate(folder: template).render(values: ["A": "x"])
        }
        #expect(error.exitStatus == .dataError)
        #expect(error.description.contains("files/a.txt cannot be read"))
    }

    @Test func renderingKindsEscapeAsTheyShould() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let manifest = """
            {"formatVersion": 1, "name": "t", "variables": [{"name": "A", "rule": "non-empty"}],
             "files": [{"path": "t.txt", "render": "text"}, {"path": "h.html", "render": "html"},
                       {"path": "e.env", "render": "dotenv"}, {"path": "v.txt"}]}
            """
        let text = "A={{A}}\n"
        let template = try TestSupport.makeTemplate(
            in: folder, manifest: manifest,
            files: ["t.txt": text, "h.html": text, "e.env": "A='{{A}}'\n", "v.txt": text])
        let files = try ProjectTemplate(folder: template).render(values: ["A": #"<a & 'b' \c>"#])
        let byPath = Dictionary(
            uniqueKeysWithValues: files.map { ($0.path, String(decoding: $0.contents, as: UTF8.self)) })
        #expect(byPath["t.txt"] == #"A=<a & 'b' \c>"# + "\n")
        #expect(byPath["h.html"] == "A=&lt;a &amp; &#39;b&#39; \\c&gt;\n")
        #expect(byPath["e.env"] == #"A='<a & \'b\' \\c>'"# + "\n")
        #expect(byPath["v.txt"] == text)
    }
}
