import Foundation
import TutorDocument
import TutorHTTP
import TutorRecord
import TutorSupport

/// The ledger: what a run created, entered before anything else is checked (docs/ledger.md).
extension RunSession {
    static func created(method: String, status: Int) -> Bool {
        status == 201 || (method.uppercased() == "POST" && (200..<300).contains(status))
    }

    /// The variables with whatever the request's captures find in `body`, leniently: a capture
    /// that fails here fails the request later; the ledger needs what can be had.
    func provisionalScope(_ request: RequestBlock, response: HTTPResponse, body: JSONValue?) -> [String: String] {
        var scope = variables
        for capture in request.captures {
            if let value = try? captureValue(capture, request: request, response: response, root: body) {
                scope[capture.variable] = value
            }
        }
        return scope
    }

    /// Records how to delete what `request` created. The cleanup URL is filled from `scope`;
    /// when a variable it needs is missing (a capture path the answer does not have), the
    /// object's own `id` from the answer stands in for it, else Graph's `Location` header.
    func addToLedger(
        _ cleanup: CleanupRule, request: RequestBlock, scope: [String: String], response: JSONValue? = nil,
        location: String? = nil
    ) {
        var scope = scope
        let missing = Template.variables(in: cleanup.url).filter { scope[$0] == nil }
        if missing.count == 1, let id = response?["id"]?.stringValue, !id.isEmpty {
            scope[missing[0]] = id
        }
        var absolute: String
        if let url = try? Template.expand(cleanup.url, with: scope, context: .url) {
            // Kept in the tutorial's (Learn) form: the sandbox's port changes between runs;
            // consumers rebase it on `tenant.graphURL`.
            absolute = url
        } else if let location, connection.sendsToken(to: location) {
            absolute = location
        } else {
            emit(
                .notice(
                    "\(request.name) created something tutor cannot delete: its cleanup URL needs \(missing.joined(separator: ", ")), which the answer does not give"
                ))
            return
        }
        absolute = redactor.redact(absolute)
        guard !record.resources.contains(where: { $0.cleanup.url == absolute }) else { return }
        let path = String(absolute.split(separator: "?").first ?? "")
        var segments = path.split(separator: "/")
        if segments.last == "$ref" { segments.removeLast() }
        let id = segments.last.map(String.init) ?? absolute
        let type =
            cleanup.resourceType
            ?? segments.dropLast().last.map { String($0.split(separator: "(").first ?? $0) }
            ?? "resource"
        record.resources.append(
            .init(
                type: type, id: id, createdBy: request.name,
                cleanup: .init(method: cleanup.method, url: absolute)))
        resourcesCreated += 1
    }

    static func isAddPassword(_ url: String) -> Bool {
        url.split(separator: "?").first?.lowercased().hasSuffix("/addpassword") ?? false
    }

    /// Removes password credentials that a lost `addPassword` may have created: same display name,
    /// key id unknown to the record.
    func removeOrphanPasswords(addPasswordURL: String, body: String?, request: RequestBlock, stepIndex: Int)
        async throws
    {
        let base = String(addPasswordURL.split(separator: "?").first!.dropLast("/addPassword".count))
        guard let body, let json = try? JSONValue.parse(body),
            let displayName = json["passwordCredential"]?["displayName"]?.stringValue
        else {
            emit(
                .notice(
                    "\(request.name): a secret may have been created without being recorded; give it a displayName so tutor can find it"
                ))
            return
        }
        let known = Set(variables.values)
        let listing = try await exchange(
            HTTPRequest(
                method: "GET", url: "\(base)?$select=id,passwordCredentials",
                headers: [HTTPHeader("Accept", "application/json")]),
            name: "\(request.name) (find lost secrets)", retryRule: RetryRule(statuses: [404]),
            deadline: clock.now + policy.budget
        ).response
        guard (200..<300).contains(listing.status), let listed = try? JSONValue.parse(listing.body) else { return }
        for credential in listed["passwordCredentials"]?.arrayElements ?? [] {
            guard credential["displayName"]?.stringValue == displayName, let keyId = credential["keyId"]?.stringValue,
                !known.contains(keyId)
            else { continue }
            let removal = try await exchange(
                HTTPRequest(
                    method: "POST", url: "\(base)/removePassword",
                    headers: [HTTPHeader("Content-Type", "application/json")],
                    body: Data("{\"keyId\":\"\(keyId)\"}".utf8)),
                name: "\(request.name) (remove lost secret)", retryRule: nil, deadline: clock.now + policy.budget
            ).response
            if (200..<300).contains(removal.status) || removal.status == 404 {
                emit(.notice("removed a client secret (key \(keyId)) whose creation was not recorded"))
            }
        }
    }
}
