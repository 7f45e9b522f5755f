import Foundation
import TutorSupport

/// How a request names an application (or service principal): object id or an alternate key.
enum ObjectKey: Sendable, Equatable {
    case id(String)
    case appId(String)
    case uniqueName(String)

    var text: String {
        switch self {
        case .id(let value), .appId(let value), .uniqueName(let value): return value
        }
    }
}

extension TenantDirectory {
    // MARK: - Replication lag

    /// Makes `keys` (ids, appIds) invisible to Graph reads for `lag`.
    func hide(_ keys: [String], for lag: Duration) {
        guard lag > .zero else { return }
        let until = ContinuousClock.now + lag
        for key in keys { hiddenUntil[key.lowercased()] = until }
    }

    /// Whether `key` is still replicating.
    func isHidden(_ key: String) -> Bool {
        guard !hiddenUntil.isEmpty else { return false }
        let lowered = key.lowercased()
        guard let until = hiddenUntil[lowered] else { return false }
        if ContinuousClock.now >= until {
            hiddenUntil[lowered] = nil
            return false
        }
        return true
    }

    // MARK: - Applications

    /// Applications other requests can see, in creation order.
    func visibleApplications() -> [SandboxApplication] {
        state.applications.filter { !isHidden($0.id) }
    }

    /// The application a key names, if visible.
    func findApplication(_ key: ObjectKey) -> SandboxApplication? {
        let found: SandboxApplication?
        switch key {
        case .id(let id): found = state.applications.first { $0.id.equalsIgnoringCase(id) }
        case .appId(let appId): found = application(appId: appId)
        case .uniqueName(let name):
            found = state.applications.first { $0.uniqueName?.equalsIgnoringCase(name) == true }
        }
        guard let found, !isHidden(found.id) else { return nil }
        return found
    }

    func createApplication(_ properties: [(String, JSONValue)], lag: Duration) async throws -> SandboxApplication {
        var values: [String: JSONValue] = [:]
        for (name, value) in properties { values[name] = value }
        guard let displayName = values["displayName"]?.stringValue,
            !displayName.trimmingCharacters(in: .whitespaces).isEmpty
        else { throw GraphFailure.missing("displayName", "Application") }
        try checkApplicationValues(values, excluding: nil)
        let app = SandboxApplication(
            id: Self.newGUID(), appId: Self.newGUID(), createdDateTime: Self.wholeSecond(Date()),
            properties: values.filter { $0.key != "passwordCredentials" && $0.key != "keyCredentials" },
            passwordCredentials: [])
        hide([app.id, app.appId], for: lag)
        try await commit { $0.applications.append(app) }
        return app
    }

    /// Applies validated properties to an existing application (PATCH).
    func updateApplication(_ key: ObjectKey, _ properties: [(String, JSONValue)]) async throws {
        guard let app = findApplication(key) else { throw GraphFailure.notFound(key.text) }
        var values = app.properties
        for (name, value) in properties {
            if name == "uniqueName", let existing = app.uniqueName, existing != value.stringValue {
                throw GraphFailure.badRequest("Property 'uniqueName' can be set only when the application is created.")
            }
            if name == "displayName", (value.stringValue ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                throw GraphFailure.invalidValue("displayName", "Application")
            }
            values[name] = value
        }
        try checkApplicationValues(values, excluding: app.id)
        try await commit { state in
            guard let index = state.applications.firstIndex(where: { $0.id == app.id }) else { return }
            state.applications[index].properties = values.filter {
                $0.key != "passwordCredentials" && $0.key != "keyCredentials"
            }
            if let name = values["displayName"]?.stringValue,
                let spIndex = state.servicePrincipals.firstIndex(where: { $0.appId == app.appId })
            {
                state.servicePrincipals[spIndex].displayName = name
            }
        }
    }

    /// PATCH on `(uniqueName='…')` with `Prefer: create-if-missing`: creates (true) or updates (false).
    func upsertApplication(uniqueName: String, _ properties: [(String, JSONValue)], lag: Duration) async throws -> (
        created: Bool, application: SandboxApplication
    ) {
        if let existing = findApplication(.uniqueName(uniqueName)) {
            try await updateApplication(.id(existing.id), properties)
            return (false, findApplication(.id(existing.id)) ?? existing)
        }
        if let given = properties.first(where: { $0.0 == "uniqueName" })?.1.stringValue, given != uniqueName {
            throw GraphFailure.badRequest("The uniqueName in the body does not match the one in the URL.")
        }
        var withName = properties.filter { $0.0 != "uniqueName" }
        withName.append(("uniqueName", .string(uniqueName)))
        return (true, try await createApplication(withName, lag: lag))
    }

    /// Deletes an application with its service principal, grants, role assignments and flow links.
    func deleteApplication(_ key: ObjectKey) async throws {
        guard let app = findApplication(key) else { throw GraphFailure.notFound(key.text) }
        try await commit { state in
            state.applications.removeAll { $0.id == app.id }
            Self.removeServicePrincipals(appId: app.appId, from: &state)
        }
    }

    static func removeServicePrincipals(appId: String, from state: inout TenantState) {
        let principalIds = Set(state.servicePrincipals.filter { $0.appId == appId }.map(\.id))
        state.servicePrincipals.removeAll { principalIds.contains($0.id) }
        state.oauth2PermissionGrants.removeAll {
            principalIds.contains($0.clientId) || principalIds.contains($0.resourceId)
        }
        for index in state.servicePrincipals.indices {
            state.servicePrincipals[index].appRoleAssignments.removeAll {
                principalIds.contains($0.resourceId) || principalIds.contains($0.principalId)
            }
        }
        for index in state.userFlows.indices {
            state.userFlows[index].includeApplications.removeAll { $0.equalsIgnoringCase(appId) }
        }
    }

    /// Adds a client secret; returns the stored credential and the secret (shown once).
    func addPassword(
        _ key: ObjectKey, displayName: String?, start: Date?, end: Date?
    ) async throws -> (credential: StoredPasswordCredential, secret: String) {
        guard let app = findApplication(key) else { throw GraphFailure.notFound(key.text) }
        let startDate = Self.wholeSecond(start ?? Date())
        let endDate = Self.wholeSecond(end ?? startDate.addingTimeInterval(2 * 365 * 86_400))
        guard endDate > startDate else {
            throw GraphFailure.badRequest("The endDateTime of a password credential must be after its startDateTime.")
        }
        guard app.passwordCredentials.count < 100 else {
            throw GraphFailure.badRequest("An application can have at most 100 password credentials.")
        }
        let secret = SecretHasher.newClientSecret()
        let credential = StoredPasswordCredential(
            keyId: Self.newGUID(), displayName: displayName, hint: String(secret.prefix(3)), startDateTime: startDate,
            endDateTime: endDate, secretHash: SecretHasher.hashSecret(secret))
        try await commit { state in
            guard let index = state.applications.firstIndex(where: { $0.id == app.id }) else { return }
            state.applications[index].passwordCredentials.append(credential)
        }
        return (credential, secret)
    }

    /// Removes a client secret by its keyId.
    func removePassword(_ key: ObjectKey, keyId: String) async throws {
        guard let app = findApplication(key) else { throw GraphFailure.notFound(key.text) }
        guard app.passwordCredentials.contains(where: { $0.keyId.equalsIgnoringCase(keyId) }) else {
            throw GraphFailure.badRequest("No password credential found with keyId '\(keyId)'.")
        }
        try await commit { state in
            guard let index = state.applications.firstIndex(where: { $0.id == app.id }) else { return }
            state.applications[index].passwordCredentials.removeAll {
                $0.keyId.equalsIgnoringCase(keyId)
            }
        }
    }

    /// Checks what the schema cannot: redirect URIs, uniqueness, credentials set by PATCH.
    private func checkApplicationValues(_ values: [String: JSONValue], excluding id: String?) throws {
        // Graph names the platform object, not the list: "Invalid value specified for property
        // 'web' of resource 'Application'." (microsoftgraph/msgraph-sdk-powershell#3149).
        for platform in RedirectURIRules.Platform.allCases {
            for uri in (values[platform.rawValue]?["redirectUris"]?.arrayElements ?? []) {
                guard let text = uri.stringValue, RedirectURIRules.problem(text, platform: platform) == nil else {
                    throw GraphFailure.invalidValue(platform.rawValue, "Application")
                }
            }
        }
        if let logout = values["web"]?["logoutUrl"]?.stringValue,
            RedirectURIRules.problem(logout, platform: .web) != nil
        {
            throw GraphFailure.invalidValue("web", "Application")
        }
        for name in ["passwordCredentials", "keyCredentials"] where !(values[name]?.arrayElements ?? []).isEmpty {
            throw GraphFailure.badRequest(
                "Property '\(name)' cannot be set here; use addPassword or addKey.")
        }
        let others = state.applications.filter { $0.id != id }
        if let name = values["uniqueName"]?.stringValue,
            others.contains(where: { $0.uniqueName?.equalsIgnoringCase(name) == true })
        {
            throw GraphFailure.badRequest("Another object with the same value for property uniqueName already exists.")
        }
        for uri in (values["identifierUris"]?.arrayElements ?? []).compactMap(\.stringValue) {
            guard URL(string: uri)?.scheme != nil else {
                throw GraphFailure.invalidValue("identifierUris", "Application")
            }
            if others.contains(where: {
                ($0.properties["identifierUris"]?.arrayElements ?? []).contains(.string(uri))
            }) {
                throw GraphFailure.badRequest(
                    "Another object with the same value for property identifierUris already exists.")
            }
        }
    }
}
