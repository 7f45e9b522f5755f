import Foundation
import TutorSupport

/// The sandbox tenant's directory: its objects, kept in memory and, with a state file, saved
/// atomically (0600) after every change before the change is acknowledged.
///
/// Saves are grouped (a group commit): a change is applied in memory at once, and one writer,
/// off the actor, saves the latest state while the next changes are applied; every change waits
/// until a save that holds it is on disk. Saving inside the actor, one change at a time with two
/// fsyncs each, made the writes of parallel runs queue behind each other (17 tutorials at once
/// spent about 1.5 s of 12 s there). Other requests may read a change a moment before it is on
/// disk; when a save fails, every change not yet on disk is undone and each of their requests
/// fails, so no change that was acknowledged is ever lost and none that failed is kept.
public actor TenantDirectory {
    var state: TenantState
    let stateFile: URL?
    /// Objects under replication lag: id or appId → the moment other requests may see them.
    var hiddenUntil: [String: ContinuousClock.Instant] = [:]
    /// The state as last saved, and how many changes it holds (`appliedChanges` counts all).
    private var savedState: TenantState
    private var savedChanges = 0
    private var appliedChanges = 0
    /// Changes waiting for a save: how many changes the state held when each was applied.
    private var waitingForSave: [(changes: Int, continuation: CheckedContinuation<Void, any Error>)] = []
    private var saving = false
    /// Saves written so far (tests check that parallel changes share them).
    private(set) var savesWritten = 0
    /// Saves block on fsync: they run here, never on the Swift concurrency pool.
    private static let saveQueue = DispatchQueue(label: "tutor.sandbox.state-save")

    /// A directory over `state`; `stateFile` nil keeps it in memory only.
    public init(state: TenantState, stateFile: URL?) {
        self.state = WellKnownGraph.refreshed(state)
        self.savedState = self.state
        self.stateFile = stateFile
    }

    /// Reads a state file; a file that is not a tenant state is `SandboxError.corruptStateFile`.
    public static func loadState(from url: URL) throws -> TenantState {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw SandboxError.unreadableStateFile(path: url.path, reason: error.localizedDescription)
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let state: TenantState
        do {
            state = try decoder.decode(TenantState.self, from: data)
        } catch {
            throw SandboxError.corruptStateFile(path: url.path, reason: describe(error))
        }
        guard state.formatVersion == TenantState.currentFormatVersion else {
            throw SandboxError.corruptStateFile(
                path: url.path,
                reason: "format version \(state.formatVersion), this tutor reads \(TenantState.currentFormatVersion)")
        }
        return state
    }

    /// Opens the tenant saved in `stateFile`, or saves and opens `makeState()` when there is none.
    public static func open(stateFile: URL, orCreate makeState: () -> TenantState) throws -> TenantDirectory {
        if FileManager.default.fileExists(atPath: stateFile.path) {
            return TenantDirectory(state: try loadState(from: stateFile), stateFile: stateFile)
        }
        let state = makeState()
        try save(state, to: stateFile)
        return TenantDirectory(state: state, stateFile: stateFile)
    }

    /// The tenant id.
    public var tenantId: String { state.organization.id }
    /// The subdomain (`{subdomain}.onmicrosoft.com`).
    public var subdomain: String { state.organization.subdomain }
    /// A copy of the whole state.
    public var snapshot: TenantState { state }

    // MARK: - Used by the identity side (ignore replication lag)

    /// The application with this appId.
    public func application(appId: String) -> SandboxApplication? {
        state.applications.first { $0.appId.equalsIgnoringCase(appId) }
    }

    /// Whether the application has a service principal in this tenant.
    public func hasServicePrincipal(appId: String) -> Bool {
        servicePrincipal(appId: appId) != nil
    }

    /// Whether `secret` is one of the application's unexpired client secrets.
    public func verifyClientSecret(appId: String, secret: String) -> Bool {
        guard let app = application(appId: appId) else { return false }
        let now = Date()
        return app.passwordCredentials.contains {
            $0.startDateTime <= now.addingTimeInterval(300) && $0.endDateTime > now
                && SecretHasher.verify(secret, against: $0.secretHash)
        }
    }

    /// The user flow the application belongs to, if any.
    public func userFlow(forAppId appId: String) -> SandboxUserFlow? {
        state.userFlows.first { flow in
            flow.includeApplications.contains { $0.equalsIgnoringCase(appId) }
        }
    }

    /// The user with this email when `password` is theirs.
    public func verifyUserPassword(email: String, password: String) -> SandboxUser? {
        guard let user = user(email: email), SecretHasher.verify(password, against: user.passwordHash) else {
            return nil
        }
        return user
    }

    /// Whether a user signs in with this email.
    public func userExists(email: String) -> Bool { user(email: email) != nil }

    /// The user with this object id.
    public func user(id: String) -> SandboxUser? {
        state.users.first { $0.id.equalsIgnoringCase(id) }
    }

    /// Creates a local account (sign-up); the password is stored hashed.
    public func createLocalUser(
        email: String, password: String, displayName: String, attributes: [String: String]
    ) async throws -> SandboxUser {
        let email = email.trimmingCharacters(in: .whitespaces)
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !email.contains(" ") else {
            throw SandboxError.invalidUser(reason: "\(email) is not an email address")
        }
        guard !password.isEmpty else { throw SandboxError.invalidUser(reason: "the password is empty") }
        guard !userExists(email: email) else { throw SandboxError.userExists(email: email) }
        let id = Self.newGUID()
        let user = SandboxUser(
            id: id, displayName: displayName.isEmpty ? String(parts[0]) : displayName, mail: email,
            userPrincipalName: "\(id)@\(state.organization.initialDomain)", userType: "Member",
            signInType: "emailAddress", createdDateTime: Self.wholeSecond(Date()), attributes: attributes,
            passwordHash: SecretHasher.hashPassword(password), isAdministrator: false)
        try await commit { $0.users.append(user) }
        return user
    }

    /// The application role values the client's service principal holds on the resource.
    public func appRoles(clientAppId: String, resourceAppId: String) -> Set<String> {
        guard let client = servicePrincipal(appId: clientAppId), let resource = servicePrincipal(appId: resourceAppId)
        else { return [] }
        let ids = Set(client.appRoleAssignments.filter { $0.resourceId == resource.id }.map(\.appRoleId))
        return Set(resource.appRoles.filter { ids.contains($0.id) }.map(\.value))
    }

    /// The delegated scopes granted to the client on the resource for all users (admin consent).
    public func delegatedScopes(clientAppId: String, resourceAppId: String) -> Set<String> {
        delegatedScopes(clientAppId: clientAppId, resourceAppId: resourceAppId, userId: nil)
    }

    /// The delegated scopes granted for all users, plus those one user consented to.
    public func delegatedScopes(clientAppId: String, resourceAppId: String, userId: String?) -> Set<String> {
        guard let client = servicePrincipal(appId: clientAppId), let resource = servicePrincipal(appId: resourceAppId)
        else { return [] }
        var scopes = Set<String>()
        for grant in state.oauth2PermissionGrants where grant.clientId == client.id && grant.resourceId == resource.id {
            if grant.consentType == "AllPrincipals" || (userId != nil && grant.principalId == userId) {
                scopes.formUnion(grant.scope.split(separator: " ").map(String.init))
            }
        }
        return scopes
    }

    // MARK: - Internals

    func servicePrincipal(appId: String) -> SandboxServicePrincipal? {
        state.servicePrincipals.first { $0.appId.equalsIgnoringCase(appId) }
    }

    func user(email: String) -> SandboxUser? {
        state.users.first {
            $0.mail.equalsIgnoringCase(email)
                || $0.userPrincipalName.equalsIgnoringCase(email)
        }
    }

    /// Applies `change` and returns once a save holds it; keeps the old state if `change`
    /// throws, and undoes it (with every change not yet saved) if the save fails.
    @discardableResult
    func commit<T>(_ change: (inout TenantState) throws -> T) async throws -> T {
        var next = state
        let result = try change(&next)
        state = next
        guard let stateFile else { return result }
        appliedChanges += 1
        let mine = appliedChanges
        try await withCheckedThrowingContinuation { continuation in
            waitingForSave.append((mine, continuation))
            if !saving {
                saving = true
                Task { await self.saveWhileBehind(to: stateFile) }
            }
        }
        return result
    }

    /// Saves the latest state until every applied change is saved, answering the changes each
    /// save holds; a failed save undoes every change not yet saved and fails their waits.
    private func saveWhileBehind(to stateFile: URL) async {
        while savedChanges < appliedChanges {
            let snapshot = state
            let changes = appliedChanges
            let outcome: Result<Void, any Error> = await withCheckedContinuation { continuation in
                Self.saveQueue.async {
                    continuation.resume(returning: Result { try Self.save(snapshot, to: stateFile) })
                }
            }
            let answered: [CheckedContinuation<Void, any Error>]
            switch outcome {
            case .success:
                savesWritten += 1
                savedState = snapshot
                savedChanges = changes
                answered = waitingForSave.filter { $0.changes <= changes }.map(\.continuation)
                waitingForSave.removeAll { $0.changes <= changes }
                for continuation in answered { continuation.resume() }
            case .failure(let error):
                state = savedState
                savedChanges = appliedChanges
                answered = waitingForSave.map(\.continuation)
                waitingForSave = []
                for continuation in answered { continuation.resume(throwing: error) }
            }
        }
        saving = false
    }

    static func save(_ state: TenantState, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        do {
            let data = try encoder.encode(state)
            try AtomicFile.write(data, to: url, permissions: 0o600)
        } catch let error as AtomicFile.WriteError {
            throw SandboxError.cannotPersist(path: url.path, reason: error.reason)
        } catch {
            throw SandboxError.cannotPersist(path: url.path, reason: "\(error)")
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context):
            return context.underlyingError.map { "not JSON: \($0.localizedDescription)" }
                ?? "invalid data at \(path(context.codingPath)): \(context.debugDescription)"
        case DecodingError.keyNotFound(let key, let context):
            return "missing \(path(context.codingPath + [key]))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "unexpected value at \(path(context.codingPath)): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }

    private static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.isEmpty
            ? "the top level"
            : codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
