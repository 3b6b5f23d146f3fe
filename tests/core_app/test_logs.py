"""Logs: one JSON line per event, the request's id, app and tenant on each line of a
request, the id echoed to the caller, and never a secret in any line (README "Operating
it")."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import time
from typing import Any

import bcrypt
import pytest
import requests

from core_app import ConfigError, service_info

OPERATOR_KEY = "operator-key-0123456789abcdef"
GENERATED_ID = re.compile(r"[0-9a-f]{32}")


def test_request_id_is_the_callers_when_it_is_a_short_token(client):
    given = client.get("/hello", headers={"X-Request-Id": "trace-1.2:3_x"})
    assert given.headers["X-Request-Id"] == "trace-1.2:3_x"
    first = client.get("/hello").headers["X-Request-Id"]
    second = client.get("/hello").headers["X-Request-Id"]
    assert GENERATED_ID.fullmatch(first) and GENERATED_ID.fullmatch(second) and first != second
    # hostile ids are replaced, not trimmed: too long, spaces, markup, non-ASCII
    for hostile in ("a" * 129, "two words", "<script>", "ünïcode", ""):
        echoed = client.get("/hello", headers={"X-Request-Id": hostile}).headers["X-Request-Id"]
        assert GENERATED_ID.fullmatch(echoed), hostile
    # every answer carries it, errors too
    refused = client.get("/recipe/signup", headers={"X-Request-Id": "on-a-405"})
    assert refused.status_code == 405 and refused.headers["X-Request-Id"] == "on-a-405"


def test_a_500_names_the_request_id_in_its_body_and_log_line(client, monkeypatch, caplog):
    def broken(_ctx: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(service_info, "_hello", broken)
    with caplog.at_level(logging.ERROR, logger="core_app"):
        answer = client.get("/hello", headers={"X-Request-Id": "incident-42"})
    assert answer.status_code == 500
    assert answer.get_data(as_text=True) == "Internal Error (request id incident-42)\n"
    assert answer.headers["X-Request-Id"] == "incident-42"
    [record] = [r for r in caplog.records if r.name == "core_app.errors"]
    assert "RuntimeError: a bug" in caplog.text
    assert "incident-42" in record.getMessage()


def _json_lines(output: str) -> list[dict[str, Any]]:
    """Every line of a core's output, each of which must be one JSON object."""
    lines = [line for line in output.splitlines() if line.strip()]
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            raise AssertionError(f"not a JSON line: {line!r}") from None
    return records


def _post(core: Any, path: str, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    answer = requests.post(
        core.url + path, json=body, headers={"api-key": OPERATOR_KEY, **headers}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_no_secret_reaches_the_log_at_debug(start_core):
    core = start_core(
        config={"api_keys": OPERATOR_KEY, "log_level": "DEBUG"},
        env={"SUPERTOKENS_TRACE_HOOKS": "1"},
    )
    secrets: list[str] = [OPERATOR_KEY]
    app_client = _AppRequests(core)
    app_id = app_client.app_id

    # email and password: sign-up, right and wrong sign-ins, reset token, imported hash
    password, wrong = "Secret-password-1", "Wrong-password-2"
    secrets += [password, wrong]
    user = app_client.post("/recipe/signup", {"email": "log-a@example.com", "password": password})[
        "user"
    ]
    app_client.post("/recipe/signin", {"email": "log-a@example.com", "password": password})
    app_client.post("/recipe/signin", {"email": "log-a@example.com", "password": wrong})
    reset = app_client.post(
        "/recipe/user/password/reset/token", {"userId": user["id"], "email": "log-a@example.com"}
    )["token"]
    secrets.append(reset)
    app_client.post("/recipe/user/password/reset/token/consume", {"token": reset})
    imported_password = "Imported-password-3"
    imported_hash = bcrypt.hashpw(imported_password.encode(), bcrypt.gensalt(4)).decode()
    secrets += [imported_password, imported_hash]
    app_client.post(
        "/recipe/user/passwordhash/import",
        {"email": "log-b@example.com", "passwordHash": imported_hash},
    )
    app_client.post("/recipe/signin", {"email": "log-b@example.com", "password": imported_password})
    verify = app_client.post(
        "/recipe/user/email/verify/token", {"userId": user["id"], "email": "log-a@example.com"}
    )["token"]
    secrets.append(verify)
    app_client.post("/recipe/user/email/verify", {"method": "token", "token": verify})

    # sessions: create, verify, refresh, reuse of a rotated token
    session = app_client.post(
        "/recipe/session",
        {
            "userId": user["id"],
            "enableAntiCsrf": True,
            "userDataInJWT": {},
            "userDataInDatabase": {},
        },
    )
    access, refresh = session["accessToken"]["token"], session["refreshToken"]["token"]
    anti_csrf = session["antiCsrfToken"]
    secrets += [access, refresh, anti_csrf]
    app_client.post(
        "/recipe/session/verify",
        {
            "accessToken": access,
            "antiCsrfToken": anti_csrf,
            "doAntiCsrfCheck": True,
            "enableAntiCsrf": True,
            "checkDatabase": True,
        },
    )
    refreshed = app_client.post(
        "/recipe/session/refresh",
        {
            "refreshToken": refresh,
            "antiCsrfToken": anti_csrf,
            "enableAntiCsrf": True,
            "useDynamicSigningKey": True,
        },
    )
    secrets += [refreshed["accessToken"]["token"], refreshed["refreshToken"]["token"]]

    # passwordless: a code, a wrong typed code, the right one, a magic link
    for email in ("log-c@example.com", "log-d@example.com"):
        code = app_client.post("/recipe/signinup/code", {"email": email})
        secrets += [code["userInputCode"], code["linkCode"], code["deviceId"]]
        secrets.append(code["preAuthSessionId"])
        typed = {"preAuthSessionId": code["preAuthSessionId"], "deviceId": code["deviceId"]}
        if email == "log-c@example.com":
            app_client.post("/recipe/signinup/code/consume", {**typed, "userInputCode": "000000"})
            app_client.post(
                "/recipe/signinup/code/consume", {**typed, "userInputCode": code["userInputCode"]}
            )
        else:
            app_client.post(
                "/recipe/signinup/code/consume",
                {"preAuthSessionId": code["preAuthSessionId"], "linkCode": code["linkCode"]},
            )

    # a worker writes its access line just after the answer: wait for the last one
    deadline = time.monotonic() + 10
    while core.output().count('"path": "/appid-logs-app/') < app_client.sent:
        assert time.monotonic() < deadline, "access lines missing"
        time.sleep(0.05)
    whole_log = core.output()
    records = _json_lines(whole_log)
    leaked = [secret for secret in secrets if secret in whole_log]
    assert leaked == []
    # the requests above are in the access log, each with its id, app and tenant ...
    access_lines = [
        r for r in records if r["logger"] == "gunicorn.access" and r.get("app") == app_id
    ]
    assert len(access_lines) == app_client.sent
    assert all(r["tenant"] == "public" and r["request_id"] for r in access_lines)
    assert len({r["request_id"] for r in access_lines}) == len(access_lines)
    assert all("?" not in r["path"] for r in access_lines)
    # ... and the core's own lines of a request carry the same id (hook traces at INFO)
    traced = [
        r
        for r in records
        if r["logger"].startswith("core_app") and r.get("request_id") == "traced-1"
    ]
    assert traced and all(r["app"] == app_id for r in traced)


class _AppRequests:
    """Requests to one new app of a running core, with the operator's key; counts them."""

    def __init__(self, core: Any):
        self.core = core
        self.sent = 0
        answer = requests.put(
            core.url + "/recipe/multitenancy/app/v2",
            json={"appId": "logs-app"},
            headers={"api-key": OPERATOR_KEY},
            timeout=30,
        )
        assert answer.json()["status"] == "OK", answer.text
        self.app_id = "logs-app"

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST to ``path`` of the app; the first request is the one traced as traced-1."""
        request_id = "traced-1" if self.sent == 0 else None
        headers = {"X-Request-Id": request_id} if request_id else {}
        self.sent += 1
        return _post(self.core, f"/appid-{self.app_id}{path}", body, **headers)


def test_text_format_is_one_line_per_event_with_the_request_fields(start_core):
    core = start_core(config={"log_format": "text"})
    answer = requests.get(core.url + "/hello", headers={"X-Request-Id": "text-1"}, timeout=30)
    assert answer.headers["X-Request-Id"] == "text-1"
    deadline = time.monotonic() + 10
    while "[text-1 " not in core.output():
        assert time.monotonic() < deadline, core.output()
        time.sleep(0.05)
    lines = core.output().splitlines()
    assert not any(line.startswith("{") for line in lines)
    [access] = [line for line in lines if "[text-1 " in line]
    assert re.search(r" INFO gunicorn\.access \[text-1 public/public\] GET /hello 200 ", access)


def test_log_format_must_be_json_or_text(make_app):
    with pytest.raises(ConfigError, match="'log_format' must be json or text"):
        make_app(log_format="xml")


def test_the_access_log_is_on_at_info_and_debug_and_off_above(tmp_path):
    # dictConfig replaces the root logger's handlers: in a process of its own
    probe = (
        "import json, logging, logging.config\n"
        "from core_app.logs import gunicorn_logging\n"
        "enabled = {}\n"
        "for level in ('DEBUG', 'INFO', 'WARN', 'ERROR', 'NONE'):\n"
        "    logging.config.dictConfig(gunicorn_logging({'log_level': level, "
        "'log_format': 'json', 'info_log_path': 'null', 'error_log_path': 'null'}))\n"
        "    enabled[level] = logging.getLogger('gunicorn.access').isEnabledFor(logging.INFO)\n"
        "print(json.dumps(enabled))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout
    assert json.loads(out) == {
        "DEBUG": True,
        "INFO": True,
        "WARN": False,
        "ERROR": False,
        "NONE": False,
    }
