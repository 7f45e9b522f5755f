import Foundation
import TutorScaffold

/// The names a fuzzed template may use: A (with characters every escaping changes), B, EMPTY (set
/// to nothing) and UNSET (declared without a value, a false section).
let declared: Set<String> = ["A", "B", "EMPTY", "UNSET"]
let values = ["A": "a<&>'\"\\", "B": "b", "EMPTY": ""]
let renderings: [TemplateManifest.Rendering] = [.text, .html, .dotenv]

/// libFuzzer's entry point. The first byte picks what the rest is: a template manifest (as
/// `template.json`) or a Mustache file rendered with one of the escapings. Every failure must be
/// a `ScaffoldError`; a crash, a hang or a stack overflow is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTemplate(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let selector = data[0]
    let rest = Data(UnsafeBufferPointer(start: data + 1, count: size - 1))
    do {
        if selector & 0x80 != 0 {
            let manifest = try TemplateManifest.parse(rest, origin: "template.json")
            for variable in manifest.variables { _ = variable.rule.accepts("fuzz") }
        } else {
            let rendering = renderings[Int(selector) % renderings.count]
            let source = try MustacheSource(data: rest, path: "fuzz.mustache", rendering: rendering)
            _ = try source.render(variables: values, declared: declared)
        }
    } catch let error as ScaffoldError {
        _ = error.description
    } catch {
        fatalError("the template code threw something other than ScaffoldError: \(error)")
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

/// SwiftPM links an executable's `main` to `<module>_main`; hand control to libFuzzer from there.
@_cdecl("TemplateFuzzer_main")
public func templateFuzzerMain(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { data, size in fuzzTemplate(data, size) }
}
