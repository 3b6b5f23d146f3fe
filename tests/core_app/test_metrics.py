"""GET /metrics: what the core counts, how it is labelled, who may read it, and that the
totals are right across gunicorn workers (README "Operating it")."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from core_app.metrics import core_metrics, database_label
from core_app.testing.apps import new_app, new_id, sign_up
from core_app.testing.client import core_test_client

OPERATOR_KEY = "operator-key-0123456789abcdef"
APP_KEY = "app-team-key-0123456789abcdef"
PASSWORD = "metrics-secret-password-1"


def figures(text: str) -> list[tuple[str, dict[str, str], float]]:
    """Every sample of a /metrics answer: name, labels, value."""
    return [
        (sample.name, sample.labels, sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    ]


def figure(text: str, name: str, **labels: str) -> float:
    """The sum of the samples called ``name`` whose labels include ``labels``."""
    return sum(
        value
        for sample_name, sample_labels, value in figures(text)
        if sample_name == name and all(sample_labels.get(k) == v for k, v in labels.items())
    )


def scrape(client: Any, **headers: str) -> str:
    answer = client.get("/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.content_type.startswith("text/plain; version=")
    return answer.get_data(as_text=True)


def test_requests_are_counted_by_route_rule_method_and_status(client):
    app_id = new_app(client, {"t1": {}})
    for number in range(3):
        sign_up(client, f"u{number}@example.com", PASSWORD, tenant="t1", app_id=app_id)
    client.get(f"/appid-{app_id}/t1/recipe/signup")  # 405
    text = scrape(client)
    assert (
        figure(
            text,
            "supertokens_http_requests_total",
            app=app_id,
            route="/recipe/signup",
            method="POST",
            status="200",
        )
        == 3
    )
    assert figure(text, "supertokens_http_requests_total", app=app_id, status="405") == 1
    assert (
        figure(
            text,
            "supertokens_http_request_duration_seconds_count",
            app=app_id,
            route="/recipe/signup",
            method="POST",
        )
        == 3
    )
    # the rule, never the raw path; no tenant unless metrics_tenant_label
    assert all("appid-" not in labels.get("route", "") for _, labels, _ in figures(text))
    assert {
        labels.get("tenant", "") for _, labels, _ in figures(text) if labels.get("app") == app_id
    } == {""}


def test_outcomes_are_counted_by_recipe_and_status(client):
    app_id = new_app(client)
    sign_up(client, "a@example.com", PASSWORD, app_id=app_id)
    sign_up(client, "a@example.com", PASSWORD, app_id=app_id)
    client.post(
        f"/appid-{app_id}/recipe/signin", json={"email": "a@example.com", "password": "wrong-1"}
    )
    client.post(
        f"/appid-{app_id}/recipe/signinup/code",
        json={"email": "b@example.com"},
    )
    text = scrape(client)

    def outcomes(recipe: str, route: str, status: str) -> float:
        return figure(
            text,
            "supertokens_recipe_outcomes_total",
            app=app_id,
            recipe=recipe,
            route=route,
            status=status,
        )

    assert outcomes("emailpassword", "/recipe/signup", "OK") == 1
    assert outcomes("emailpassword", "/recipe/signup", "EMAIL_ALREADY_EXISTS_ERROR") == 1
    assert outcomes("emailpassword", "/recipe/signin", "WRONG_CREDENTIALS_ERROR") == 1
    assert outcomes("passwordless", "/recipe/signinup/code", "OK") == 1


def test_sessions_created_refreshed_and_token_theft_are_counted(client):
    app_id = new_app(client)
    created = client.post(
        f"/appid-{app_id}/recipe/session",
        json={
            "userId": "user-1",
            "enableAntiCsrf": False,
            "userDataInJWT": {},
            "userDataInDatabase": {},
        },
    ).json
    first_refresh_token = created["refreshToken"]["token"]
    body = {"enableAntiCsrf": False, "useDynamicSigningKey": True}
    refreshed = client.post(
        f"/appid-{app_id}/recipe/session/refresh",
        json={**body, "refreshToken": first_refresh_token},
    ).json
    assert refreshed["status"] == "OK"
    # the child token's use makes the parent's reuse theft
    client.post(
        f"/appid-{app_id}/recipe/session/verify",
        json={
            "accessToken": refreshed["accessToken"]["token"],
            "doAntiCsrfCheck": False,
            "enableAntiCsrf": False,
            "checkDatabase": True,
        },
    )
    client.post(
        f"/appid-{app_id}/recipe/session/refresh",
        json={**body, "refreshToken": refreshed["refreshToken"]["token"]},
    )
    theft = client.post(
        f"/appid-{app_id}/recipe/session/refresh",
        json={**body, "refreshToken": first_refresh_token},
    ).json
    assert theft["status"] == "TOKEN_THEFT_DETECTED"
    text = scrape(client)
    events = {
        event: figure(text, "supertokens_session_events_total", app=app_id, event=event)
        for event in ("created", "refreshed", "token_theft_detected")
    }
    assert events == {"created": 1, "refreshed": 2, "token_theft_detected": 1}
    assert "user-1" not in text


def test_throttle_refusals_are_counted_by_kind(make_app):
    client = core_test_client(make_app(password_max_consecutive_failures=2))
    app_id = new_app(client)
    sign_up(client, "c@example.com", PASSWORD, app_id=app_id)
    for _ in range(4):  # two failures lock the email; the next two are refused
        client.post(
            f"/appid-{app_id}/recipe/signin",
            json={"email": "c@example.com", "password": "wrong-password-1"},
        )
    text = scrape(client)
    assert (
        figure(text, "supertokens_throttle_refusals_total", app=app_id, kind="password-attempts")
        == 2
    )
    assert "c@example.com" not in text


def test_tenant_label_only_with_metrics_tenant_label(make_app):
    client = core_test_client(make_app(metrics_tenant_label=True))
    app_id = new_app(client, {"t1": {}})
    sign_up(client, "d@example.com", PASSWORD, tenant="t1", app_id=app_id)
    text = scrape(client)
    assert (
        figure(
            text, "supertokens_http_requests_total", app=app_id, tenant="t1", route="/recipe/signup"
        )
        == 1
    )
    assert (
        figure(
            text,
            "supertokens_recipe_outcomes_total",
            app=app_id,
            tenant="t1",
            recipe="emailpassword",
        )
        == 1
    )


def test_requests_for_unknown_apps_are_not_labelled_with_their_ids(client):
    made_up = new_id("nosuchapp")
    answer = client.post(f"/appid-{made_up}/recipe/signup", json={})
    assert answer.status_code == 400
    client.get(f"/{made_up}/no/such/path")
    text = scrape(client)
    assert made_up not in text
    assert figure(text, "supertokens_http_requests_total", app="", route="/recipe/signup") >= 1


def test_connections_in_use_per_database_never_show_a_password(client, database_url):
    text = scrape(client)
    databases = {
        labels["database"]
        for name, labels, _ in figures(text)
        if name == "supertokens_database_connections_in_use"
    }
    assert database_label(database_url) in databases
    # the scrape itself holds no connection: the sync worker answers one request at a time
    assert (
        figure(
            text,
            "supertokens_database_connections_in_use",
            database=database_label(database_url),
        )
        == 0
    )
    label = database_label(
        "postgresql+psycopg2://core:hunter2secret@db.internal:5433/st?sslmode=require"
    )
    assert label == "postgresql+psycopg2://db.internal:5433/st"


def test_metrics_need_the_operators_key_when_api_keys_are_set(make_app):
    core = make_app(api_keys=OPERATOR_KEY)
    operator = core_test_client(core, api_key=OPERATOR_KEY)
    anonymous = core_test_client(core, api_key=None)
    assert anonymous.get("/metrics").status_code == 401
    assert anonymous.get("/metrics", headers={"api-key": "x" * 30}).status_code == 401
    # an app team's key is refused: the figures are every app's
    other_app = new_app(operator)
    assert (
        operator.put(
            "/recipe/multitenancy/app/v2",
            json={"appId": other_app, "coreConfig": {"api_keys": APP_KEY}},
        ).json["status"]
        == "OK"
    )
    assert (
        anonymous.get(f"/appid-{other_app}/apiversion", headers={"api-key": APP_KEY}).status_code
        == 200
    )
    assert anonymous.get("/metrics", headers={"api-key": APP_KEY}).status_code == 401
    # Prometheus sends the key as a bearer token
    text = scrape(anonymous, Authorization=f"Bearer {OPERATOR_KEY}")
    assert OPERATOR_KEY not in text and APP_KEY not in text
    # not per app or tenant
    assert operator.get(f"/appid-{other_app}/metrics").status_code == 403
    assert (
        anonymous.get(f"/appid-{other_app}/metrics", headers={"api-key": APP_KEY}).status_code
        == 403
    )
    assert operator.get("/t1/metrics").status_code == 400


def test_importing_the_gunicorn_config_leaves_prometheus_client_unimported():
    # prometheus_client reads PROMETHEUS_MULTIPROC_DIR when first imported: gunicorn's master
    # imports the config (and core_app) before on_starting sets the variable.
    probe = (
        "import sys, core_app.gunicorn_config as c; "
        "print(json.dumps(['prometheus_client' in sys.modules, callable(c.on_starting)]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", "import json; " + probe],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "SUPERTOKENS_CONFIG": os.devnull},
    ).stdout
    assert json.loads(out) == [False, True]


def _access_pids(output: str, request_ids: set[str]) -> set[int]:
    """The worker processes whose access lines name one of ``request_ids``."""
    pids = set()
    for line in output.split("\n")[:-1]:  # complete lines: a worker may be writing the last
        if line.startswith("{") and '"gunicorn.access"' in line:
            record = json.loads(line)
            if record.get("request_id") in request_ids:
                pids.add(record["process"])
    return pids


def _worker_pids(core: Any) -> set[int]:
    children = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(core.process.pid)], capture_output=True, text=True
    ).stdout
    return {int(pid) for pid in children.split()}


def test_totals_are_right_whichever_gunicorn_worker_answers(start_core):
    core = start_core(config={"api_keys": OPERATOR_KEY}, workers=2)
    headers = {"api-key": OPERATOR_KEY}
    sent: set[str] = set()
    # separate connections, so both workers take requests; until both have answered
    for number in range(400):
        request_id = f"count-{number}"
        answer = requests.get(
            core.url + "/apiversion", headers={**headers, "X-Request-Id": request_id}
        )
        assert answer.status_code == 200
        assert answer.headers["X-Request-Id"] == request_id
        sent.add(request_id)
        if len(sent) >= 50 and len(_access_pids(core.output(), sent)) == 2:
            break
    assert len(_access_pids(core.output(), sent)) == 2, "one worker answered every request"
    email = "gunicorn-metrics@example.com"
    user = requests.post(
        core.url + "/recipe/signup", json={"email": email, "password": PASSWORD}, headers=headers
    ).json()["user"]

    def total() -> float:
        text = requests.get(core.url + "/metrics", headers=headers).text
        for secret in (OPERATOR_KEY, PASSWORD, email, user["id"]):
            assert secret not in text
        return figure(
            text,
            "supertokens_http_requests_total",
            app="public",
            route="/apiversion",
            method="GET",
            status="200",
        )

    assert [total() for _ in range(6)] == [len(sent)] * 6
    assert requests.get(core.url + "/metrics").status_code == 401

    # a worker that dies keeps its counts; its replacement adds to them
    workers = _worker_pids(core)
    os.kill(next(iter(workers)), signal.SIGKILL)
    deadline = time.monotonic() + 20
    while len(_worker_pids(core) - workers) < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert requests.get(core.url + "/apiversion", headers=headers).status_code == 200
    assert total() == len(sent) + 1


DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana-dashboard.json"


def test_grafana_dashboard_uses_only_exposed_names_and_labels():
    exposed: set[str] = set()
    labels: set[str] = {"le"}
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}
    for family in core_metrics().registry.collect():
        exposed.update(family.name + suffix for suffix in suffixes[family.type])
    for collector in vars(core_metrics()).values():
        labels.update(getattr(collector, "_labelnames", ()))
    queries = [
        target["expr"]
        for panel in json.loads(DASHBOARD.read_text())["panels"]
        for target in panel["targets"]
    ]
    assert queries
    used = {name for query in queries for name in re.findall(r"supertokens_[a-z_]+", query)}
    assert used and used <= exposed, used - exposed
    grouped = {
        name.strip()
        for query in queries
        for group in re.findall(r"by \(([^)]*)\)", query)
        for name in group.split(",")
    }
    matched = {name for query in queries for name in re.findall(r"([a-z_]+)=~?\"", query)}
    assert grouped | matched <= labels, (grouped | matched) - labels


def test_signing_key_rotations_are_counted_per_app(client):
    app_id = new_app(client)
    session = {
        "userId": "u",
        "enableAntiCsrf": False,
        "userDataInJWT": {},
        "userDataInDatabase": {},
    }
    for _ in range(3):  # the first session makes the app's first dynamic key; the rest reuse it
        assert client.post(f"/appid-{app_id}/recipe/session", json=session).json["status"] == "OK"
    rotations = figure(
        scrape(client),
        "supertokens_recipe_events_total",
        app=app_id,
        recipe="session",
        event="signing_key_rotated",
    )
    assert rotations == 1


def test_a_recipe_event_name_is_a_fixed_lower_case_name():
    from core_app.plugin_api import count_event

    with pytest.raises(ValueError, match="is not"):
        count_event("session", "Rotated Key!", "public")
