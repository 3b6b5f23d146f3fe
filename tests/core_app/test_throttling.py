"""The throttling service: the limits' schedules, shared counters on every database, their
clean-up and their configuration."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from core_app import ConfigError, create_app, throttling
from core_app.housekeeping import run_housekeeping
from core_app.storage import transaction
from core_app.tenant_prefix import TenantIdentifier
from core_app.testing.apps import new_id
from core_app.testing.concurrency import race

MINUTE_MS = 60_000
DAY_MS = 24 * 60 * MINUTE_MS
DEFAULT_LOCKOUT = throttling.AccountLockout(10, 300_000, 2, DAY_MS)


def guesses_allowed(limit: throttling.Limit, during_ms: int) -> int:
    """Attempts an attacker gets in ``during_ms``, trying again the moment a lock ends."""
    counter, now, guesses = throttling.Counter(), 0, 0
    while now < during_ms:
        if counter.locked(now):
            now = counter.locked_until
            continue
        counter = limit.after_failure(counter, now)
        guesses += 1
    return guesses


def test_default_password_lockout_allows_40_guesses_an_hour_and_90_a_day() -> None:
    assert guesses_allowed(DEFAULT_LOCKOUT, 60 * MINUTE_MS) == 40
    assert guesses_allowed(DEFAULT_LOCKOUT, DAY_MS) == 90
    # From the second day on the lock is at its longest: 10 guesses a day.
    assert (
        guesses_allowed(DEFAULT_LOCKOUT, 10 * DAY_MS) - guesses_allowed(DEFAULT_LOCKOUT, 9 * DAY_MS)
        == 10
    )


def test_lockout_locks_after_each_run_of_failures_longer_each_time() -> None:
    counter = throttling.Counter()
    for _ in range(9):
        counter = DEFAULT_LOCKOUT.after_failure(counter, 0)
        assert not counter.locked(0)
    counter = DEFAULT_LOCKOUT.after_failure(counter, 0)
    assert counter.locked(0) and counter.locked_until == 300_000
    for _ in range(10):
        counter = DEFAULT_LOCKOUT.after_failure(counter, 300_000)
    assert counter.locked_until == 300_000 + 600_000


def test_lockout_forgets_failures_after_the_longest_lock_passes_quietly() -> None:
    counter = throttling.Counter()
    for _ in range(15):
        counter = DEFAULT_LOCKOUT.after_failure(counter, 0)
    assert counter.failures == 15
    later = DEFAULT_LOCKOUT.after_failure(counter, counter.expires_at)
    assert later.failures == 1 and not later.locked(counter.expires_at)


def test_window_limit_allows_its_maximum_per_window() -> None:
    limit = throttling.WindowLimit(10)
    assert guesses_allowed(limit, throttling.HOUR_MS) == 10
    assert guesses_allowed(limit, 3 * throttling.HOUR_MS) == 30


@pytest.fixture
def core(make_app):
    return make_app().extensions["supertokens_core"]


@pytest.fixture
def subject() -> throttling.Subject:
    return throttling.Subject(
        TenantIdentifier("", new_id(), "public"), "test-kind", "Ann@example.com"
    )


def stored_rows(core, subject: throttling.Subject) -> list:
    table = throttling.throttle_counters
    with core.storage.engine().connect() as conn:
        return conn.execute(select(table).where(table.c.app_id == subject.tenant.app_id)).all()


def test_counters_keep_a_hash_of_the_subject_and_forget_on_success(core, subject) -> None:
    limit = throttling.WindowLimit(3)
    for _ in range(3):
        with transaction(core.storage) as unit:
            assert throttling.admit(unit.connection(), subject, limit)
    with transaction(core.storage) as unit:
        assert not throttling.admit(unit.connection(), subject, limit)
        assert throttling.is_locked(unit.connection(), subject)
    [row] = stored_rows(core, subject)
    assert row.subject_hash == hashlib.sha256(b"Ann@example.com").hexdigest()
    assert row.failures == 3  # the refused attempt was not counted
    assert "Ann" not in repr(tuple(row))
    with transaction(core.storage) as unit:
        throttling.forget(unit.connection(), subject)
    assert stored_rows(core, subject) == []


def test_parallel_attempts_are_admitted_up_to_the_limit_exactly(core, subject) -> None:
    limit = throttling.AccountLockout(5, 60_000, 2, 600_000)

    def attempt() -> bool:
        with transaction(core.storage) as unit:
            return throttling.admit(unit.connection(), subject, limit)

    assert sorted(race(12, attempt)) == [False] * 7 + [True] * 5
    [row] = stored_rows(core, subject)
    assert row.failures == 5


def test_housekeeping_removes_counters_that_mean_nothing_any_more(
    core, subject, monkeypatch
) -> None:
    live = throttling.Subject(subject.tenant, "other-kind", "x")
    with transaction(core.storage) as unit:
        throttling.record(unit.connection(), live, throttling.WindowLimit(5))
    with monkeypatch.context() as past:
        two_hours_ago = throttling.now_ms() - 2 * throttling.HOUR_MS
        past.setattr(throttling, "now_ms", lambda: two_hours_ago)
        with transaction(core.storage) as unit:
            throttling.record(unit.connection(), subject, throttling.WindowLimit(5))
    run_housekeeping(core)
    assert [row.kind for row in stored_rows(core, subject)] == ["other-kind"]


def test_disabled_limits_write_nothing(core, subject) -> None:
    with transaction(core.storage) as unit:
        for _ in range(50):
            assert throttling.admit(unit.connection(), subject, throttling.WindowLimit(0))
    assert stored_rows(core, subject) == []


@pytest.mark.parametrize(
    "config, message",
    [
        (
            {"password_max_consecutive_failures": -1},
            "'password_max_consecutive_failures' must be >= 0.",
        ),
        ({"password_lockout_growth": 0}, "'password_lockout_growth' must be >= 1."),
        (
            {"passwordless_max_codes_created_per_hour": "many"},
            "'passwordless_max_codes_created_per_hour' is not valid",
        ),
        (
            {"password_lockout_base_s": 600, "password_lockout_max_s": 60},
            "'password_lockout_max_s' must be >= 'password_lockout_base_s'",
        ),
    ],
)
def test_bad_throttling_config_names_the_key(isolated_environment, config, message) -> None:
    with pytest.raises(ConfigError, match=message):
        create_app({"connection_uri": "sqlite://", **config})


def test_a_tenant_sets_its_own_limits(make_app) -> None:
    app = make_app()
    client = app.test_client()
    app_id = new_id()
    assert (
        client.put(
            "/recipe/multitenancy/app/v2",
            json={"appId": app_id, "coreConfig": {"password_max_consecutive_failures": 3}},
        ).json["status"]
        == "OK"
    )
    bad = client.put(
        "/recipe/multitenancy/app/v2",
        json={"appId": new_id(), "coreConfig": {"password_lockout_growth": 0}},
    )
    assert bad.status_code == 400 and "password_lockout_growth" in bad.text
    directory = app.extensions["supertokens_core"].directory
    settings = directory.settings(TenantIdentifier("", app_id, "public"))
    assert throttling.password_lockout(settings).maximum == 3
