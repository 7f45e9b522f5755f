import Foundation
import TutorDocument

/// A folder with a few include files, so that fuzzed documents can reach the include machinery
/// (good includes, a cycle, a nested chain) as well as the missing-file and escaping paths.
let fuzzFolder: String = {
    let folder = NSTemporaryDirectory() + "tutor-fuzz-\(getpid())"
    let files = [
        "includes/a.md": "Text A.\n\n[!INCLUDE [b](b.md)]\n",
        "includes/b.md":
            "<!-- {\"blockType\": \"request\", \"name\": \"b\", \"capture\": {\"x\": \"$.id\"}} -->\n```http\nGET https://graph.microsoft.com/v1.0/organization\n```\n",
        "includes/cycle.md": "[!INCLUDE [self](cycle.md)]\n",
        "includes/inputs.md": "<!-- {\"blockType\": \"inputs\"} -->\n```json\n{\"name\": \"value\"}\n```\n",
        "includes/front.md":
            "---\ntitle: included\ninputs: {fromInclude: {default: x, pattern: \"[a-z]+\"}}\n---\nText.\n",
    ]
    for (name, text) in files {
        let path = folder + "/" + name
        try? FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    }
    return folder
}()

/// libFuzzer's entry point: parse the bytes as a tutorial, then render its plan both ways.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTutorialParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let tutorial = try TutorialParser().parse(bytes: bytes, path: fuzzFolder + "/fuzz.md")
        let plan = TutorialPlan(tutorial)
        _ = plan.text()
        _ = plan.json().serialized(pretty: true)
    } catch let error as DocumentError {
        _ = error.description
    } catch {
        fatalError("TutorialParser threw something other than DocumentError: \(error)")
    }
    return 0
}

/// libFuzzer's driver (from the fuzzer runtime that `-sanitize=fuzzer` links).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

/// SwiftPM links an executable's `main` to `<module>_main`; hand control to libFuzzer from there
/// (libFuzzer's own `main` is then not linked in).
@_cdecl("DocumentFuzzer_main")
public func documentFuzzerMain(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { data, size in fuzzTutorialParser(data, size) }
}
