"""Throttled password guessing (Extension): per email and per tenant, on every database,
across two core instances, and as the official SDK sees it."""

from __future__ import annotations

import time

import pytest
import requests
from sqlalchemy import event, select
from supertokens_python.recipe import emailpassword
from supertokens_python.recipe.emailpassword import syncio as ep
from supertokens_python.recipe.emailpassword.interfaces import (
    SignInOkResult,
    WrongCredentialsError,
)

from core_app import throttling
from core_app.testing.concurrency import race
from core_app.testing.core_process import CoreProcess
from core_app.testing.sdk import create_app_on_core, init_sdk, reset_sdk
from plugins.emailpassword import hashing
from tests.plugins.emailpassword.test_api import CHEAP_HASHES, Api, new_api

WRONG = {"status": "WRONG_CREDENTIALS_ERROR"}
LOCK_S = 2  # the integration tests' first lock; the API tests move the clock instead


@pytest.fixture
def api(make_app):
    return new_api(make_app(**CHEAP_HASHES).test_client())


def counters(api, kind: str = "password-attempts") -> list:
    table = throttling.throttle_counters
    engine = api.client.application.extensions["supertokens_core"].storage.engine()
    with engine.connect() as conn:
        return conn.execute(
            select(table).where(table.c.app_id == api.app_id, table.c.kind == kind)
        ).all()


def test_ten_wrong_passwords_lock_the_email_even_for_the_right_one(api, clock) -> None:
    assert api.sign_up("ann@example.com", "right-pass1")["status"] == "OK"
    for index in range(10):
        assert api.sign_in("ann@example.com", f"wrong-pass{index}") == WRONG
    assert api.sign_in("ann@example.com", "right-pass1") == WRONG
    clock[0] += 299_000
    assert api.sign_in("ann@example.com", "right-pass1") == WRONG
    clock[0] += 1_000  # the first lock is 5 minutes
    assert api.sign_in("ann@example.com", "right-pass1")["status"] == "OK"
    assert counters(api) == []  # a success starts the count again
    for index in range(9):
        assert api.sign_in("ann@example.com", f"wrong-pass{index}") == WRONG
    assert api.sign_in("ann@example.com", "right-pass1")["status"] == "OK"


def test_locks_grow_and_refused_attempts_are_not_counted(api, clock) -> None:
    api.sign_up("bob@example.com", "right-pass1")
    for _ in range(10):
        api.sign_in("bob@example.com", "wrong-pass1")
    for _ in range(20):
        assert api.sign_in("bob@example.com", "wrong-pass1") == WRONG
    [row] = counters(api)
    assert row.failures == 10
    clock[0] += 300_000
    for _ in range(10):
        api.sign_in("bob@example.com", "wrong-pass1")
    clock[0] += 599_000  # the second lock is twice the first
    assert api.sign_in("bob@example.com", "right-pass1") == WRONG
    clock[0] += 1_000
    assert api.sign_in("bob@example.com", "right-pass1")["status"] == "OK"


def test_a_locked_email_costs_no_hash(api, clock, monkeypatch) -> None:
    api.sign_up("cat@example.com", "right-pass1")
    for _ in range(10):
        api.sign_in("cat@example.com", "wrong-pass1")
    checked = []
    real_verify = hashing.verify_password
    monkeypatch.setattr(
        hashing, "verify_password", lambda *args: checked.append(1) or real_verify(*args)
    )
    assert api.sign_in("cat@example.com", "right-pass1") == WRONG
    assert checked == []


def test_an_owners_sign_in_writes_no_throttle_row(api, clock) -> None:
    """A quiet email's counter is only read: the common sign-in pays no write for it."""
    api.sign_up("ida@example.com", "right-pass1")
    engine = api.client.application.extensions["supertokens_core"].storage.engine()
    statements: list[str] = []

    def remember(_conn, _cursor, statement, *_args) -> None:
        if "throttle_counters" in statement:
            statements.append(statement.split()[0].upper())

    event.listen(engine, "before_cursor_execute", remember)
    try:
        assert api.sign_in("ida@example.com", "right-pass1")["status"] == "OK"
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert statements and set(statements) == {"SELECT"}
    # After a failure the next success forgets it.
    assert api.sign_in("ida@example.com", "wrong-pass1") == WRONG
    assert [row.failures for row in counters(api)] == [1]
    assert api.sign_in("ida@example.com", "right-pass1")["status"] == "OK"
    assert counters(api) == []


def test_parallel_guesses_once_guessing_began_are_admitted_exactly(
    make_app, clock, monkeypatch
) -> None:
    api = new_api(make_app(**CHEAP_HASHES).test_client(), {"password_max_consecutive_failures": 5})
    api.sign_up("jon@example.com", "right-pass1")
    assert api.sign_in("jon@example.com", "wrong-pass0") == WRONG
    checked = []
    real_verify = hashing.verify_password
    monkeypatch.setattr(
        hashing, "verify_password", lambda *args: checked.append(1) or real_verify(*args)
    )
    client = api.client.application

    def guess() -> dict:
        return Api(client.test_client(), api.app_id).sign_in("jon@example.com", "wrong-pass1")

    assert race(12, guess) == [WRONG] * 12
    assert len(checked) == 4  # failures 2..5; the fifth locks the email
    [row] = counters(api)
    assert row.failures == 5 and row.locked_until > clock[0]


def test_an_unknown_email_is_throttled_the_same_way(api, clock) -> None:
    for _ in range(10):
        assert api.sign_in("nobody@example.com", "guess-1") == WRONG
    [row] = counters(api)
    assert row.failures == 10 and row.locked_until == clock[0] + 300_000


def test_the_limit_is_per_email_and_per_tenant_config(make_app, clock) -> None:
    client = make_app(**CHEAP_HASHES).test_client()
    strict = new_api(client, {"password_max_consecutive_failures": 3})
    off = new_api(
        client, {"password_max_consecutive_failures": 0, "tenant_max_failed_sign_ins_per_hour": 0}
    )
    for api in (strict, off):
        api.sign_up("dan@example.com", "right-pass1")
        api.sign_up("eve@example.com", "right-pass1")
    for _ in range(3):
        strict.sign_in("dan@example.com", "wrong-pass1")
    assert strict.sign_in("dan@example.com", "right-pass1") == WRONG
    assert strict.sign_in("eve@example.com", "right-pass1")["status"] == "OK"
    for _ in range(30):
        off.sign_in("dan@example.com", "wrong-pass1")
    assert off.sign_in("dan@example.com", "right-pass1")["status"] == "OK"
    assert counters(off) == [] and counters(off, throttling.TENANT_FAILED_SIGN_INS) == []


def test_too_many_failures_in_a_tenant_lock_its_sign_ins_for_the_hour(make_app, clock) -> None:
    api = new_api(
        make_app(**CHEAP_HASHES).test_client(), {"tenant_max_failed_sign_ins_per_hour": 5}
    )
    api.sign_up("fay@example.com", "right-pass1")
    for index in range(5):  # one guess each on many emails (spraying)
        assert api.sign_in(f"victim{index}@example.com", "Summer2025!") == WRONG
    assert api.sign_in("fay@example.com", "right-pass1") == WRONG
    clock[0] += throttling.HOUR_MS
    assert api.sign_in("fay@example.com", "right-pass1")["status"] == "OK"


# --- across instances, and through the SDK ------------------------------------------------


def _sign_in(core_url: str, app_id: str, email: str, password: str) -> dict:
    answer = requests.post(
        f"{core_url}/appid-{app_id}/public/recipe/signin",
        json={"email": email, "password": password},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.integration
def test_two_instances_share_the_lock(database_url: str, tmp_path) -> None:
    env = {
        "SUPERTOKENS_CONNECTION_URI": database_url,
        "SUPERTOKENS_ARGON2_MEMORY_KB": "8",
        "SUPERTOKENS_ARGON2_ITERATIONS": "1",
        "SUPERTOKENS_PASSWORD_LOCKOUT_BASE_S": str(LOCK_S),
    }
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with CoreProcess(tmp_path / "a", env) as first, CoreProcess(tmp_path / "b", env) as second:
        app_id = create_app_on_core(first.url, f"t{time.time_ns()}").rsplit("appid-", 1)[1]
        signed_up = requests.post(
            f"{first.url}/appid-{app_id}/public/recipe/signup",
            json={"email": "gus@example.com", "password": "right-pass1"},
            timeout=10,
        ).json()
        assert signed_up["status"] == "OK"
        for index in range(10):
            assert _sign_in(first.url, app_id, "gus@example.com", f"wrong{index}") == WRONG
        locked_at = time.monotonic()
        assert _sign_in(second.url, app_id, "gus@example.com", "wrong-11") == WRONG
        assert _sign_in(second.url, app_id, "gus@example.com", "right-pass1") == WRONG
        assert _sign_in(first.url, app_id, "gus@example.com", "right-pass1") == WRONG
        time.sleep(max(0.0, LOCK_S + 0.2 - (time.monotonic() - locked_at)))
        assert _sign_in(second.url, app_id, "gus@example.com", "right-pass1")["status"] == "OK"


@pytest.mark.integration
def test_the_sdk_sees_wrong_credentials_while_locked(
    running_core: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPERTOKENS_ENV", "testing")
    uri = create_app_on_core(
        running_core, f"s{time.time_ns()}", {"password_lockout_base_s": LOCK_S}
    )
    init_sdk(uri, [emailpassword.init()])
    try:
        assert ep.sign_up("public", "hal@example.com", "right-pass1").status == "OK"
        for index in range(10):
            assert isinstance(
                ep.sign_in("public", "hal@example.com", f"wrong-pass{index}"), WrongCredentialsError
            )
        locked_at = time.monotonic()
        assert isinstance(
            ep.sign_in("public", "hal@example.com", "right-pass1"), WrongCredentialsError
        )
        time.sleep(max(0.0, LOCK_S + 0.2 - (time.monotonic() - locked_at)))
        signed_in = ep.sign_in("public", "hal@example.com", "right-pass1")
        assert isinstance(signed_in, SignInOkResult)
        assert signed_in.user.emails == ["hal@example.com"]
    finally:
        reset_sdk()
