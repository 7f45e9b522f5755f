import Crypto
import Foundation
import TutorSandbox
import TutorSupport

/// A rendered Flask project: a folder with app.py, .env and requirements.txt, and what its
/// .env says about where it runs and which tenant it signs in with.
struct FlaskProject: Sendable {
    /// The project folder.
    var folder: URL
    /// The sign-in authority (.env AUTHORITY), e.g. `https://localhost:8443/<tenant id>`.
    var authority: URL
    /// Where the app listens: the port of .env REDIRECT_URI (5000, Flask's, when it names none).
    var port: Int
    /// The CA bundle .env names for Python (REQUESTS_CA_BUNDLE), set for a sandbox tenant.
    var caBundle: String?

    /// Reads the project in `folder`; a missing file or setting is a usage error naming it.
    init(folder: URL) throws {
        self.folder = folder
        for name in ["app.py", ".env", "requirements.txt"]
        where !FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path) {
            throw AppError.notAProject(folder: folder.path, missing: name)
        }
        let envFile = folder.appendingPathComponent(".env")
        let settings = Self.parseDotEnv(try String(contentsOf: envFile, encoding: .utf8))
        guard let authorityText = settings["AUTHORITY"], let authority = URL(string: authorityText),
            authority.host != nil
        else { throw AppError.setting(file: envFile.path, name: "AUTHORITY", problem: "is missing or not a URL") }
        guard let redirectText = settings["REDIRECT_URI"], let redirect = URLComponents(string: redirectText),
            redirect.host != nil
        else {
            throw AppError.setting(file: envFile.path, name: "REDIRECT_URI", problem: "is missing or not a URL")
        }
        self.authority = authority
        self.port = redirect.port ?? 5000
        self.caBundle = settings["REQUESTS_CA_BUNDLE"]
    }

    /// Whether the tenant is tutor's sandbox (an authority on loopback).
    var usesSandbox: Bool {
        ["localhost", "127.0.0.1"].contains(authority.host?.lowercased() ?? "")
    }

    /// The sandbox port the authority names (443 when it names none).
    var sandboxPort: Int { authority.port ?? 443 }

    /// The tenant, by id or domain: the authority's first path component.
    var tenantId: String? { authority.pathComponents.dropFirst().first }

    /// The sandbox home the project was rendered from: `explicit`, else the folder of the CA
    /// bundle .env names when it is a home (holds tenant.json), else `fallback`.
    func sandboxHome(explicit: SandboxHome?, fallback: SandboxHome) -> SandboxHome {
        if let explicit { return explicit }
        if let caBundle {
            let home = SandboxHome(url: URL(fileURLWithPath: caBundle).deletingLastPathComponent())
            if FileManager.default.fileExists(atPath: home.tenantFile.path) { return home }
        }
        return fallback
    }

    /// The SHA-256 of requirements.txt, hex: the virtual environment is rebuilt when it changes.
    func requirementsHash() throws -> String {
        let data = try Data(contentsOf: folder.appendingPathComponent("requirements.txt"))
        return Hexadecimal.encode(SHA256.hash(data: data))
    }

    /// `KEY=VALUE` lines of a .env file (python-dotenv's common subset): comments and blank
    /// lines skipped, an optional `export `, values in single or double quotes unquoted.
    static func parseDotEnv(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for rawLine in text.split(whereSeparator: \.isNewline) {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)) }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "'" || first == "\"", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            values[key] = value
        }
        return values
    }
}

/// What stops `tutor app`, worded so the user can act on it.
enum AppError: Error, CustomStringConvertible, ExitStatusProviding {
    /// The folder lacks a file of a rendered project.
    case notAProject(folder: String, missing: String)
    /// A .env setting is missing or unusable.
    case setting(file: String, name: String, problem: String)
    /// The project was rendered from another sandbox tenant than the home holds.
    case otherTenant(home: String, projectTenant: String, homeTenant: String)
    /// Creating the virtual environment or installing the requirements failed.
    case install(command: String, status: String)
    /// The app exited by itself.
    case appExited(status: String)

    var description: String {
        switch self {
        case .notAProject(let folder, let missing):
            "error: \(folder) is not a rendered project: it has no \(missing) (render one with `tutor run TUTORIAL --out DIR` or `tutor render`)"
        case .setting(let file, let name, let problem):
            "error: \(file): \(name) \(problem)"
        case .otherTenant(let home, let projectTenant, let homeTenant):
            "error: the project signs in to sandbox tenant \(projectTenant), but the home \(home) holds tenant \(homeTenant); pass the home it was rendered from with --sandbox-home DIR"
        case .install(let command, let status):
            "error: `\(command)` failed (\(status)); fix it and run tutor app again"
        case .appExited(let status):
            "error: the app stopped by itself (\(status))"
        }
    }

    var exitStatus: ExitStatus {
        switch self {
        case .notAProject: .noInput
        case .setting, .otherTenant: .usage
        case .install: .unavailable
        case .appExited: .stepFailed
        }
    }
}
