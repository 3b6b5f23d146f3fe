"""An app whose stored coreConfig no longer validates (made by a core in test mode, then
served without it) is contained: its requests answer 503 naming the app and the key, the
other apps go on, and housekeeping and the command line name it and still do their work."""

from __future__ import annotations

import logging
import re

import pytest

from core_app.cli import main
from core_app.housekeeping import run_housekeeping
from core_app.testing.apps import AppClient, new_app

STALE_KEY = "access_token_dynamic_signing_key_update_interval"
SESSION = {
    "userId": "stale-user",
    "enableAntiCsrf": False,
    "userDataInJWT": {},
    "userDataInDatabase": {},
}


@pytest.fixture
def stale_and_good(make_app) -> tuple[str, str]:
    """Two apps made by a test-mode core: one with a key valid only in test mode."""
    test_core = make_app(test_mode=True).test_client()
    stale = new_app(test_core, {"t1": {}})
    answer = test_core.put(
        "/recipe/multitenancy/app/v2", json={"appId": stale, "coreConfig": {STALE_KEY: "0.0004"}}
    )
    assert answer.json["status"] == "OK", answer.text
    return stale, new_app(test_core)


def test_the_stale_app_answers_503_naming_itself_and_the_key(make_app, stale_and_good, caplog):
    stale, good = stale_and_good
    client = make_app().test_client()
    with caplog.at_level(logging.ERROR, logger="core_app"):
        for tenant in ("public", "t1"):
            answer = AppClient(client, stale).post("/recipe/session", SESSION, tenant)
            assert answer.status_code == 503
            assert f"App '{stale}'" in answer.text and STALE_KEY in answer.text
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(stale in line and STALE_KEY in line for line in logged), logged
    assert not any("Traceback" in line for line in logged)

    for app_id in (good, "public"):
        answer = AppClient(client, app_id).post("/recipe/session", SESSION)
        assert answer.status_code == 200, answer.text
    listed = client.get("/recipe/multitenancy/app/list/v2")
    assert listed.status_code == 200
    assert stale in [app["appId"] for app in listed.json["apps"]]


def test_the_operator_can_fix_the_stale_app(make_app, stale_and_good):
    stale, _good = stale_and_good
    client = make_app().test_client()
    assert AppClient(client, stale).post("/recipe/session", SESSION).status_code == 503
    fixed = client.put(
        "/recipe/multitenancy/app/v2", json={"appId": stale, "coreConfig": {STALE_KEY: None}}
    )
    assert fixed.json["status"] == "OK", fixed.text
    answer = AppClient(client, stale).post("/recipe/session", SESSION)
    assert answer.status_code == 200, answer.text


def test_housekeeping_goes_on_and_names_the_app(make_app, stale_and_good, caplog):
    stale, _good = stale_and_good
    core = make_app().extensions["supertokens_core"]
    with caplog.at_level(logging.WARNING, logger="core_app"):
        cleaned = run_housekeeping(core)
    assert core.storage.base_uri in cleaned
    logged = [r.getMessage() for r in caplog.records]
    assert any(stale in line and STALE_KEY in line for line in logged), logged


def test_the_command_line_names_the_app_and_still_cleans_and_recounts(
    database_url, stale_and_good, monkeypatch, capsys
):
    stale, _good = stale_and_good
    monkeypatch.setenv("SUPERTOKENS_CONNECTION_URI", database_url)

    # Other tests of the run may have given tenants databases of their own: count loosely.
    assert main(["cleanup"]) == 1  # the work is done, but cron should tell someone
    out, err = capsys.readouterr()
    assert re.search(r"cleaned [1-9]\d* database\(s\)", out), out
    assert f"App '{stale}'" in err and STALE_KEY in err

    main(["recount-users"])
    out, err = capsys.readouterr()
    assert re.search(r"recounted users in [1-9]\d* database\(s\)", out), out
    assert f"App '{stale}'" in err and STALE_KEY in err
