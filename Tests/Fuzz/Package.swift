// swift-tools-version: 6.1
// A libFuzzer target for the document parser, kept out of the main package so that the normal
// `swift build` never sees `-sanitize=fuzzer`. Built and run by `Tests/Fuzz/run`.
import Foundation
import PackageDescription

// A path dependency is named after its folder, which differs between checkouts.
let rootFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
let rootIdentity = rootFolder.lastPathComponent.lowercased()

let package = Package(
    name: "TutorFuzz",
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(
            name: "DocumentFuzzer",
            dependencies: [.product(name: "TutorDocument", package: rootIdentity)],
            path: "DocumentFuzzer",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
        // Template manifests and Mustache files (TutorScaffold), run after the document fuzzer.
        .executableTarget(
            name: "TemplateFuzzer",
            dependencies: [.product(name: "TutorScaffold", package: rootIdentity)],
            path: "TemplateFuzzer",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
    ],
    swiftLanguageModes: [.v6]
)
