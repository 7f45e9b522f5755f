import Foundation
import Testing
import TutorSupport

@testable import TutorScaffold

@Suite("Template variables")
struct VariableTests {
    @Test(arguments: [
        (VariableRule.guid, "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b", true),
        (.guid, "3F1C2B4A-5D6E-4F70-8A9B-0C1D2E3F4A5B", true),
        (.guid, "3f1c2b4a5d6e4f708a9b0c1d2e3f4a5b", false),
        (.guid, "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5g", false),
        (.guid, "", false),
        (.httpsURLWithTenant, "https://contoso.ciamlogin.com/contoso.onmicrosoft.com", true),
        (.httpsURLWithTenant, "https://localhost:8443/9b2f4c1e-7a3d-4e5f-8c6b-1a2b3c4d5e6f", true),
        (.httpsURLWithTenant, "http://contoso.ciamlogin.com/contoso.onmicrosoft.com", false),
        (.httpsURLWithTenant, "https://contoso.ciamlogin.com", false),
        (.httpsURLWithTenant, "https://contoso.ciamlogin.com/", false),
        (.httpsURLWithTenant, "https://contoso.ciamlogin.com/tenant/", false),
        (.httpsURLWithTenant, "https://contoso.ciamlogin.com/tenant?x=1", false),
        (.httpsURLWithTenant, "contoso.ciamlogin.com/tenant", false),
        (.absoluteURLWithPath, "http://localhost:3000/getAToken", true),
        (.absoluteURLWithPath, "https://app.contoso.com/auth/redirect", true),
        (.absoluteURLWithPath, "http://localhost:3000", false),
        (.absoluteURLWithPath, "http://localhost:3000/", false),
        (.absoluteURLWithPath, "/getAToken", false),
        (.absoluteURLWithPath, "ftp://host/path", false),
        (.nonEmpty, "x", true),
        (.nonEmpty, "", false),
        (.nonEmpty, "two\nlines", false),
        (.absolutePath, "/etc/ssl/ca.pem", true),
        (.absolutePath, "ca.pem", false),
    ])
    func rules(rule: VariableRule, value: String, accepted: Bool) {
        #expect(rule.accepts(value) == accepted)
    }

    @Test func aMissingRequiredVariableIsAnErrorNotAnEmptyString() throws {
        let template = try ProjectTemplate(folder: TestSupport.flaskTemplate)
        var values = TestSupport.tenantValues
        values["REDIRECT_URI"] = nil
        let error = try #require(throws: ScaffoldError.self) { try template.render(values: values) }
        #expect(
            error == .missingVariable(name: "REDIRECT_URI", description: template.manifest.variables[3].description))
        #expect(error.exitStatus == .dataError)
        #expect(error.description.contains("--var REDIRECT_URI=VALUE"))
    }

    @Test func anInvalidValueNamesTheVariableAndTheRule() throws {
        let template = try ProjectTemplate(folder: TestSupport.flaskTemplate)
        var values = TestSupport.tenantValues
        values["CLIENT_ID"] = "not-a-guid"
        let error = try #require(throws: ScaffoldError.self) { try template.render(values: values) }
        #expect(error.exitStatus == .dataError)
        #expect(error.description.contains("CLIENT_ID 'not-a-guid'"))
        #expect(error.description.contains("a GUID"))
    }

    @Test func anInvalidSecretIsNeverShown() throws {
        let template = try ProjectTemplate(folder: TestSupport.flaskTemplate)
        var values = TestSupport.tenantValues
        values["CLIENT_SECRET"] = "hunter2\nsecond line"
        let error = try #require(throws: ScaffoldError.self) { try template.render(values: values) }
        #expect(error.description.contains("CLIENT_SECRET is invalid"))
        #expect(!error.description.contains("hunter2"))
    }

    @Test func derivedValuesComeFromTheRedirectURI() throws {
        let template = try ProjectTemplate(folder: TestSupport.flaskTemplate)
        var values = TestSupport.tenantValues
        values["REDIRECT_URI"] = "https://app.contoso.com/auth/redirect"
        let resolved = try template.resolveVariables(values)
        #expect(resolved["REDIRECT_PORT"] == "443")
        #expect(resolved["REDIRECT_ORIGIN"] == "https://app.contoso.com")
        values["REDIRECT_URI"] = "http://localhost:3000/getAToken"
        #expect(try template.resolveVariables(values)["REDIRECT_PORT"] == "3000")
    }

    @Test func undeclaredValuesAreIgnored() throws {
        let template = try ProjectTemplate(folder: TestSupport.flaskTemplate)
        var values = TestSupport.tenantValues
        values["SOMETHING_ELSE"] = "x"
        #expect(try template.resolveVariables(values)["SOMETHING_ELSE"] == nil)
    }

    @Test func sourceDateEpochWinsOverTheFallback() throws {
        let fallback = Date(timeIntervalSince1970: 5)
        #expect(try ProjectRenderer.fixedTime(environment: [:], fallback: fallback) == fallback)
        #expect(
            try ProjectRenderer.fixedTime(environment: ["SOURCE_DATE_EPOCH": "1700000000"], fallback: fallback)
                == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(throws: ScaffoldError.self) {
            try ProjectRenderer.fixedTime(environment: ["SOURCE_DATE_EPOCH": "yesterday"], fallback: fallback)
        }
    }
}

@Suite("Template variables, several problems")
struct VariableProblemsTests {
    @Test func everyProblemIsReportedAtOnce() throws {
        let template = try ProjectTemplate(folder: TestSupport.flaskTemplate)
        let error = try #require(throws: ScaffoldError.self) {
            try template.render(values: ["CLIENT_ID": "nope", "CLIENT_SECRET": ""])
        }
        #expect(error.exitStatus == .dataError)
        let lines = error.description.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[0].contains("CLIENT_ID 'nope' is invalid"))
        #expect(lines[1].contains("CLIENT_SECRET is invalid"))
        #expect(lines[2].contains("AUTHORITY"))
        #expect(lines[3].contains("REDIRECT_URI"))
    }
}
