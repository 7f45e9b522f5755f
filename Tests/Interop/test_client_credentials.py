"""MSAL Python's client credentials flow against the sandbox authority."""

import base64
import json
import uuid

import requests

from conftest import confidential_app


def claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_admin_app_gets_a_graph_token_that_graph_accepts(sandbox, admin_token):
    token_claims = claims(admin_token)
    assert token_claims["aud"] == "https://graph.microsoft.com"
    assert token_claims["tid"] == sandbox.info["tenantId"]
    # Graph tokens are v1.0: their issuer is the v1 document's, on the tenant's own issuer host,
    # never built from the authority (Learn: access tokens, "v1.0 and v2.0 tokens"; security tokens).
    v1_issuer = requests.get(sandbox.authority + "/.well-known/openid-configuration").json()["issuer"]
    assert token_claims["iss"] == v1_issuer != sandbox.authority + "/"
    assert "Application.ReadWrite.All" in token_claims["roles"]
    response = requests.get(sandbox.graph + "/organization", headers={"Authorization": "Bearer " + admin_token})
    assert response.status_code == 200, response.text
    assert response.json()["value"][0]["id"] == sandbox.info["tenantId"]


def test_wrong_secret_is_AADSTS7000215(sandbox):
    result = confidential_app(sandbox, sandbox.info["adminClientId"], "not-the-secret").acquire_token_for_client(
        scopes=["https://graph.microsoft.com/.default"])
    assert result.get("error") == "invalid_client", result
    assert "AADSTS7000215" in result["error_description"]


def test_unknown_app_is_AADSTS700016(sandbox):
    result = confidential_app(sandbox, str(uuid.uuid4()), "whatever").acquire_token_for_client(
        scopes=["https://graph.microsoft.com/.default"])
    assert result.get("error") == "unauthorized_client", result
    assert "AADSTS700016" in result["error_description"]


def test_authority_by_domain_name_works_too(sandbox):
    authority = sandbox.info["graphURL"] + "/" + sandbox.info["domain"]
    import msal
    app = msal.ConfidentialClientApplication(
        sandbox.info["adminClientId"], client_credential=sandbox.admin_secret, authority=authority,
        instance_discovery=False)
    result = app.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])
    assert "access_token" in result, result
