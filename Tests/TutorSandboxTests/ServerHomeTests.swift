import Foundation
import SwiftASN1
import Testing
import TutorSupport
import TutorTestSupport
import X509

@testable import TutorSandbox

/// A fresh folder under the temporary directory, removed by the caller.
func makeTemporaryFolder(_ name: String) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tutor-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

func fileMode(_ url: URL) throws -> Int {
    try #require(FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int)
}

@Suite("Sandbox home and certificates")
struct ServerHomeTests {
    @Test("The default home follows XDG_STATE_HOME, else ~/.local/state")
    func defaultHome() {
        #expect(
            SandboxHome.defaultHome(environment: ["XDG_STATE_HOME": "/x/state", "HOME": "/home/a"]).url.path
                == "/x/state/tutor/sandbox")
        #expect(
            SandboxHome.defaultHome(environment: ["HOME": "/home/a"]).url.path == "/home/a/.local/state/tutor/sandbox")
        #expect(
            SandboxHome.defaultHome(environment: ["XDG_STATE_HOME": "relative", "HOME": "/home/a"]).url.path
                == "/home/a/.local/state/tutor/sandbox")
    }

    @Test("Preparing a home makes it 0700 with 0600 keys, secret and state, and info JSON says so")
    func prepareHome() async throws {
        let parent = try makeTemporaryFolder("home")
        defer { try? FileManager.default.removeItem(at: parent) }
        let home = SandboxHome(url: parent.appendingPathComponent("nested/sandbox"))
        let info = try await SandboxInfo.load(home: home)
        #expect(try fileMode(home.url) == 0o700)
        for file in [
            home.stateFile, home.adminClientSecretFile, home.url.appendingPathComponent("ca-key.pem"),
            home.url.appendingPathComponent("server-key.pem"), home.tenantFile,
        ] {
            #expect(try fileMode(file) == 0o600, "\(file.lastPathComponent)")
        }
        #expect(info.running == false)
        #expect(info.port == 8443)
        #expect(info.graphURL == "https://localhost:8443")
        #expect(info.authority == "https://localhost:8443/\(info.tenantId)")
        #expect(info.domain == "\(info.subdomain).onmicrosoft.com")
        #expect(info.caFile == home.caCertificateFile.path)
        #expect(info.adminClientSecretFile == home.adminClientSecretFile.path)
        #expect(info.home == home.url.path)
        let secret = try home.readAdminClientSecret()
        #expect(secret.count == 40)

        let json = try JSONValue.parse(info.jsonText())
        let keys = json.objectMembers?.map(\.key) ?? []
        #expect(
            keys == [
                "tenantId", "subdomain", "domain", "graphURL", "authority", "caFile", "adminClientId",
                "adminClientSecretFile", "home", "port", "running",
            ])
        #expect(!info.jsonText().contains(secret))

        // A second look changes nothing.
        let again = try await SandboxInfo.load(home: home)
        #expect(again == info)
        #expect(try home.readAdminClientSecret() == secret)
    }

    @Test("Six `tutor sandbox info` started at once on a new home agree on one tenant")
    func concurrentPreparation() async throws {
        // Processes, as users start them (`serve` in one terminal, `info` or `run` in another);
        // `swift build --build-tests` puts `tutor` beside the test bundle.
        let tutor = try TutorExecutable.url()
        let folder = try makeTemporaryFolder("race")
        defer { try? FileManager.default.removeItem(at: folder) }
        let home = SandboxHome(url: folder.appendingPathComponent("home"))
        var processes: [(Process, URL)] = []
        for index in 0..<6 {
            let output = folder.appendingPathComponent("info-\(index).json")
            FileManager.default.createFile(atPath: output.path, contents: nil)
            let process = Process()
            process.executableURL = tutor
            process.arguments = ["sandbox", "info", "--home", home.url.path]
            process.standardOutput = try FileHandle(forWritingTo: output)
            try process.run()
            processes.append((process, output))
        }
        var tenantIds: [String] = []
        for (process, output) in processes {
            while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
            #expect(process.terminationStatus == 0)
            let info = try JSONValue.parse(Data(contentsOf: output))
            tenantIds.append(try #require(info["tenantId"]?.stringValue))
        }
        #expect(Set(tenantIds).count == 1)
        #expect(try home.loadIdentity()?.tenantId == tenantIds.first)
    }

    @Test("A wide home is tightened to 0700")
    func tightenHome() throws {
        let folder = try makeTemporaryFolder("wide")
        defer { try? FileManager.default.removeItem(at: folder) }
        chmod(folder.path, 0o755)
        try SandboxHome(url: folder).prepare()
        #expect(try fileMode(folder) == 0o700)
    }

    @Test("A corrupt tenant file is a clear error, not a silent reset")
    func corruptHome() async throws {
        let folder = try makeTemporaryFolder("corrupt")
        defer { try? FileManager.default.removeItem(at: folder) }
        let home = SandboxHome(url: folder)
        _ = try await SandboxInfo.load(home: home)
        try Data("{not json".utf8).write(to: home.tenantFile)
        await #expect(throws: SandboxError.self) { _ = try await SandboxInfo.load(home: home) }
        #expect(FileManager.default.fileExists(atPath: home.stateFile.path))
    }

    @Test("Reset forgets the tenant but keeps the CA")
    func reset() async throws {
        let folder = try makeTemporaryFolder("reset")
        defer { try? FileManager.default.removeItem(at: folder) }
        let home = SandboxHome(url: folder)
        let before = try await SandboxInfo.load(home: home)
        let ca = try Data(contentsOf: home.caCertificateFile)
        try home.reset()
        #expect(!FileManager.default.fileExists(atPath: home.stateFile.path))
        #expect(!FileManager.default.fileExists(atPath: home.adminClientSecretFile.path))
        let after = try await SandboxInfo.load(home: home)
        #expect(after.tenantId != before.tenantId)
        #expect(try Data(contentsOf: home.caCertificateFile) == ca)
    }

    @Test("Certificates are minted once with the loopback names, then reused")
    func certificates() throws {
        let folder = try makeTemporaryFolder("certs")
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try SandboxCertificates.loadOrMint(in: folder)
        let ca = try Data(contentsOf: first.caCertificateFile)
        let server = try Data(contentsOf: first.serverCertificateFile)
        let second = try SandboxCertificates.loadOrMint(in: folder)
        #expect(try Data(contentsOf: second.caCertificateFile) == ca)
        #expect(try Data(contentsOf: second.serverCertificateFile) == server)
        #expect(try fileMode(first.serverKeyFile) == 0o600)

        let pems = try PEMDocument.parseMultiple(pemString: String(decoding: server, as: UTF8.self))
        #expect(pems.count == 2)
        let leaf = try Certificate(pemDocument: pems[0])
        let authority = try Certificate(pemEncoded: String(decoding: ca, as: UTF8.self))
        #expect(leaf.issuer == authority.subject)
        #expect(authority.publicKey.isValidSignature(leaf.signature, for: leaf))
        let names = try #require(try leaf.extensions.subjectAlternativeNames)
        #expect(names.contains(.dnsName("localhost")))
        #expect(names.contains(.ipAddress(.init(contentBytes: [127, 0, 0, 1]))))
        #expect(names.count == 3)
        #expect(try authority.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: 0))
    }

    @Test("A server certificate that does not match the CA is minted again")
    func reMint() throws {
        let folder = try makeTemporaryFolder("remint")
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try SandboxCertificates.loadOrMint(in: folder)
        try Data("garbage".utf8).write(to: first.serverCertificateFile)
        _ = try SandboxCertificates.loadOrMint(in: folder)
        let text = try String(contentsOf: first.serverCertificateFile, encoding: .utf8)
        #expect(text.contains("BEGIN CERTIFICATE"))
    }
}
