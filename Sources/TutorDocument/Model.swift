import TutorSupport

/// A place in a tutorial's files: path, 1-based line and column, and the includes that led there.
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file, as a path relative to the current directory when the tutorial was named that way.
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column (in UTF-8 bytes, as cmark counts them).
    public var column: Int
    /// The `[!INCLUDE]` directives that led to this file, outermost first.
    public var includeChain: [IncludeSite]

    public init(file: String, line: Int, column: Int, includeChain: [IncludeSite] = []) {
        self.file = file
        self.line = line
        self.column = column
        self.includeChain = includeChain
    }

    /// `file:line:column`.
    public var description: String { "\(file):\(line):\(column)" }

    /// `file:line`, for records and reports.
    public var fileAndLine: String { "\(file):\(line)" }
}

/// Where an `[!INCLUDE]` directive stands: the including file and its position.
public struct IncludeSite: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file that holds the directive.
    public var file: String
    /// 1-based line of the directive.
    public var line: Int
    /// 1-based column of the directive.
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`.
    public var description: String { "\(file):\(line):\(column)" }
}

/// A parsed, validated tutorial: its steps in order, its inputs and its outputs.
public struct Tutorial: Sendable {
    /// The top-level Markdown file, as given.
    public var path: String
    /// SHA-256 of the top-level file's bytes, lowercase hex.
    public var sha256: String
    /// The H1 title (or the front matter's `title`).
    public var title: String
    /// The YAML front matter as JSON values (empty when there is none).
    public var frontMatter: [JSONValue.JSONMember]
    /// The H2 sections, in document order.
    public var steps: [Step]
    /// Parameters of the tutorial, with defaults and validation.
    public var inputs: [InputDeclaration]
    /// Values handed to the template once the run is done.
    public var outputs: [OutputDeclaration]
    /// Warnings found while reading (the document is still usable).
    public var warnings: [DocumentDiagnostic]

    public init(
        path: String, sha256: String, title: String, frontMatter: [JSONValue.JSONMember], steps: [Step],
        inputs: [InputDeclaration], outputs: [OutputDeclaration], warnings: [DocumentDiagnostic] = []
    ) {
        self.path = path
        self.sha256 = sha256
        self.title = title
        self.frontMatter = frontMatter
        self.steps = steps
        self.inputs = inputs
        self.outputs = outputs
        self.warnings = warnings
    }

    /// Every request of every step, in the order they run.
    public var requests: [RequestBlock] { steps.flatMap(\.requests) }
}

/// One H2 section of the tutorial.
public struct Step: Sendable {
    /// The heading text.
    public var title: String
    /// Where the heading is.
    public var location: SourceLocation
    /// The executable requests of the section (through includes), in order.
    public var requests: [RequestBlock]

    public init(title: String, location: SourceLocation, requests: [RequestBlock]) {
        self.title = title
        self.location = location
        self.requests = requests
    }

    /// A step with nothing to execute: shown to the reader, not run.
    public var isManual: Bool { requests.isEmpty }
}

/// What a request does to the tenant, judged by its method.
public enum RequestEffect: String, Sendable, Codable {
    /// GET or HEAD.
    case reads
    /// POST, PUT or PATCH.
    case writes
    /// DELETE.
    case deletes

    /// The effect of an HTTP method.
    public init(method: String) {
        switch method.uppercased() {
        case "GET", "HEAD", "OPTIONS": self = .reads
        case "DELETE": self = .deletes
        default: self = .writes
        }
    }
}

/// One header line of a request, possibly holding `{{variables}}`.
public struct HeaderTemplate: Sendable, Hashable {
    /// Header name as written.
    public var name: String
    /// Header value template.
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// An executable HTTP request from a ```http block marked `{"blockType": "request"}`.
public struct RequestBlock: Sendable {
    /// Unique id within the tutorial.
    public var name: String
    /// Where the code block starts (the fence line).
    public var location: SourceLocation
    /// HTTP method, uppercase.
    public var method: String
    /// URL template as written (a Learn URL such as `https://graph.microsoft.com/v1.0/…`).
    public var url: String
    /// Header templates, in order.
    public var headers: [HeaderTemplate]
    /// Body template (JSON text with `{{variables}}`), if any.
    public var body: String?
    /// The expected response from the `response` block that follows, if any.
    public var expectation: ResponseExpectation?
    /// Values captured from the response.
    public var captures: [Capture]
    /// Names of captured variables that are secrets.
    public var secrets: Set<String>
    /// The get-or-create check that makes the request idempotent.
    public var lookup: Lookup?
    /// When to retry beyond the defaults.
    public var retry: RetryRule?
    /// How to delete what this request created.
    public var cleanup: CleanupRule?
    /// Graph permissions the request needs (any one of them suffices).
    public var scopes: [String]
    /// Every variable the request uses (URL, headers, body, lookup, cleanup, expectation), sorted.
    public var variables: [String]
    /// `"skipIfCaptured": true`: the request is not sent when every variable it captures already
    /// has a value (an include finds what an earlier include of the same page made).
    public var skipIfCaptured = false

    public init(
        name: String, location: SourceLocation, method: String, url: String, headers: [HeaderTemplate] = [],
        body: String? = nil, expectation: ResponseExpectation? = nil, captures: [Capture] = [],
        secrets: Set<String> = [], lookup: Lookup? = nil, retry: RetryRule? = nil, cleanup: CleanupRule? = nil,
        scopes: [String] = [], variables: [String] = []
    ) {
        self.name = name
        self.location = location
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.expectation = expectation
        self.captures = captures
        self.secrets = secrets
        self.lookup = lookup
        self.retry = retry
        self.cleanup = cleanup
        self.scopes = scopes
        self.variables = variables
    }

    /// Whether the request reads, writes or deletes.
    public var effect: RequestEffect { RequestEffect(method: method) }
}

/// The response a request is expected to give.
public struct ResponseExpectation: Sendable {
    /// Where the `response` block is.
    public var location: SourceLocation
    /// Expected HTTP status.
    public var status: Int
    /// Expected headers (subset, values may hold `{{variables}}`).
    public var headers: [HeaderTemplate]
    /// Expected body as JSON text with `{{variables}}`, matched as a subset; `"*"` matches any value.
    public var body: String?

    public init(location: SourceLocation, status: Int, headers: [HeaderTemplate] = [], body: String? = nil) {
        self.location = location
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Where a captured value comes from.
public enum CaptureSource: Sendable, Hashable {
    /// A JSONPath into the response body, e.g. `$.value[0].id`, parsed when the tutorial is read.
    case body(jsonPath: JSONPath)
    /// A response header, e.g. `Location`.
    case header(name: String)
}

/// A value taken from a response into a variable.
public struct Capture: Sendable, Hashable {
    /// The variable that receives the value.
    public var variable: String
    /// Where the value is taken from (see `JSONPath` for the subset a body path may use).
    public var source: CaptureSource
    /// A regular expression applied to the value found: the variable gets capture group 1 if the
    /// expression has one, else the whole match; no match means the capture does not resolve.
    public var pattern: String? {
        didSet { matcher = Self.compile(pattern) }
    }
    /// `pattern` compiled (nil when there is none or it is outside the supported subset, which the
    /// parser reports as an error). The runner evaluates this: `matcher.capturedValue(in:)`.
    public private(set) var matcher: InputPattern?

    public init(variable: String, source: CaptureSource, pattern: String? = nil) {
        self.variable = variable
        self.source = source
        self.pattern = pattern
        self.matcher = Self.compile(pattern)
    }

    static func compile(_ pattern: String?) -> InputPattern? {
        pattern.flatMap { try? InputPattern($0) }
    }
}

/// A GET that finds the object if it already exists; when it does, the request is not sent
/// and the captures come from the lookup's response instead.
public struct Lookup: Sendable {
    /// URL template of the GET.
    public var url: String
    /// Captures taken from the lookup's response; the object exists when all of them resolve.
    public var captures: [Capture]

    public init(url: String, captures: [Capture]) {
        self.url = url
        self.captures = captures
    }
}

/// When a request is retried beyond the default transient-failure policy
/// (for example replication lag right after a create).
public struct RetryRule: Sendable, Hashable {
    /// HTTP statuses that are retried.
    public var statuses: [Int]
    /// Graph error codes that are retried (e.g. `NoBackingApplicationObject`).
    public var errorCodes: [String]
    /// Upper bound on the time spent retrying, if the tutorial sets one.
    public var maxSeconds: Double?

    public init(statuses: [Int] = [], errorCodes: [String] = [], maxSeconds: Double? = nil) {
        self.statuses = statuses
        self.errorCodes = errorCodes
        self.maxSeconds = maxSeconds
    }
}

/// The request that deletes what a request created.
public struct CleanupRule: Sendable, Hashable {
    /// HTTP method, usually DELETE.
    public var method: String
    /// URL template.
    public var url: String
    /// A short name of the resource kind, e.g. `application`, for reports.
    public var resourceType: String?

    public init(method: String = "DELETE", url: String, resourceType: String? = nil) {
        self.method = method
        self.url = url
        self.resourceType = resourceType
    }
}

/// A parameter of the tutorial.
public struct InputDeclaration: Sendable, Hashable {
    /// Variable name.
    public var name: String
    /// Default value, if any; an input without a default must be given with `--var`.
    public var defaultValue: String?
    /// A regular expression the whole value must match, if any.
    public var pattern: String? {
        didSet { matcher = Capture.compile(pattern) }
    }
    /// `pattern` compiled (nil when there is none or it is outside the supported subset, which the
    /// parser reports as an error). The runner evaluates this: `matcher.matches(value)`.
    public private(set) var matcher: InputPattern?
    /// What the input is for.
    public var description: String?
    /// Where it is declared.
    public var location: SourceLocation

    public init(
        name: String, defaultValue: String? = nil, pattern: String? = nil, description: String? = nil,
        location: SourceLocation
    ) {
        self.name = name
        self.defaultValue = defaultValue
        self.pattern = pattern
        self.matcher = Capture.compile(pattern)
        self.description = description
        self.location = location
    }
}

/// A value handed to the template after a run, e.g. `CLIENT_ID = {{clientId}}`.
public struct OutputDeclaration: Sendable, Hashable {
    /// Output name (the template's variable).
    public var name: String
    /// Value template with `{{variables}}`.
    public var value: String
    /// Whether the value is a secret (it uses a secret variable).
    public var isSecret: Bool
    /// Where it is declared.
    public var location: SourceLocation

    public init(name: String, value: String, isSecret: Bool, location: SourceLocation) {
        self.name = name
        self.value = value
        self.isSecret = isSecret
        self.location = location
    }
}

/// Severity of a document diagnostic.
public enum DiagnosticSeverity: String, Sendable, Codable {
    case error
    case warning
}

/// A problem found in a tutorial, at a place in its files.
public struct DocumentDiagnostic: Sendable, Hashable, CustomStringConvertible {
    /// Where the problem is.
    public var location: SourceLocation
    /// Error or warning.
    public var severity: DiagnosticSeverity
    /// What is wrong, in words a docs author can act on.
    public var message: String

    public init(location: SourceLocation, severity: DiagnosticSeverity = .error, message: String) {
        self.location = location
        self.severity = severity
        self.message = message
    }

    /// `file:line:column: error: message`, then one `included from file:line:column` line per include.
    public var description: String {
        var text = "\(location): \(severity.rawValue): \(message)"
        for site in location.includeChain.reversed() {
            text += "\n  included from \(site)"
        }
        return text
    }
}

/// Why a tutorial could not be loaded.
public enum DocumentError: Error, CustomStringConvertible, ExitStatusProviding {
    /// The file cannot be opened (missing, a directory, unreadable).
    case cannotOpen(path: String, reason: String)
    /// The document has errors; all of them are listed.
    case invalid([DocumentDiagnostic])

    /// Every diagnostic, one per line (with include chains).
    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "\(path): error: cannot open: \(reason)"
        case .invalid(let diagnostics): return diagnostics.map(\.description).joined(separator: "\n")
        }
    }

    /// 66 when the file cannot be opened, 65 for a document with errors.
    public var exitStatus: ExitStatus {
        switch self {
        case .cannotOpen: return .noInput
        case .invalid: return .dataError
        }
    }
}
