// swift-tools-version: 6.1
import PackageDescription

#if os(Linux)
    import Glibc

    /// Relative relocations packed as DT_RELR (lld's `-z pack-relative-relocs`): the executable's
    /// 180,000 of them take 26 KB instead of 3 MB, which every start reads and keeps resident.
    /// glibc reads the format from 2.36 on (Debian 12); an older one would refuse the binary.
    let packedRelocations: [LinkerSetting] = {
        var text = [CChar](repeating: 0, count: 64)  // "glibc 2.36"
        guard confstr(Int32(_CS_GNU_LIBC_VERSION), &text, text.count) > 0 else { return [] }
        let version = String(cString: text).split(whereSeparator: { $0 == " " || $0 == "." }).compactMap { Int($0) }
        guard version.count >= 2, version[0] > 2 || (version[0] == 2 && version[1] >= 36) else { return [] }
        return [.unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"])]
    }()
#else
    let packedRelocations: [LinkerSetting] = []
#endif

let package = Package(
    name: "tutor",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tutor", targets: ["tutor"]),
        .library(name: "TutorDocument", targets: ["TutorDocument"]),
        .library(name: "TutorRunner", targets: ["TutorRunner"]),
        .library(name: "TutorSandbox", targets: ["TutorSandbox"]),
        .library(name: "TutorScaffold", targets: ["TutorScaffold"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.20.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.15.0"),
        .package(url: "https://github.com/apple/swift-crypto", "4.1.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.14.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.7.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
    ],
    targets: [
        // C libraries. libcurl and libarchive are opened on first use (CLazyLibrary), so that a
        // command that needs neither does not map and relocate their 40-odd dependencies.
        .target(name: "CLazyLibrary"),
        .target(name: "CCurl", dependencies: ["CLazyLibrary"]),
        .target(name: "CArchive", dependencies: ["CLazyLibrary"]),
        .systemLibrary(
            name: "CCmarkGFM", pkgConfig: "libcmark-gfm",
            providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]),

        // Shared building blocks: JSON values, atomic files, exit codes.
        .target(name: "TutorSupport"),
        // DocFX Markdown → `Tutorial` (steps, requests, inputs, outputs).
        .target(
            name: "TutorDocument",
            dependencies: [
                "CCmarkGFM", "TutorSupport",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // `record.json` and `secrets.json`: the record, its typed states, the lock, the writer, the redactor.
        .target(name: "TutorRecord", dependencies: ["TutorSupport"]),
        // HTTP over libcurl.
        .target(name: "TutorHTTP", dependencies: ["CCurl", "TutorSupport"]),
        // Executes a `Tutorial` against a tenant: sign-in, retries, record, resume.
        .target(
            name: "TutorRunner",
            dependencies: ["TutorDocument", "TutorHTTP", "TutorRecord", "TutorSupport"]),
        // Docs-author mode: many tutorials, cleanup, failure classes, reports.
        .target(
            name: "TutorVerify",
            dependencies: ["TutorRunner", "TutorRecord", "TutorDocument", "TutorSupport"]),
        // A Microsoft Entra External ID tenant on loopback: Graph subset and CIAM sign-in.
        .target(
            name: "TutorSandbox",
            dependencies: [
                "TutorSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ]),
        // Template → files → directory or archive.
        .target(
            name: "TutorScaffold",
            dependencies: [
                "CArchive", "TutorRecord", "TutorSupport",
                .product(name: "Mustache", package: "swift-mustache"),
            ]),
        // The command line as a library: one file per subcommand, runnable in-process by tests.
        .target(
            name: "TutorCLI",
            dependencies: [
                "TutorDocument", "TutorHTTP", "TutorRecord", "TutorRunner", "TutorSandbox", "TutorScaffold",
                "TutorSupport",
                "TutorVerify",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // The `tutor` executable: only the entry point.
        // The executable exports only `main`: the Swift runtime's start-up looks itself up with
        // `dladdr`, a scan of every exported symbol (45,000 of them otherwise).
        .executableTarget(
            name: "tutor", dependencies: ["TutorCLI"], exclude: ["exports.map"],
            linkerSettings: [
                .unsafeFlags(
                    ["-Xlinker", "--version-script=\(Context.packageDirectory)/Sources/tutor/exports.map"],
                    .when(platforms: [.linux]))
            ] + packedRelocations),

        // What the test targets share: finding the built `tutor` for the tests that need a real
        // process (a crash, a signal, a terminal); the others run it in-process (`Tutor.capture`).
        .target(name: "TutorTestSupport", dependencies: ["TutorDocument"], path: "Tests/TutorTestSupport"),
        .testTarget(name: "TutorSupportTests", dependencies: ["TutorSupport"]),
        .testTarget(
            name: "TutorCLITests",
            dependencies: ["TutorCLI", "TutorSandbox", "TutorSupport", "TutorTestSupport"]),
        .testTarget(
            name: "TutorDocumentTests", dependencies: ["TutorDocument", "TutorTestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "TutorHTTPTests", dependencies: ["TutorHTTP", "TutorSandbox", "TutorSupport", "CLazyLibrary"]),
        .testTarget(
            name: "TutorRunnerTests",
            dependencies: [
                "TutorRunner", "TutorRecord", "TutorSandbox", "TutorDocument", "TutorVerify", "TutorTestSupport",
            ]),
        .testTarget(
            name: "TutorVerifyTests",
            dependencies: [
                "TutorVerify", "TutorRecord", "TutorRunner", "TutorSandbox", "TutorDocument", "TutorTestSupport",
                "TutorCLI",
            ],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "TutorSandboxTests",
            dependencies: [
                "TutorSandbox", "TutorHTTP", "TutorTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),
        .testTarget(
            name: "TutorScaffoldTests",
            dependencies: ["TutorScaffold", "TutorSupport", "CArchive", "TutorTestSupport"],
            resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
