"""The TOTP recipe through the official SDK's ``totp`` functions, against the core under
gunicorn, with tenant ``own`` in a database of its own (of the run's kind): a user's
devices live with the user, used codes with the tenant that checked them."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pyotp
import pytest
import sqlalchemy
from supertokens_python.recipe import emailpassword, multifactorauth, session, totp
from supertokens_python.recipe.emailpassword.syncio import sign_up
from supertokens_python.recipe.totp import syncio as sdk_totp

from core_app.testing.core_process import CoreProcess
from core_app.testing.sdk import app_with_own_database_tenant

pytestmark = pytest.mark.integration

TENANT_ID = "own"


@pytest.fixture
def own_tenant(
    database_url: str, fresh_database_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, str]]:
    """The core under gunicorn, an app whose tenant ``own`` lives in ``fresh_database_url``,
    the SDK initialised against the app: (core url, app id)."""
    monkeypatch.setenv("SUPERTOKENS_ENV", "testing")
    env = {
        "SUPERTOKENS_CONNECTION_URI": database_url,
        "SUPERTOKENS_DATABASE_SQLITE_DIR": str(tmp_path),
        "SUPERTOKENS_ARGON2_MEMORY_KB": "8",
        "SUPERTOKENS_ARGON2_ITERATIONS": "1",
    }
    recipe_list = [
        emailpassword.init(),
        totp.init(),
        multifactorauth.init(),  # the SDK's TOTP needs it
        session.init(get_token_transfer_method=lambda *_: "header", anti_csrf="NONE"),
    ]
    with CoreProcess(tmp_path, env) as core:
        with app_with_own_database_tenant(
            core.url, recipe_list, TENANT_ID, fresh_database_url, first_factors=["emailpassword"]
        ) as app_id:
            yield core.url, app_id
        assert "Traceback" not in core.output()


def _owners(url: str, app_id: str, table: str) -> list[str]:
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sqlalchemy.text(f"SELECT user_id FROM {table} WHERE app_id = :app"),
                {"app": app_id},
            )
            return sorted(row[0] for row in rows)
    finally:
        engine.dispose()


def _code(secret: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def test_devices_live_with_their_user_and_codes_with_the_tenant(
    own_tenant, database_url: str, fresh_database_url: str
):
    _core, app_id = own_tenant
    there = sign_up(TENANT_ID, "ada@example.com", "a-password-1").user.id
    here = sign_up("public", "bob@example.com", "a-password-1").user.id

    secrets = {}
    for user_id in (there, here):
        created = sdk_totp.create_device(user_id, device_name="phone", skew=2)
        assert created.status == "OK"
        secrets[user_id] = created.secret
        verified = sdk_totp.verify_device(TENANT_ID, user_id, "phone", _code(created.secret))
        assert (verified.status, verified.was_already_verified) == ("OK", False)

    assert _owners(fresh_database_url, app_id, "totp_user_devices") == [there]
    assert _owners(database_url, app_id, "totp_user_devices") == [here]
    # Both checked their codes in tenant "own": its database keeps them.
    assert _owners(fresh_database_url, app_id, "totp_used_codes") == sorted([there, here])
    assert _owners(database_url, app_id, "totp_used_codes") == []

    assert sdk_totp.verify_totp(TENANT_ID, there, _code(secrets[there], 1)).status == "OK"
    assert sdk_totp.verify_totp("public", here, _code(secrets[here], 1)).status == "OK"
    replayed = sdk_totp.verify_totp(TENANT_ID, there, _code(secrets[there], 1))
    assert replayed.status == "INVALID_TOTP_ERROR"
    assert (replayed.current_number_of_failed_attempts, replayed.max_number_of_failed_attempts) == (
        1,
        5,
    )
    assert [d.name for d in sdk_totp.list_devices(there).devices] == ["phone"]
    assert sdk_totp.update_device(there, "phone", "laptop").status == "OK"
    assert sdk_totp.remove_device(there, "laptop").did_device_exist is True
    assert _owners(fresh_database_url, app_id, "totp_users") == []
    assert sdk_totp.verify_totp(TENANT_ID, there, "123456").status == "UNKNOWN_USER_ID_ERROR"
