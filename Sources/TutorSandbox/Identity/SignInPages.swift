import Foundation

/// The HTML of the sandbox's sign-in, sign-up, device code and error pages. Every value that
/// comes from a request is escaped.
enum SignInPages {
    /// Attribute ids a user flow can collect, with their labels on the sign-up form.
    static let attributeLabels: [String: String] = [
        "displayName": "Display name", "givenName": "Given name", "surname": "Surname", "city": "City",
        "country": "Country/Region", "postalCode": "Postal code", "state": "State/Province",
        "streetAddress": "Street address", "jobTitle": "Job title",
    ]

    static func page(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(FormEncoding.html(title))</title>
        <style>
        body{font-family:system-ui,sans-serif;background:#f2f2f2;margin:0}
        main{max-width:420px;margin:48px auto;background:#fff;padding:32px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
        label{display:block;margin-top:12px;font-size:14px}
        input[type=text],input[type=email],input[type=password]{width:100%;box-sizing:border-box;padding:8px;font-size:15px}
        button{margin-top:20px;padding:8px 24px;background:#0067b8;color:#fff;border:0;font-size:15px}
        .error{color:#a80000;margin:12px 0}.note{color:#555;font-size:13px}
        </style></head>
        <body><main>
        <p class="note">tutor sandbox tenant</p>
        \(body)
        </main></body></html>
        """
    }

    static func hiddenFields(_ fields: [(String, String)]) -> String {
        fields.map {
            "<input type=\"hidden\" name=\"\(FormEncoding.html($0.0))\" value=\"\(FormEncoding.html($0.1))\">"
        }.joined(separator: "\n")
    }

    static func errorBlock(_ message: String?) -> String {
        guard let message else { return "" }
        return "<p class=\"error\" id=\"error\" role=\"alert\">\(FormEncoding.html(message))</p>"
    }

    /// The sign-in form; `signUpLink` is shown when the user flow allows sign-up.
    static func signIn(
        appName: String, action: String, hidden: [(String, String)], csrf: String, email: String,
        error: String?, signUpLink: String?
    ) -> String {
        let signUp =
            signUpLink.map {
                "<p>No account? <a id=\"signup-link\" href=\"\(FormEncoding.html($0))\">Create one</a></p>"
            } ?? ""
        return page(
            title: "Sign in",
            body: """
                <h1>Sign in</h1>
                <p>to continue to \(FormEncoding.html(appName))</p>
                \(errorBlock(error))
                <form method="post" action="\(FormEncoding.html(action))" id="signin-form">
                \(hiddenFields(hidden + [("sandbox_action", "signin"), ("csrf_token", csrf)]))
                <label for="email">Email address</label>
                <input type="email" id="email" name="email" value="\(FormEncoding.html(email))" autocomplete="username" required>
                <label for="password">Password</label>
                <input type="password" id="password" name="password" autocomplete="current-password" required>
                <button type="submit" id="next">Sign in</button>
                </form>
                \(signUp)
                """)
    }

    /// What every sign-up page shares: the app, where the form posts, the carried parameters
    /// (with the sign-up's id once it has one) and the CSRF token.
    struct SignUpForm {
        var appName: String
        var action: String
        var hidden: [(String, String)]
        var csrf: String
        var signInLink: String
    }

    /// A sign-up page: `fields` inside a form that posts `action` (a hidden `sandbox_action`, or
    /// none when the buttons carry it).
    static func signUpPage(
        _ form: SignUpForm, title: String, lead: String, formId: String, action: String?, fields: String,
        error: String?, notice: String? = nil
    ) -> String {
        let noticeBlock = notice.map { "<p class=\"note\" id=\"notice\">\(FormEncoding.html($0))</p>" } ?? ""
        let hidden = form.hidden + (action.map { [("sandbox_action", $0)] } ?? []) + [("csrf_token", form.csrf)]
        return page(
            title: title,
            body: """
                <h1>\(FormEncoding.html(title))</h1>
                <p>\(FormEncoding.html(lead))</p>
                \(errorBlock(error))
                \(noticeBlock)
                <form method="post" action="\(FormEncoding.html(form.action))" id="\(formId)">
                \(hiddenFields(hidden))
                \(fields)
                </form>
                <p>Already have an account? <a id="signin-link" href="\(FormEncoding.html(form.signInLink))">Sign in</a></p>
                """)
    }

    /// Sign-up, first page: the email address the code goes to.
    static func signUpEmail(_ form: SignUpForm, email: String, error: String?) -> String {
        signUpPage(
            form, title: "Create account", lead: "for \(form.appName)", formId: "signup-form", action: "signup",
            fields: """
                <label for="email">Email address</label>
                <input type="email" id="email" name="email" value="\(FormEncoding.html(email))" autocomplete="username" required>
                <button type="submit" id="next">Next</button>
                """, error: error)
    }

    /// Sign-up, second page: the one-time code sent to `email`, or a new one.
    static func verifyEmail(_ form: SignUpForm, email: String, error: String?, notice: String?) -> String {
        signUpPage(
            form, title: "Verify your email", lead: "Enter the code we sent to \(email).", formId: "verify-form",
            action: nil,
            fields: """
                <label for="code">Enter code</label>
                <input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required>
                <button type="submit" id="next" name="sandbox_action" value="signup_code">Next</button>
                <button type="submit" id="resend" name="sandbox_action" value="signup_resend" formnovalidate>Resend code</button>
                """, error: error, notice: notice)
    }

    /// Sign-up, third page: the new password.
    static func newPassword(_ form: SignUpForm, error: String?) -> String {
        signUpPage(
            form, title: "Create your password", lead: "for your account", formId: "password-form",
            action: "signup_password",
            fields: """
                <label for="password">Password</label>
                <input type="password" id="password" name="password" autocomplete="new-password" required>
                <label for="confirmPassword">Confirm password</label>
                <input type="password" id="confirmPassword" name="confirm_password" autocomplete="new-password" required>
                <button type="submit" id="next">Next</button>
                """, error: error)
    }

    /// Sign-up, last page: the attributes the user flow collects.
    static func signUpAttributes(
        _ form: SignUpForm, attributes: [String], values: [String: String], error: String?
    ) -> String {
        let fields = attributes.filter { $0 != "email" }.map { id in
            let label = attributeLabels[id] ?? id
            return """
                <label for="\(FormEncoding.html(id))">\(FormEncoding.html(label))</label>
                <input type="text" id="\(FormEncoding.html(id))" name="attr_\(FormEncoding.html(id))" value="\(FormEncoding.html(values[id] ?? ""))" required>
                """
        }.joined(separator: "\n")
        return signUpPage(
            form, title: "Tell us about yourself", lead: "for \(form.appName)", formId: "attributes-form",
            action: "signup_attributes",
            fields: fields + "\n<button type=\"submit\" id=\"next\">Create</button>", error: error)
    }

    /// The device code page: code, then the credentials of the user who approves it.
    static func deviceCode(action: String, csrf: String, userCode: String, error: String?) -> String {
        page(
            title: "Enter code",
            body: """
                <h1>Enter code</h1>
                <p>Enter the code displayed on your app or device, then sign in to allow access.</p>
                \(errorBlock(error))
                <form method="post" action="\(FormEncoding.html(action))" id="device-form">
                \(hiddenFields([("csrf_token", csrf)]))
                <label for="otc">Code</label>
                <input type="text" id="otc" name="otc" value="\(FormEncoding.html(userCode))" autocomplete="off" required>
                <label for="email">Email address</label>
                <input type="email" id="email" name="email" autocomplete="username" required>
                <label for="password">Password</label>
                <input type="password" id="password" name="password" autocomplete="current-password" required>
                <button type="submit" id="next">Sign in</button>
                </form>
                """)
    }

    /// A page that only tells something (device flow done, signed out).
    static func message(title: String, text: String, id: String) -> String {
        page(title: title, body: "<h1>\(FormEncoding.html(title))</h1>\n<p id=\"\(id)\">\(FormEncoding.html(text))</p>")
    }

    /// Entra's error page: shown instead of redirecting when the app or redirect URI cannot be trusted.
    static func error(code: Int?, message: String) -> String {
        let prefix = code.map { "AADSTS\($0): " } ?? ""
        return page(
            title: "Sign in error",
            body: """
                <h1>Sorry, but we're having trouble signing you in.</h1>
                <p class="error" id="error">\(FormEncoding.html(prefix + message))</p>
                """)
    }

    /// An auto-submitting form that posts the authorization response (`response_mode=form_post`).
    static func formPost(to redirectUri: String, fields: [(String, String)]) -> String {
        """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>Working...</title></head>
        <body onload="document.forms[0].submit()">
        <form method="post" action="\(FormEncoding.html(redirectUri))">
        \(hiddenFields(fields))
        <noscript><button type="submit">Continue</button></noscript>
        </form></body></html>
        """
    }
}
