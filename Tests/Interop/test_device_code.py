"""MSAL Python's device code flow: the code is entered on the sandbox's verification page
by the tenant's administrator, and the delegated token works on Graph."""

import re
import threading

import msal
import requests

from test_client_credentials import claims


def enter_code_on_page(verification_uri, user_code, email, password, ca_file):
    browser = requests.Session()
    browser.verify = ca_file
    page = browser.get(verification_uri)
    assert page.status_code == 200
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    # Without the CSRF token the page refuses the form.
    refused = browser.post(verification_uri, data={"otc": user_code, "email": email, "password": password})
    assert refused.status_code == 400
    answer = browser.post(verification_uri, data={
        "otc": user_code, "email": email, "password": password, "csrf_token": csrf})
    assert answer.status_code == 200
    assert 'id="device-done"' in answer.text, answer.text


def test_device_code_signed_in_by_the_administrator(sandbox):
    app = msal.PublicClientApplication(
        sandbox.info["adminClientId"], authority=sandbox.authority, instance_discovery=False)
    flow = app.initiate_device_flow(scopes=["Application.ReadWrite.All"])
    assert "user_code" in flow, flow
    assert flow["verification_uri"].startswith(sandbox.info["graphURL"] + "/")
    # Polling before the code is entered says "pending".
    pending = app.acquire_token_by_device_flow(dict(flow), exit_condition=lambda flow: True)
    assert pending.get("error") == "authorization_pending", pending

    admin_email = "admin@" + sandbox.info["domain"]
    thread = threading.Thread(target=enter_code_on_page, args=(
        flow["verification_uri"], flow["user_code"], admin_email, sandbox.admin_secret, sandbox.info["caFile"]))
    thread.start()
    thread.join(timeout=30)
    result = app.acquire_token_by_device_flow(flow)
    assert "access_token" in result, result
    sandbox.secrets.append(result["access_token"])
    assert result["id_token_claims"]["preferred_username"] == admin_email
    assert result["id_token_claims"]["aud"] == sandbox.info["adminClientId"]
    token_claims = claims(result["access_token"])
    assert "Application.ReadWrite.All" in token_claims["scp"].split()
    listing = requests.get(sandbox.graph + "/applications?$top=1",
                           headers={"Authorization": "Bearer " + result["access_token"]})
    assert listing.status_code == 200, listing.text


def test_unknown_user_code_is_refused(sandbox):
    browser = requests.Session()
    uri = sandbox.authority + "/oauth2/deviceauth"
    page = browser.get(uri)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = browser.post(uri, data={"otc": "NOPE12345", "email": "x@example.com", "password": "x",
                                     "csrf_token": csrf})
    assert "Check the code and try again" in answer.text
