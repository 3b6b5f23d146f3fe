"""The testing kit recipe authors get with the core (core_app.testing, pytest plugin
``supertokens_core``): its client, its database selection, its recipe sets."""

from __future__ import annotations

import textwrap

import pytest
import requests

from core_app.testing.apps import create_tenant, new_app, sign_up
from core_app.testing.client import core_test_client

pytest_plugins = ["pytester"]

TENANTS = "/recipe/multitenancy/tenant/list/v2"
API_KEY = "a-key-of-twenty-chars-or-more"
KIND_PROBE = """
def test_kind(database_url):
    pass
"""


def test_client_sends_the_newest_cdi_version(make_app):
    app = make_app(supertokens_max_cdi_version="5.3")
    answer = core_test_client(app).get(TENANTS)
    assert (answer.status_code, answer.text) == (400, "cdi-version 5.4 not supported\n")
    assert app.test_client().get(TENANTS).status_code == 200  # no header: the core's newest


def test_a_header_the_test_passes_wins(make_app):
    client = core_test_client(make_app(supertokens_max_cdi_version="5.3"))
    assert client.get(TENANTS, headers={"cdi-version": "5.3"}).status_code == 200
    assert core_test_client(client.application, cdi_version=None).get(TENANTS).status_code == 200


def test_client_sends_the_configured_api_key(make_app):
    app = make_app(api_keys=API_KEY)
    assert app.test_client().get(TENANTS).status_code == 401
    assert core_test_client(app).get(TENANTS).json["status"] == "OK"
    assert core_test_client(app, api_key=None).get(TENANTS).status_code == 401


def test_client_fixture_speaks_a_cdi_version(client):
    app_id = new_app(client)
    client.put(
        "/recipe/multitenancy/app/v2",
        json={"appId": app_id, "coreConfig": {"supertokens_max_cdi_version": "5.3"}},
    )
    answer = client.get(f"/appid-{app_id}{TENANTS}")
    assert (answer.status_code, answer.text) == (400, "cdi-version 5.4 not supported\n")


def test_helpers_make_a_tenant_and_a_user_through_http(client):
    app_id = new_app(client)
    assert (
        create_tenant(client, "t1", first_factors=["emailpassword"], app_id=app_id)["createdNew"]
        is True
    )
    tenant = client.get(f"/appid-{app_id}/t1/recipe/multitenancy/tenant/v2").json
    assert tenant["firstFactors"] == ["emailpassword"]
    signed_up = sign_up(client, "kit@example.com", "a-password-1", tenant="t1", app_id=app_id)
    assert signed_up["status"] == "OK"
    assert signed_up["user"]["emails"] == ["kit@example.com"]
    assert signed_up["user"]["tenantIds"] == ["t1"]


def test_make_app_recipes_disables_the_others(make_app):
    client = core_test_client(make_app(recipes=["session"]))
    assert (
        client.post("/recipe/signup", json={"email": "a@b.c", "password": "x"}).status_code == 404
    )
    session = client.post(
        "/recipe/session",
        json={
            "userId": "u1",
            "enableAntiCsrf": False,
            "userDataInJWT": {},
            "userDataInDatabase": {},
        },
    )
    assert session.json["status"] == "OK"


@pytest.mark.integration
def test_start_core_serves_the_recipe_set_under_gunicorn(start_core):
    core = start_core(recipes=["session"])
    assert requests.get(f"{core.url}/hello", timeout=10).text.strip() == "Hello"
    assert (
        requests.post(
            f"{core.url}/recipe/signup", timeout=10, json={"email": "a@b.c", "password": "x"}
        ).status_code
        == 404
    )


def _collected(result: pytest.RunResult) -> list[str]:
    return sorted(line for line in result.outlines if "::test_kind[" in line)


@pytest.mark.parametrize(
    "arguments, environment, kinds",
    [
        ([], None, ["mysql", "postgresql", "sqlite"]),
        (["--st-databases=sqlite"], None, ["sqlite"]),
        ([], "mysql, sqlite", ["mysql", "sqlite"]),
        (["--st-databases=postgresql"], "sqlite", ["postgresql"]),  # the option wins
    ],
)
def test_database_kinds_are_chosen_per_run(
    pytester: pytest.Pytester, monkeypatch, arguments, environment, kinds
):
    if environment is None:
        monkeypatch.delenv("ST_TEST_DATABASES", raising=False)
    else:
        monkeypatch.setenv("ST_TEST_DATABASES", environment)
    pytester.makepyfile(test_probe=KIND_PROBE)
    result = pytester.runpytest("--collect-only", "-q", *arguments)
    assert result.ret == 0, result.outlines
    assert _collected(result) == [f"test_probe.py::test_kind[{kind}]" for kind in kinds]


def test_a_fresh_database_follows_the_same_choice(pytester: pytest.Pytester, monkeypatch):
    monkeypatch.delenv("ST_TEST_DATABASES", raising=False)
    pytester.makepyfile(
        test_probe="""
def test_kind(fresh_database_url):
    pass

def test_both(database_url, fresh_database_url):
    pass
"""
    )
    result = pytester.runpytest("--collect-only", "-q", "--st-databases=sqlite,mysql")
    assert result.ret == 0, result.outlines
    collected = sorted(line for line in result.outlines if "::test_" in line)
    assert collected == [
        "test_probe.py::test_both[mysql]",
        "test_probe.py::test_both[sqlite]",
        "test_probe.py::test_kind[mysql]",
        "test_probe.py::test_kind[sqlite]",
    ]


def test_an_unknown_database_kind_is_a_usage_error(pytester: pytest.Pytester):
    pytester.makepyfile(test_probe=KIND_PROBE)
    result = pytester.runpytest("--st-databases=sqlite,oracle")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown database kind(s) oracle*"])


def test_a_recipe_suite_runs_on_the_kit_alone(pytester: pytest.Pytester, monkeypatch):
    monkeypatch.delenv("ST_TEST_DATABASES", raising=False)
    pytester.makepyfile(
        test_recipe=textwrap.dedent("""
        def test_sign_up(client):
            from core_app.testing.apps import sign_up
            assert sign_up(client, "r@example.com", "a-password-1")["status"] == "OK"
    """)
    )
    result = pytester.runpytest("-q", "--st-databases=sqlite")
    result.assert_outcomes(passed=1)
