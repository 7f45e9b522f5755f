import Foundation
import TutorSupport

extension TenantDirectory {
    /// User flows other requests can see.
    func visibleUserFlows() -> [SandboxUserFlow] {
        state.userFlows.filter { !isHidden($0.id) }
    }

    /// The user flow with this id, if visible.
    func findUserFlow(id: String) -> SandboxUserFlow? {
        visibleUserFlows().first { $0.id.equalsIgnoringCase(id) }
    }

    /// Stores a validated new user flow (its applications are checked like `includeApplications`).
    func createUserFlow(_ draft: SandboxUserFlow, lag: Duration) async throws -> SandboxUserFlow {
        guard
            !state.userFlows.contains(where: {
                $0.displayName.equalsIgnoringCase(draft.displayName)
            })
        else {
            throw GraphFailure(
                409, "Request_MultipleObjectsWithSameKeyValue",
                "A user flow with the display name '\(draft.displayName)' already exists.")
        }
        var flow = draft
        flow.id = Self.newGUID()
        flow.createdDateTime = Self.wholeSecond(Date())
        var seen = Set<String>()
        for appId in draft.includeApplications {
            try checkCanJoin(appId: appId, flowId: flow.id)
            guard seen.insert(appId.lowercased()).inserted else {
                throw GraphFailure.badRequest("The application '\(appId)' is listed twice.")
            }
        }
        hide([flow.id], for: lag)
        try await commit { $0.userFlows.append(flow) }
        return flow
    }

    /// Replaces a flow's settings (PATCH); nil leaves a setting unchanged.
    func updateUserFlow(id: String, _ change: (inout SandboxUserFlow) -> Void) async throws {
        guard let existing = findUserFlow(id: id) else { throw GraphFailure.notFound(id) }
        var flow = existing
        change(&flow)
        if flow.displayName != existing.displayName,
            state.userFlows.contains(where: {
                $0.id != id && $0.displayName.equalsIgnoringCase(flow.displayName)
            })
        {
            throw GraphFailure(
                409, "Request_MultipleObjectsWithSameKeyValue",
                "A user flow with the display name '\(flow.displayName)' already exists.")
        }
        try await commit { state in
            guard let index = state.userFlows.firstIndex(where: { $0.id == existing.id }) else { return }
            state.userFlows[index] = flow
        }
    }

    /// Deletes a user flow (its applications are released).
    func deleteUserFlow(id: String) async throws {
        guard let flow = findUserFlow(id: id) else { throw GraphFailure.notFound(id) }
        try await commit { $0.userFlows.removeAll { $0.id == flow.id } }
    }

    /// Links an application (by appId) to a user flow.
    func addApplication(appId: String, toUserFlow id: String) async throws {
        guard let flow = findUserFlow(id: id) else { throw GraphFailure.notFound(id) }
        try checkCanJoin(appId: appId, flowId: flow.id)
        try await commit { state in
            guard let index = state.userFlows.firstIndex(where: { $0.id == flow.id }) else { return }
            state.userFlows[index].includeApplications.append(appId.lowercased())
        }
    }

    /// Unlinks an application from a user flow.
    func removeApplication(appId: String, fromUserFlow id: String) async throws {
        guard let flow = findUserFlow(id: id) else { throw GraphFailure.notFound(id) }
        guard flow.includeApplications.contains(where: { $0.equalsIgnoringCase(appId) }) else {
            throw GraphFailure.notFound(appId)
        }
        try await commit { state in
            guard let index = state.userFlows.firstIndex(where: { $0.id == flow.id }) else { return }
            state.userFlows[index].includeApplications.removeAll { $0.equalsIgnoringCase(appId) }
        }
    }

    private func checkCanJoin(appId: String, flowId: String) throws {
        guard let principal = servicePrincipal(appId: appId), !isHidden(principal.id) else {
            throw GraphFailure(
                404, "Request_ResourceNotFound",
                "The application with appId '\(appId)' has no service principal in this tenant; create it first.")
        }
        if let current = userFlow(forAppId: appId) {
            if current.id == flowId {
                throw GraphFailure(
                    409, "Request_MultipleObjectsWithSameKeyValue",
                    "The application '\(appId)' is already linked to this user flow.")
            }
            throw GraphFailure(
                400, "Request_BadRequest",
                "The application '\(appId)' is already linked to the user flow '\(current.displayName)'; an application can be linked to one user flow only."
            )
        }
    }
}
