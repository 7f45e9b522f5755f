"""The whole mission on the sandbox: `tutor run` prepares the tenant from the tutorial's Markdown
and renders the Flask project (`--out`); the project, installed and started as its README says,
signs a new user up in a real headless Chromium, signs out and signs in again. A second run of the
same tutorial resumes and creates nothing."""

import json
import signal
import subprocess
import uuid

import pytest
from conftest import TUTOR, wait_for_server
from selenium.webdriver.common.by import By
from test_auth_code_flask import free_port, wait_for
from test_generated_flask_app import ORIGINAL_ENVIRONMENT, PASSWORD, ROOT, app_python, flask_run, sign_up

TUTORIAL = ROOT / "tutorials" / "tutorial-web-app-python-flask-prepare-tenant.md"
__all__ = ["app_python"]


@pytest.fixture
def default_sandbox(tmp_path):
    """`tutor sandbox serve` at the default home of a fresh XDG_STATE_HOME, where `tutor run` finds it."""
    state_home = tmp_path / "state"
    home = state_home / "tutor" / "sandbox"
    home.mkdir(parents=True)
    log_file = tmp_path / "serve.log"
    with open(log_file, "w") as log:
        process = subprocess.Popen([TUTOR, "sandbox", "serve", "--home", str(home), "--port", "0"],
                                   stdout=log, stderr=subprocess.STDOUT, env=ORIGINAL_ENVIRONMENT)
    try:
        wait_for_server(home, process, log_file)
        yield state_home, log_file
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def tutor_run(state_home, state_dir, out, port):
    environment = dict(ORIGINAL_ENVIRONMENT, XDG_STATE_HOME=str(state_home), NO_COLOR="1")
    return subprocess.run([TUTOR, "run", str(TUTORIAL), "--var", f"redirectPort={port}", "--state-dir", str(state_dir),
                           "--out", str(out), "--force"], env=environment, capture_output=True, text=True, check=False)


def test_run_renders_a_project_that_signs_a_new_user_in(default_sandbox, app_python, browser, tmp_path):
    state_home, serve_log = default_sandbox
    port = free_port()
    state_dir = tmp_path / "run"
    project = tmp_path / "flask-webapp"

    first = tutor_run(state_home, state_dir, project, port)
    assert first.returncode == 0, first.stdout + first.stderr
    secret = json.loads((state_dir / "secrets.json").read_text())["outputs"]["CLIENT_SECRET"]
    assert secret and secret not in first.stdout + first.stderr
    record_text = (state_dir / "record.json").read_text()
    assert secret not in record_text
    record = json.loads(record_text)
    assert record["status"] == "succeeded" and record["tenant"]["sandbox"] is True
    assert record["outputs"]["REDIRECT_URI"] == f"http://localhost:{port}/getAToken"
    assert (project / ".env").stat().st_mode & 0o777 == 0o600
    created = len(record["resources"])
    assert created >= 3

    second = tutor_run(state_home, state_dir, project, port)
    assert second.returncode == 0, second.stdout + second.stderr
    assert len(json.loads((state_dir / "record.json").read_text())["resources"]) == created
    assert secret not in second.stdout + second.stderr

    email = f"learner-{uuid.uuid4().hex[:6]}@example.com"
    with flask_run(app_python, project, port) as site:
        browser.get(site + "/")
        sign_up(browser, state_home / "tutor" / "sandbox", email, "Katherine Learner")
        assert wait_for(browser, "user-name").text == "Katherine Learner"
        browser.find_element(By.ID, "sign-out").click()
        wait_for(browser, "signin-form")
        browser.find_element(By.ID, "email").send_keys(email)
        browser.find_element(By.ID, "password").send_keys(PASSWORD)
        browser.find_element(By.ID, "next").click()
        assert wait_for(browser, "user-name").text == "Katherine Learner"
    assert secret not in serve_log.read_text()
    assert not any(secret in path.read_text(errors="replace") for path in project.rglob("*.log"))
