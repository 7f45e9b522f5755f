"""The Flask project `tutor render` generates, installed and started exactly as its README says
(`pip install -r requirements.txt`, `flask run --port <redirect port>`), signing users in through
a real headless Chromium against a sandbox tenant: sign up, see the user's name, sign out, sign in
again. Negative cases: a wrong client secret ends on the app's sign-in error page; a redirect URI
that the registration does not list ends on the sandbox's AADSTS50011 page."""

import json
import os
import subprocess
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from conftest import TUTOR, register_app, sign_up_in_browser
from selenium.webdriver.common.by import By
from test_auth_code_flask import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
# Taken before the sandbox fixture points REQUESTS_CA_BUNDLE at the sandbox's CA, which would
# stop pip from reaching PyPI. The app itself gets the sandbox CA from its .env.
ORIGINAL_ENVIRONMENT = dict(os.environ)
PASSWORD = "Sandbox-Passw0rd!"


@pytest.fixture(scope="session")
def app_python(tmp_path_factory):
    """A virtual environment with the generated project's requirements.txt, as its README says."""
    folder = tmp_path_factory.mktemp("requirements")
    project = render_project(folder, {"CLIENT_ID": str(uuid.uuid4()), "AUTHORITY": "https://localhost:1/t",
                                      "REDIRECT_URI": "http://localhost:5000/getAToken"}, "unused")
    venv = ROOT / ".build" / "generated-app-venv"
    if not (venv / "bin" / "python").exists():
        subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-r", str(project / "requirements.txt")], check=True, env=ORIGINAL_ENVIRONMENT)
    return venv / "bin" / "python"


def render_project(folder, values, secret):
    output = folder / ("flask-app-" + uuid.uuid4().hex[:6])
    arguments = [TUTOR, "render", "--out", str(output), "--secret-env", "CLIENT_SECRET=TUTOR_TEST_APP_SECRET"]
    for name, value in values.items():
        arguments += ["--var", f"{name}={value}"]
    environment = dict(os.environ, TUTOR_TEST_APP_SECRET=secret, TUTOR_TEMPLATES=str(ROOT / "Templates"))
    result = subprocess.run(arguments, check=False, env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert secret not in result.stdout + result.stderr
    assert (output / ".env").stat().st_mode & 0o777 == 0o600
    return output


def sandbox_values(sandbox, app_id, redirect_uri):
    return {"CLIENT_ID": app_id, "AUTHORITY": sandbox.authority, "REDIRECT_URI": redirect_uri,
            "REQUESTS_CA_BUNDLE": sandbox.info["caFile"]}


@contextmanager
def flask_run(python, project, port):
    """`flask run --port PORT` in the project folder, until the test is done."""
    log_path = project / "flask.log"
    environment = {key: value for key, value in ORIGINAL_ENVIRONMENT.items() if not key.startswith("FLASK_")}
    with open(log_path, "w") as log:
        process = subprocess.Popen([str(python), "-m", "flask", "run", "--port", str(port)], cwd=project,
                                   env=environment, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError("flask run exited:\n" + log_path.read_text())
            try:
                requests.get(f"http://localhost:{port}/nothing-here", timeout=2)
                break
            except requests.ConnectionError:
                if time.time() > deadline:
                    raise RuntimeError("flask run did not answer:\n" + log_path.read_text())
                time.sleep(0.2)
        yield f"http://localhost:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def sign_up(browser, home, email, name):
    sign_up_in_browser(browser, home, email, PASSWORD, name)


def test_generated_app_signs_up_signs_out_and_signs_in_again(sandbox, graph, app_python, browser, tmp_path):
    port = free_port()
    registered = register_app(sandbox, graph, f"http://localhost:{port}/getAToken")
    project = render_project(tmp_path, sandbox_values(sandbox, registered.app_id, registered.redirect_uri),
                             registered.secret)
    email = f"learner-{uuid.uuid4().hex[:6]}@example.com"
    with flask_run(app_python, project, port) as site:
        browser.get(site + "/")
        sign_up(browser, sandbox.home, email, "Grace Learner")
        assert wait_for(browser, "user-name").text == "Grace Learner"
        assert email in browser.find_element(By.ID, "claims").text

        browser.find_element(By.ID, "sign-out").click()
        wait_for(browser, "signin-form")
        browser.find_element(By.ID, "email").send_keys(email)
        browser.find_element(By.ID, "password").send_keys(PASSWORD)
        browser.find_element(By.ID, "next").click()
        assert wait_for(browser, "user-name").text == "Grace Learner"


def test_wrong_client_secret_ends_on_the_app_error_page(sandbox, graph, app_python, browser, tmp_path):
    port = free_port()
    registered = register_app(sandbox, graph, f"http://localhost:{port}/getAToken")
    project = render_project(tmp_path, sandbox_values(sandbox, registered.app_id, registered.redirect_uri),
                             "not-the-secret")
    with flask_run(app_python, project, port) as site:
        browser.get(site + "/")
        sign_up(browser, sandbox.home, f"learner-{uuid.uuid4().hex[:6]}@example.com", "Wrong Secret")
        assert wait_for(browser, "error-title").text == "Sign-in error"
        assert "AADSTS7000215" in browser.find_element(By.ID, "error-description").text


def test_unregistered_redirect_port_shows_AADSTS50011(sandbox, graph, app_python, browser, tmp_path):
    registered = register_app(sandbox, graph, f"http://localhost:{free_port()}/getAToken")
    port = free_port()
    project = render_project(tmp_path, sandbox_values(sandbox, registered.app_id, f"http://localhost:{port}/getAToken"),
                             registered.secret)
    with flask_run(app_python, project, port) as site:
        browser.get(site + "/")
        assert "AADSTS50011" in wait_for(browser, "error").text


def test_env_values_read_back_exactly_with_python_dotenv(app_python, tmp_path):
    secret = "a'b\\c d#e\"f $HOME ~x"
    values = {"CLIENT_ID": str(uuid.uuid4()), "AUTHORITY": "https://contoso.ciamlogin.com/contoso.onmicrosoft.com",
              "REDIRECT_URI": "http://localhost:5000/getAToken", "REQUESTS_CA_BUNDLE": "/tmp/with space/ca.pem"}
    project = render_project(tmp_path, values, secret)
    script = ("import json, sys; from dotenv import dotenv_values; "
              "print(json.dumps(dotenv_values(sys.argv[1])))")
    result = subprocess.run([str(app_python), "-c", script, str(project / ".env")], check=True, capture_output=True,
                            text=True)
    assert json.loads(result.stdout) == dict(values, CLIENT_SECRET=secret)


def test_unreachable_sandbox_tenant_names_the_authority_and_the_command(app_python, tmp_path):
    """An authority on a closed port (the sandbox not started): the app's error page names it and
    `tutor sandbox serve`, instead of a bare 500."""
    closed = free_port()
    port = free_port()
    authority = f"https://localhost:{closed}/{uuid.uuid4()}"
    project = render_project(tmp_path, {"CLIENT_ID": str(uuid.uuid4()), "AUTHORITY": authority,
                                        "REDIRECT_URI": f"http://localhost:{port}/getAToken"}, "unused")
    with flask_run(app_python, project, port) as site:
        page = requests.get(site + "/", timeout=30)
    assert page.status_code == 502
    assert authority in page.text
    assert "tutor sandbox serve" in page.text
