import Testing
import TutorSupport
import TutorTestSupport

@testable import TutorDocument

/// Which requests may overlap (docs/running.md, "Independent requests overlap").
@Suite struct RequestOrderTests {
    static let here = SourceLocation(file: "t.md", line: 1, column: 1)

    static func request(
        _ name: String, _ method: String = "GET", _ path: String, uses: [String] = [], captures: [String] = []
    ) -> RequestBlock {
        RequestBlock(
            name: name, location: here, method: method, url: "https://graph.microsoft.com/v1.0/\(path)",
            captures: captures.map { Capture(variable: $0, source: .body(jsonPath: .path("$.id"))) },
            variables: uses)
    }

    static func order(_ steps: [[RequestBlock]], serial: Bool = false) -> RequestOrder {
        RequestOrder(
            Tutorial(
                path: "t.md", sha256: "x", title: "t", frontMatter: [],
                steps: steps.enumerated().map {
                    Step(title: "step \($0.offset)", location: here, requests: $0.element)
                },
                inputs: [], outputs: []),
            serial: serial)
    }

    @Test func theFlaskTutorialsChainsOverlap() throws {
        let order = RequestOrder(try TutorialParser().parse(path: ProjectTutorial.path))
        // The user flow shares nothing with the app: it is made while the app replicates.
        #expect(order.after("create_user_flow") == [])
        #expect(order.after("read_tenant") == [])
        #expect(order.after("register_app") == [])
        #expect(order.after("set_redirect_uri") == ["find_app_for_redirect_uri"])
        #expect(order.after("find_app_for_redirect_uri") == ["register_app"])
        #expect(order.after("grant_admin_consent") == ["find_graph_service_principal"])
        // The same collection, one of them writing: the tenant links them where no variable does.
        #expect(order.after("find_graph_service_principal") == ["create_service_principal"])
        #expect(order.after("find_user_flow") == ["create_user_flow"])
        // Serial: each after the one before.
        let serial = RequestOrder(try TutorialParser().parse(path: ProjectTutorial.path), serial: true)
        let names = serial.entries.map(\.request.name)
        for (index, entry) in serial.entries.enumerated() {
            #expect(entry.after == (index == 0 ? [] : [index - 1]), "\(names[index])")
        }
    }

    @Test func sharedVariablesOrderRequests() {
        let order = Self.order([
            [
                Self.request("make", "POST", "widgets", uses: ["name"], captures: ["id"]),
                Self.request("other", "POST", "gadgets", uses: ["gadgetName"], captures: ["gadgetId"]),
                Self.request("use", "PATCH", "gadgets/{{gadgetId}}", uses: ["gadgetId", "id"]),
                Self.request("again", "GET", "things", uses: ["name"]),
                Self.request("recapture", "GET", "stuff", captures: ["gadgetId"]),
            ]
        ])
        #expect(order.after("other") == [])
        #expect(order.after("use") == ["make", "other"])
        // Both use an input: kept in order, conservatively.
        #expect(order.after("again") == ["make"])
        // Captures what earlier ones use and capture: after all of them (the last one implies the rest).
        #expect(order.after("recapture") == ["use"])
        #expect(order.entries[4].waitsFor == [1, 2])
    }

    @Test func manualStepsUnlinkedWritesAndOtherHostsKeepTheirPlace() {
        var signIn = Self.request("sign_in", "POST", "x", uses: ["clientId"])
        signIn.url = "https://contoso.ciamlogin.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        let order = Self.order([
            [Self.request("first", "POST", "widgets", uses: ["a"])],
            [],
            [
                Self.request("after_manual", "POST", "gadgets", uses: ["b"]),
                Self.request("unlinked_write", "PATCH", "organization"),
                Self.request("read", "GET", "users", captures: ["c"]),
                signIn,
                Self.request("last", "GET", "groups", captures: ["d"]),
            ],
        ])
        #expect(order.after("after_manual") == ["first"])
        #expect(order.after("unlinked_write") == ["after_manual"])
        #expect(order.after("read") == ["unlinked_write"])
        #expect(order.after("sign_in") == ["read"])
        #expect(order.after("last") == ["sign_in"])
    }

    @Test func aWriteOrdersRequestsOnTheSameResource() {
        let order = Self.order([
            [
                Self.request("list", "GET", "applications?$filter=x", captures: ["a"]),
                Self.request("principals", "GET", "servicePrincipals", captures: ["b"]),
                Self.request("change", "PATCH", "applications/{{someId}}", uses: ["someId"]),
                Self.request("read_again", "GET", "applications/{{otherId}}/owners", uses: ["otherId"]),
                Self.request("elsewhere", "POST", "groups", uses: ["g"]),
            ]
        ])
        #expect(order.after("change") == ["list"])
        #expect(order.after("read_again") == ["change"])
        // Reads of one collection, or writes elsewhere, do not wait.
        #expect(order.after("principals") == [])
        #expect(order.after("elsewhere") == [])
    }
}
