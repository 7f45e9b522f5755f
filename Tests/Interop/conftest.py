"""Fixtures for the interop tests: a sandbox served by `tutor sandbox serve` on a free port,
and a Graph client acting as the sandbox's admin app (client credentials through MSAL)."""

import json
import os
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import msal
import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

TUTOR = os.environ.get("TUTOR_BIN", "tutor")
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"


@dataclass
class Sandbox:
    info: dict
    home: Path
    log_file: Path
    admin_secret: str
    secrets: list = field(default_factory=list)

    @property
    def authority(self):
        return self.info["authority"]

    @property
    def graph(self):
        return self.info["graphURL"] + "/v1.0"

    def log_text(self):
        return self.log_file.read_text(encoding="utf-8", errors="replace")


def wait_for_server(home: Path, process, log_file: Path, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError("tutor sandbox serve exited early:\n" + log_file.read_text())
        record = home / "server.json"
        if record.exists():
            try:
                return json.loads(record.read_text())["port"]
            except (ValueError, KeyError):
                pass
        time.sleep(0.1)
    raise RuntimeError("tutor sandbox serve did not start:\n" + log_file.read_text())


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    home = tmp_path_factory.mktemp("sandbox-home")
    log_file = home.parent / "serve.log"
    with open(log_file, "w") as log:
        process = subprocess.Popen(
            [TUTOR, "sandbox", "serve", "--home", str(home), "--port", "0"],
            stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_server(home, process, log_file)
        info = json.loads(subprocess.check_output([TUTOR, "sandbox", "info", "--home", str(home)]))
        assert info["running"] is True
        os.environ["REQUESTS_CA_BUNDLE"] = info["caFile"]
        secret = Path(info["adminClientSecretFile"]).read_text().strip()
        box = Sandbox(info=info, home=home, log_file=log_file, admin_secret=secret, secrets=[secret])
        # As an External ID tenant's, the issuer is on a host of its own (tenant-id based), not
        # the authority's: MSAL and identity must read it from the metadata, not build it.
        issuer = requests.get(box.authority + "/v2.0/.well-known/openid-configuration").json()["issuer"]
        assert issuer == f"https://127.0.0.1:{info['port']}/{info['tenantId']}/v2.0"
        assert issuer != box.authority + "/v2.0"
        yield box
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert code == 0, "serve did not stop cleanly on SIGTERM:\n" + log_file.read_text()
    text = log_file.read_text()
    for secret in box.secrets:
        assert secret not in text, "a secret appeared in the server log"
    assert not (home / "server.json").exists()


def confidential_app(sandbox, client_id, secret):
    return msal.ConfidentialClientApplication(
        client_id, client_credential=secret, authority=sandbox.authority, instance_discovery=False)


@pytest.fixture(scope="session")
def admin_token(sandbox):
    result = confidential_app(sandbox, sandbox.info["adminClientId"], sandbox.admin_secret).acquire_token_for_client(
        scopes=["https://graph.microsoft.com/.default"])
    assert "access_token" in result, result
    sandbox.secrets.append(result["access_token"])
    return result["access_token"]


class Graph:
    def __init__(self, sandbox, token):
        self.base = sandbox.graph
        self.session = requests.Session()
        self.session.headers["Authorization"] = "Bearer " + token

    def call(self, method, path, body=None, expect=(200, 201, 204)):
        for attempt in range(20):
            response = self.session.request(method, self.base + path, json=body)
            if response.status_code in (404, 400) and attempt < 19 and \
                    "NoBackingApplicationObject" in response.text:
                time.sleep(0.2)
                continue
            break
        assert response.status_code in expect, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None


@pytest.fixture(scope="session")
def graph(sandbox, admin_token):
    return Graph(sandbox, admin_token)


@dataclass
class RegisteredApp:
    app_id: str
    object_id: str
    secret: str
    redirect_uri: str


def register_app(sandbox, graph, redirect_uri, scopes="openid offline_access", sign_up=True,
                 attributes=("email", "displayName"), public_client=False):
    """Registers an app the way the tutorial does: app, secret, service principal, delegated
    grant on Microsoft Graph, and a sign-up/sign-in user flow that includes the app."""
    name = "interop-" + uuid.uuid4().hex[:8]
    body = {"displayName": name, "signInAudience": "AzureADMyOrg", "web": {"redirectUris": [redirect_uri]}}
    if public_client:
        body["isFallbackPublicClient"] = True
    app = graph.call("POST", "/applications", body)
    password = graph.call("POST", f"/applications/{app['id']}/addPassword",
                          {"passwordCredential": {"displayName": "interop"}})
    sandbox.secrets.append(password["secretText"])
    principal = graph.call("POST", "/servicePrincipals", {"appId": app["appId"]})
    graph_sp = graph.call("GET", f"/servicePrincipals(appId='{GRAPH_APP_ID}')")
    graph.call("POST", "/oauth2PermissionGrants", {
        "clientId": principal["id"], "consentType": "AllPrincipals", "resourceId": graph_sp["id"],
        "scope": scopes})
    flow = graph.call("POST", "/identity/authenticationEventsFlows", {
        "@odata.type": "#microsoft.graph.externalUsersSelfServiceSignUpEventsFlow",
        "displayName": name + " flow",
        "onInteractiveAuthFlowStart": {
            "@odata.type": "#microsoft.graph.onInteractiveAuthFlowStartExternalUsersSelfServiceSignUp",
            "isSignUpAllowed": sign_up},
        "onAuthenticationMethodLoadStart": {
            "@odata.type": "#microsoft.graph.onAuthenticationMethodLoadStartExternalUsersSelfServiceSignUp",
            "identityProviders": [{"id": "EmailPassword-OAUTH"}]},
        "onAttributeCollection": {
            "@odata.type": "#microsoft.graph.onAttributeCollectionExternalUsersSelfServiceSignUp",
            "attributes": [{"id": a} for a in attributes]},
    })
    graph.call("POST", f"/identity/authenticationEventsFlows/{flow['id']}/conditions/applications/includeApplications", {
        "@odata.type": "#microsoft.graph.authenticationConditionApplication", "appId": app["appId"]})
    return RegisteredApp(app["appId"], app["id"], password["secretText"], redirect_uri)


def mailed_code(home, email, timeout=30):
    """The newest sign-up code the sandbox in `home` mailed to `email`, read the way a developer
    would: `tutor sandbox mail --home HOME --to EMAIL --json` (newest first)."""
    deadline = time.time() + timeout
    while True:
        messages = json.loads(subprocess.check_output(
            [TUTOR, "sandbox", "mail", "--home", str(home), "--to", email, "--json"]))
        if messages:
            assert messages[0]["to"] == email and len(messages[0]["code"]) == 8
            return messages[0]["code"]
        if time.time() > deadline:
            raise AssertionError(f"no code was mailed to {email}")
        time.sleep(0.2)


def sign_up_in_browser(browser, home, email, password, name):
    """Walks the sandbox's sign-up pages as a person does: the email address, the one-time code
    mailed to it, a new password, then the attributes (display name). External ID verifies the
    address before the password (Learn: native authentication API reference, sign-up steps)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    def wait_for(element_id):
        return WebDriverWait(browser, 30).until(
            expected_conditions.presence_of_element_located((By.ID, element_id)))

    wait_for("signin-form")
    browser.find_element(By.ID, "signup-link").click()
    wait_for("signup-form")
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "next").click()
    wait_for("verify-form")
    browser.find_element(By.ID, "code").send_keys(mailed_code(home, email))
    browser.find_element(By.ID, "next").click()
    wait_for("password-form")
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.ID, "confirmPassword").send_keys(password)
    browser.find_element(By.ID, "next").click()
    wait_for("attributes-form")
    browser.find_element(By.ID, "displayName").send_keys(name)
    browser.find_element(By.ID, "next").click()


@pytest.fixture
def browser():
    """Debian's headless Chromium, accepting the sandbox's certificate (not in its trust store)."""
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--ignore-certificate-errors"):
        options.add_argument(argument)
    options.accept_insecure_certs = True
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    yield driver
    driver.quit()
