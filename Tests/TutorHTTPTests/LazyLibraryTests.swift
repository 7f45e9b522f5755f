import CLazyLibrary
import Foundation
import Testing
import TutorSupport

/// libcurl and libarchive are opened on first use (`CLazyLibrary`); what happens when that fails
/// decides the message a user sees, so the loader is tested against libraries that are not there.
@Suite struct LazyLibraryTests {
    /// Calls the loader with `names` and returns its message (nil when everything resolved).
    private func load(_ soname: String, _ names: [String]) -> (error: String?, resolved: Int) {
        var error = [CChar](repeating: 0, count: 512)
        var slots = [UnsafeMutableRawPointer?](repeating: nil, count: names.count)
        let cNames: [UnsafeMutablePointer<CChar>?] = names.map { strdup($0) }
        defer { cNames.forEach { free($0) } }
        let namePointers = cNames.map { UnsafePointer<CChar>($0) }
        let message = namePointers.withUnsafeBufferPointer { names in
            tutor_lazy_library_load(soname, names.baseAddress, &slots, names.count, &error, error.count)
        }
        return (message.map { String(cString: $0) }, slots.compactMap { $0 }.count)
    }

    @Test func aMissingLibraryIsNamedInTheMessage() {
        let outcome = load("libtutor-no-such-library.so.7", ["anything"])
        #expect(outcome.error?.contains("libtutor-no-such-library.so.7") == true)
        #expect(outcome.resolved == 0)
    }

    @Test func aMissingFunctionIsNamedInTheMessage() {
        let outcome = load("libc.so.6", ["strlen", "tutor_no_such_function"])
        #expect(outcome.error == "libc.so.6 has no function tutor_no_such_function")
    }

    @Test func everyFunctionFoundLeavesNoMessage() {
        let outcome = load("libc.so.6", ["strlen", "memcpy"])
        #expect(outcome.error == nil)
        #expect(outcome.resolved == 2)
    }

    @Test func aMissingLibraryEndsTheCommandWith69AndSaysWhatToInstall() {
        let missing = MissingLibrary(
            library: "libcurl", purpose: "to reach the tenant", debianPackage: "libcurl4",
            reason: "libcurl.so.4: cannot open shared object file: No such file or directory")
        #expect(missing.exitStatus == .unavailable)
        #expect(missing.description.contains("tutor needs libcurl to reach the tenant"))
        #expect(missing.description.contains("apt install libcurl4"))
        #expect(missing.description.contains("cannot open shared object file"))
    }

}
