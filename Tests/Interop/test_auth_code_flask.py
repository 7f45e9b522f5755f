"""Authorization code with PKCE through a minimal Flask app built on Microsoft's `identity`
package, driven by a real headless Chromium through the sandbox's sign-up and sign-in pages."""

import json
import socket
import subprocess
import threading
import uuid
from html import escape

import pytest
from flask import Flask, url_for
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from conftest import TUTOR, mailed_code, register_app, sign_up_in_browser


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def build_flask_app(sandbox, registered, session_dir):
    import identity.flask
    from cachelib import FileSystemCache

    app = Flask(__name__)
    app.config.update(
        SESSION_TYPE="cachelib", SESSION_CACHELIB=FileSystemCache(str(session_dir)), SECRET_KEY=uuid.uuid4().hex)
    auth = identity.flask.Auth(
        app, authority=sandbox.authority, client_id=registered.app_id, client_credential=registered.secret,
        redirect_uri=registered.redirect_uri)

    @app.route("/")
    @auth.login_required
    def index(*, context):
        user = context["user"]
        return (f"<p id='greeting'>Hello {escape(user['name'])}</p>"
                f"<p id='username'>{escape(user['preferred_username'])}</p>"
                f"<a id='logout' href='{url_for('identity.logout')}'>Sign out</a>")

    return app


@pytest.fixture
def flask_site(sandbox, graph, tmp_path):
    port = free_port()
    registered = register_app(sandbox, graph, f"http://localhost:{port}/getAToken")
    server = make_server("localhost", port, build_flask_app(sandbox, registered, tmp_path / "sessions"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{port}"
    server.shutdown()


def wait_for(driver, element_id, timeout=30):
    return WebDriverWait(driver, timeout).until(expected_conditions.presence_of_element_located((By.ID, element_id)))


def test_sign_up_sign_out_and_sign_in_again(sandbox, flask_site, browser):
    email = f"learner-{uuid.uuid4().hex[:6]}@example.com"
    password = "Sandbox-Passw0rd!"
    browser.get(flask_site + "/")
    wait_for(browser, "signin-form")
    assert browser.current_url.startswith(sandbox.authority + "/oauth2/v2.0/authorize")
    sign_up_in_browser(browser, sandbox.home, email, password, "Ada Learner")

    assert wait_for(browser, "greeting").text == "Hello Ada Learner"
    assert browser.find_element(By.ID, "username").text == email

    browser.find_element(By.ID, "logout").click()
    # Signed out at the sandbox, back at the app, which asks to sign in again.
    wait_for(browser, "signin-form")
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "password").send_keys("wrong-password")
    browser.find_element(By.ID, "next").click()
    assert "incorrect" in wait_for(browser, "error").text
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.ID, "next").click()
    assert wait_for(browser, "greeting").text == "Hello Ada Learner"


def test_a_wrong_code_is_AADSTS50181_and_an_early_resend_is_throttled(sandbox, graph, browser):
    """A wrong one-time code is "AADSTS50181: Unable to validate the otp." (Learn: native
    authentication API reference, sign-up step 3). "Resend code" within the sandbox's cooldown
    (60 s; Entra documents no number) gets the throttling text of B2C's `ver_fail_throttled`
    (localization-string-ids.md), mails nothing, and the first code still works."""
    registered = register_app(sandbox, graph, "http://localhost:5998/getAToken")
    email = f"learner-{uuid.uuid4().hex[:6]}@example.com"
    browser.get(sandbox.authority + "/oauth2/v2.0/authorize?client_id=" + registered.app_id +
                "&response_type=code&scope=openid&prompt=create&redirect_uri=http%3A%2F%2Flocalhost%3A5998%2FgetAToken")
    wait_for(browser, "signup-form")
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "next").click()
    wait_for(browser, "verify-form")
    first = mailed_code(sandbox.home, email)
    browser.find_element(By.ID, "code").send_keys("00000000" if first != "00000000" else "11111111")
    browser.find_element(By.ID, "next").click()
    wrong_code = wait_for(browser, "error")
    assert wrong_code.text.startswith("AADSTS50181: Unable to validate the otp.")
    browser.find_element(By.ID, "resend").click()
    # The page before the resend has an error element too: wait until it is gone, or the check
    # below may read it while the new page loads (a stale element).
    WebDriverWait(browser, 30).until(expected_conditions.staleness_of(wrong_code))
    assert "too many requests to verify this email address" in wait_for(browser, "error").text
    messages = json.loads(subprocess.check_output(
        [TUTOR, "sandbox", "mail", "--home", str(sandbox.home), "--to", email, "--json"]))
    assert len(messages) == 1 and messages[0]["code"] == first
    browser.find_element(By.ID, "code").send_keys(first)
    browser.find_element(By.ID, "next").click()
    wait_for(browser, "password-form")
    # The log names the address and subject of each message, never the code.
    log = sandbox.log_text()
    assert f"mail to {email}" in log
    assert first not in log


def test_unregistered_redirect_uri_is_AADSTS50011(sandbox, graph, browser):
    registered = register_app(sandbox, graph, "http://localhost:5999/getAToken")
    browser.get(sandbox.authority + "/oauth2/v2.0/authorize?client_id=" + registered.app_id +
                "&response_type=code&scope=openid&redirect_uri=http%3A%2F%2Fevil.example%2Fcb")
    assert "AADSTS50011" in wait_for(browser, "error").text
