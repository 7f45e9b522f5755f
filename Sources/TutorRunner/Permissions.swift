import Foundation
import Synchronization
import TutorDocument

/// The permission pre-flight: compares the token's roles or scopes with the `scopes` each request declares.
public enum PermissionCheck {
    /// Whether `granted` satisfies `needed` (a `ReadWrite` permission also grants the matching `Read`).
    public static func satisfies(_ granted: Set<String>, _ needed: String) -> Bool {
        if granted.contains(needed) { return true }
        if needed.contains(".Read.") {
            return granted.contains(needed.replacingOccurrences(of: ".Read.", with: ".ReadWrite."))
        }
        return false
    }

    /// The requests of `tutorial` (optionally only those named in `only`) whose scopes the token does not hold.
    public static func missing(in tutorial: Tutorial, granted: Set<String>, only: Set<String>? = nil)
        -> [MissingPermission]
    {
        var missing: [MissingPermission] = []
        for step in tutorial.steps {
            for request in step.requests where !request.scopes.isEmpty {
                if let only, !only.contains(request.name) { continue }
                if request.scopes.contains(where: { satisfies(granted, $0) }) { continue }
                missing.append(
                    MissingPermission(
                        step: step.title, request: request.name, scopes: request.scopes,
                        source: request.location.fileAndLine))
            }
        }
        return missing
    }

    /// Every scope any request names, sorted (asked for in a device-code sign-in).
    public static func requestedScopes(of tutorial: Tutorial) -> [String] {
        Array(Set(tutorial.requests.flatMap(\.scopes))).sorted()
    }
}

/// Set by SIGINT; the runner checks it between requests.
public final class InterruptFlag: Sendable {
    private let raised = Mutex(false)

    /// A flag that is not raised.
    public init() {}

    /// Raises the flag.
    public func raise() {
        raised.withLock { $0 = true }
    }

    /// Whether the flag was raised.
    public var isRaised: Bool {
        raised.withLock { $0 }
    }
}
