"""Database settings through the official SDK against gunicorn: an app team's backend, holding
its app's own key, cannot move a tenant to a database; the operator's key can."""

from __future__ import annotations

import sqlite3

import pytest
import requests
from supertokens_python.recipe import emailpassword, session
from supertokens_python.recipe.emailpassword.interfaces import SignUpOkResult
from supertokens_python.recipe.emailpassword.syncio import sign_up
from supertokens_python.recipe.multitenancy.interfaces import TenantConfigCreateOrUpdate
from supertokens_python.recipe.multitenancy.syncio import create_or_update_tenant, get_tenant

from core_app.testing.apps import new_id
from core_app.testing.core_process import CoreProcess
from core_app.testing.sdk import init_sdk, reset_sdk

pytestmark = pytest.mark.integration

OPERATOR_KEY = "operator-key-0123456789abcdef"
APP_KEY = "app-team-key-0123456789abcdef"


def test_only_the_operators_key_moves_a_tenant_to_its_own_database(
    database_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPERTOKENS_ENV", "testing")
    databases = tmp_path / "databases"
    databases.mkdir()
    own = databases / "tenant-t1.db"
    env = {
        "SUPERTOKENS_CONNECTION_URI": database_url,
        "SUPERTOKENS_API_KEYS": OPERATOR_KEY,
        "SUPERTOKENS_DATABASE_SQLITE_DIR": str(databases),
    }
    with CoreProcess(tmp_path, env) as core:
        app_id = new_id()
        created = requests.put(
            f"{core.url}/recipe/multitenancy/app/v2",
            headers={"api-key": OPERATOR_KEY},
            timeout=10,
            json={"appId": app_id, "coreConfig": {"api_keys": APP_KEY}},
        )
        assert created.json() == {"status": "OK", "createdNew": True}
        app_url = f"{core.url}/appid-{app_id}"
        recipes = [session.init(), emailpassword.init()]
        move = TenantConfigCreateOrUpdate(
            first_factors=["emailpassword"], core_config={"connection_uri": f"sqlite:///{own}"}
        )
        try:
            init_sdk(app_url, recipes, api_key=APP_KEY)
            with pytest.raises(Exception, match="Only the operator's api key"):
                create_or_update_tenant("t1", move)
            assert get_tenant("t1") is None
            assert not own.exists()

            init_sdk(app_url, [session.init(), emailpassword.init()], api_key=OPERATOR_KEY)
            assert create_or_update_tenant("t1", move).created_new is True
            assert own.exists()

            # The app's own key serves the tenant's users, now in the tenant's database.
            init_sdk(app_url, [session.init(), emailpassword.init()], api_key=APP_KEY)
            signed_up = sign_up("t1", "someone@example.com", "a-password-1")
            assert isinstance(signed_up, SignUpOkResult)
            with sqlite3.connect(own) as tenant_database:
                rows = tenant_database.execute(
                    "SELECT app_id, tenant_id, email FROM emailpassword_user_to_tenant"
                ).fetchall()
            assert rows == [(app_id, "t1", "someone@example.com")]
            assert get_tenant("t1").core_config == {"connection_uri": f"sqlite:///{own}"}
        finally:
            reset_sdk()
            # No tenant of the shared database may keep a database outside later tests' policy.
            for path, body in (
                (f"/appid-{app_id}/recipe/multitenancy/tenant/remove", {"tenantId": "t1"}),
                ("/recipe/multitenancy/app/remove", {"appId": app_id}),
            ):
                requests.post(
                    core.url + path, json=body, headers={"api-key": OPERATOR_KEY}, timeout=10
                )
        assert "Traceback" not in core.output()
