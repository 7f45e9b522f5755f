"""The real-tenant sign-in paths of `tutor run` and `tutor cleanup`, rehearsed offline: the sandbox
is addressed as a real tenant would be (`--tenant ID --graph-url URL --login-url URL`), so tutor
asks for `{graph-url}/.default` as it does for a national cloud, and signs in with each of the
ways learners use on real tenants: client credentials, a ready access token, the AZURE_*
variables, and the device code an administrator enters in a browser."""

import os
import re
import subprocess
import threading
import uuid
from pathlib import Path

import pytest
import requests

from conftest import TUTOR
from test_device_code import enter_code_on_page

TUTORIAL = str(Path(__file__).resolve().parents[2] / "tutorials" / "tutorial-web-app-python-flask-prepare-tenant.md")


def tenant_arguments(sandbox):
    info = sandbox.info
    return ["--tenant", info["tenantId"], "--graph-url", info["graphURL"], "--login-url", info["graphURL"],
            "--ca-file", info["caFile"]]


def environment(**extra):
    env = {key: value for key, value in os.environ.items() if not key.startswith("AZURE_")}
    env["NO_COLOR"] = "1"
    env.update(extra)
    return env


def apps_named(graph, name):
    listing = graph.call("GET", "/applications?$select=id,displayName")
    return [app for app in listing["value"] if app["displayName"] == name]


def run_then_cleanup(sandbox, graph, tmp_path, sign_in, env):
    name = "real-path-" + uuid.uuid4().hex[:8]
    state = tmp_path / "state"
    run = subprocess.run(
        [TUTOR, "run", TUTORIAL, "--state-dir", str(state), "--var", "appName=" + name]
        + tenant_arguments(sandbox) + sign_in,
        env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert len(apps_named(graph, name)) == 1
    cleanup = subprocess.run(
        [TUTOR, "cleanup", "--state-dir", str(state)] + tenant_arguments(sandbox) + sign_in,
        env=env, capture_output=True, text=True, timeout=300)
    assert cleanup.returncode == 0, cleanup.stdout + cleanup.stderr
    assert apps_named(graph, name) == []
    for secret in sandbox.secrets:
        assert secret not in run.stdout + run.stderr + cleanup.stdout + cleanup.stderr
    return run


def test_client_credentials(sandbox, graph, tmp_path):
    run_then_cleanup(sandbox, graph, tmp_path,
                     ["--client-id", sandbox.info["adminClientId"], "--client-secret-env", "TUTOR_TEST_SECRET"],
                     environment(TUTOR_TEST_SECRET=sandbox.admin_secret))


def test_access_token_from_the_environment(sandbox, graph, tmp_path):
    # A token for the Graph URL the run is given, as `az account get-access-token` would hand out.
    answer = requests.post(sandbox.authority + "/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": sandbox.info["adminClientId"],
        "client_secret": sandbox.admin_secret, "scope": sandbox.info["graphURL"] + "/.default"})
    assert answer.status_code == 200, answer.text
    token = answer.json()["access_token"]
    sandbox.secrets.append(token)
    run_then_cleanup(sandbox, graph, tmp_path, ["--access-token-env", "TUTOR_TEST_TOKEN"],
                     environment(TUTOR_TEST_TOKEN=token))


def test_azure_variables(sandbox, graph, tmp_path):
    run_then_cleanup(sandbox, graph, tmp_path, [], environment(
        AZURE_CLIENT_ID=sandbox.info["adminClientId"], AZURE_CLIENT_SECRET=sandbox.admin_secret,
        AZURE_TENANT_ID=sandbox.info["tenantId"]))


def test_device_code(sandbox, graph, tmp_path):
    name = "real-path-device-" + uuid.uuid4().hex[:8]
    state = tmp_path / "state"
    sign_in = ["--device-code", "--client-id", sandbox.info["adminClientId"]]
    process = subprocess.Popen(
        [TUTOR, "run", TUTORIAL, "--state-dir", str(state), "--var", "appName=" + name]
        + tenant_arguments(sandbox) + sign_in,
        env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # tutor prints the instructions (a URL and a code) on standard error.
    instructions = ""
    for line in process.stderr:
        instructions += line
        found = re.search(r"open the page (\S+) and enter the code (\S+) to", instructions)
        if found:
            break
    assert found, instructions
    admin_email = "admin@" + sandbox.info["domain"]
    helper = threading.Thread(target=enter_code_on_page, args=(
        found.group(1), found.group(2), admin_email, sandbox.admin_secret, sandbox.info["caFile"]))
    helper.start()
    helper.join(timeout=60)
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, instructions + stdout + stderr
    assert len(apps_named(graph, name)) == 1
    # The device-code sign-in is interactive; cleanup uses the admin app's credentials instead.
    cleanup = subprocess.run(
        [TUTOR, "cleanup", "--state-dir", str(state)] + tenant_arguments(sandbox)
        + ["--client-id", sandbox.info["adminClientId"], "--client-secret-env", "TUTOR_TEST_SECRET"],
        env=environment(TUTOR_TEST_SECRET=sandbox.admin_secret), capture_output=True, text=True, timeout=300)
    assert cleanup.returncode == 0, cleanup.stdout + cleanup.stderr
    assert apps_named(graph, name) == []
