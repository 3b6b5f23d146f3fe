"""A tenant in a database of its own, through the official SDK against gunicorn: sign-up,
sign-in, sessions (verify with the database, refresh at the tenant-less path, revoke), user
deletion, metadata and roles all reach the tenant's database.

The tenant's own database is of the same kind as the base one: an SQLite file beside it, or
a second database on the same PostgreSQL / MySQL server.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import sqlalchemy
from supertokens_python.interfaces import CreateUserIdMappingOkResult, GetUserIdMappingOkResult
from supertokens_python.recipe import (
    emailpassword,
    emailverification,
    session,
    usermetadata,
    userroles,
)
from supertokens_python.recipe.emailpassword import syncio as ep
from supertokens_python.recipe.emailpassword.interfaces import (
    SignInOkResult,
    SignUpOkResult,
    UpdateEmailOrPasswordOkResult,
    WrongCredentialsError,
)
from supertokens_python.recipe.emailverification import syncio as ev
from supertokens_python.recipe.emailverification.interfaces import (
    CreateEmailVerificationTokenOkResult,
    VerifyEmailUsingTokenOkResult,
)
from supertokens_python.recipe.session.exceptions import UnauthorisedError
from supertokens_python.recipe.session.syncio import (
    create_new_session_without_request_response,
    get_all_session_handles_for_user,
    get_session_information,
    get_session_without_request_response,
    refresh_session_without_request_response,
    revoke_all_sessions_for_user,
    revoke_session,
)
from supertokens_python.recipe.usermetadata import syncio as metadata
from supertokens_python.recipe.userroles import syncio as roles
from supertokens_python.syncio import (
    create_user_id_mapping,
    delete_user,
    get_user,
    get_user_count,
    get_user_id_mapping,
)
from supertokens_python.types import RecipeUserId

from core_app.testing.core_process import CoreProcess
from core_app.testing.databases import MYSQL_ADMIN_URL, POSTGRES_ADMIN_URL, server_database
from core_app.testing.sdk import (
    app_with_own_database_tenant,
    init_sdk,
)

pytestmark = pytest.mark.integration

TENANT_ID = "own"
PASSWORD = "a-password-1"


@pytest.fixture
def own_database_url(database_url: str, tmp_path) -> Iterator[str]:
    """A second database of the base one's kind, for the tenant."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'databases' / 'tenant-own.db'}"
    elif database_url.startswith("postgresql"):
        yield from server_database(POSTGRES_ADMIN_URL, "postgresql")
    else:
        yield from server_database(MYSQL_ADMIN_URL, "mysql")


@pytest.fixture
def own_tenant(
    database_url: str, own_database_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, str]]:
    """The core under gunicorn, an app with tenant ``own`` in ``own_database_url``, the SDK
    initialised against the app: (core url, app id)."""
    monkeypatch.setenv("SUPERTOKENS_ENV", "testing")
    databases = tmp_path / "databases"
    databases.mkdir()
    env = {
        "SUPERTOKENS_CONNECTION_URI": database_url,
        "SUPERTOKENS_DATABASE_SQLITE_DIR": str(databases),
    }
    recipe_list = [
        emailpassword.init(),
        userroles.init(),
        usermetadata.init(),
        session.init(get_token_transfer_method=lambda *_: "header", anti_csrf="NONE"),
    ]
    with CoreProcess(tmp_path, env) as core:
        with app_with_own_database_tenant(
            core.url, recipe_list, TENANT_ID, own_database_url, first_factors=["emailpassword"]
        ) as app_id:
            yield core.url, app_id
        assert "Traceback" not in core.output()


def _rows(database_url: str, app_id: str, statement: str) -> list[tuple]:
    engine = sqlalchemy.create_engine(database_url, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.connect() as conn:
            return [
                tuple(row) for row in conn.execute(sqlalchemy.text(statement), {"app_id": app_id})
            ]
    finally:
        engine.dispose()


def _user_rows(database_url: str, app_id: str) -> list[tuple]:
    return _rows(
        database_url,
        app_id,
        "SELECT tenant_id, user_id FROM all_auth_recipe_users WHERE app_id = :app_id",
    )


def test_a_tenant_in_its_own_database_works_through_the_sdk(
    own_tenant: tuple[str, str], database_url: str, own_database_url: str
) -> None:
    core_url, app_id = own_tenant
    signed_up = ep.sign_up(TENANT_ID, "own@example.com", PASSWORD)
    assert isinstance(signed_up, SignUpOkResult)
    user_id = signed_up.user.id
    assert _user_rows(own_database_url, app_id) == [(TENANT_ID, user_id)]
    assert _user_rows(database_url, app_id) == []
    signed_in = ep.sign_in(TENANT_ID, "own@example.com", PASSWORD)
    assert isinstance(signed_in, SignInOkResult) and signed_in.user.id == user_id

    # App-wide reads find the user in the tenant's database.
    found = get_user(user_id)
    assert found is not None and found.tenant_ids == [TENANT_ID]
    assert get_user_count(None, TENANT_ID) == 1
    assert get_user_count(None, "public") == 0
    assert get_user_count() == 1  # every tenant of the app

    # Sessions live in the tenant's database; verify and refresh find them by the token.
    created = create_new_session_without_request_response(
        TENANT_ID, RecipeUserId(user_id), {"plan": "free"}, {"cart": 1}
    )
    tokens = created.get_all_session_tokens_dangerously()
    verified = get_session_without_request_response(tokens["accessToken"], check_database=True)
    assert verified is not None and verified.get_user_id() == user_id
    refreshed = refresh_session_without_request_response(tokens["refreshToken"])
    assert refreshed.get_handle() == created.get_handle()
    renewed = refreshed.get_all_session_tokens_dangerously()
    assert (
        get_session_without_request_response(renewed["accessToken"], check_database=True)
        is not None
    )
    info = get_session_information(created.get_handle())
    assert info is not None and info.session_data_in_database == {"cart": 1}
    assert _rows(
        own_database_url, app_id, "SELECT session_handle FROM session_info WHERE app_id = :app_id"
    ) == [(created.get_handle(),)]
    assert revoke_session(created.get_handle()) is True
    with pytest.raises(UnauthorisedError):
        get_session_without_request_response(renewed["accessToken"], check_database=True)
    second = create_new_session_without_request_response(TENANT_ID, RecipeUserId(user_id))
    assert get_all_session_handles_for_user(user_id) == [second.get_handle()]
    assert revoke_all_sessions_for_user(user_id) == [second.get_handle()]

    # Metadata (app-wide) and roles (assigned in the tenant) of the tenant's user.
    metadata.update_user_metadata(user_id, {"plan": "pro"})
    assert metadata.get_user_metadata(user_id).metadata == {"plan": "pro"}
    assert roles.create_new_role_or_add_permissions("admin", ["read"]).created_new_role
    assert roles.add_role_to_user(TENANT_ID, user_id, "admin").did_user_already_have_role is False
    assert roles.get_roles_for_user(TENANT_ID, user_id).roles == ["admin"]
    assert roles.get_users_that_have_role(TENANT_ID, "admin").users == [user_id]
    kept = create_new_session_without_request_response(TENANT_ID, RecipeUserId(user_id))

    # Deleting the user removes everything kept for it, in every database.
    delete_user(user_id)
    assert get_user(user_id) is None
    assert isinstance(ep.sign_in(TENANT_ID, "own@example.com", PASSWORD), WrongCredentialsError)
    assert _user_rows(own_database_url, app_id) == []
    assert (
        _rows(
            own_database_url,
            app_id,
            "SELECT user_id FROM emailpassword_users WHERE app_id = :app_id",
        )
        == []
    )
    assert (
        _rows(
            own_database_url,
            app_id,
            "SELECT session_handle FROM session_info WHERE app_id = :app_id",
        )
        == []
    )
    with pytest.raises(UnauthorisedError):
        tokens = kept.get_all_session_tokens_dangerously()
        get_session_without_request_response(tokens["accessToken"], check_database=True)
    assert metadata.get_user_metadata(user_id).metadata == {}
    assert roles.get_roles_for_user(TENANT_ID, user_id).roles == []
    assert get_user_count(None, TENANT_ID) == 0
    assert requests.get(
        f"{core_url}/appid-{app_id}/{TENANT_ID}/users/count", timeout=10
    ).json() == {"status": "OK", "count": 0}


def test_users_of_two_databases_cannot_be_linked(own_tenant: tuple[str, str]) -> None:
    core_url, app_id = own_tenant
    app_url = f"{core_url}/appid-{app_id}"
    in_app = ep.sign_up("public", "app@example.com", PASSWORD).user.id
    in_own = ep.sign_up(TENANT_ID, "own@example.com", PASSWORD).user.id
    for user_id in (in_app, in_own):
        made = requests.post(
            f"{app_url}/recipe/accountlinking/user/primary",
            json={"recipeUserId": user_id},
            timeout=10,
        )
        assert made.json()["status"] == "OK", made.text
    own_user = get_user(in_own)
    assert own_user is not None and own_user.is_primary_user

    checked = requests.get(
        f"{app_url}/recipe/accountlinking/user/link/check",
        timeout=10,
        params={"recipeUserId": in_own, "primaryUserId": in_app},
    )
    assert checked.status_code == 400
    assert checked.text.startswith(
        "Cannot link users that are parts of different databases. Different pool IDs: "
    )
    linked = requests.post(
        f"{app_url}/recipe/accountlinking/user/link",
        timeout=10,
        json={"recipeUserId": in_own, "primaryUserId": in_app},
    )
    assert linked.status_code == 400 and linked.text == checked.text
    assert get_user(in_own).id == in_own and get_user(in_app).id == in_app


def test_a_user_id_mapping_lives_with_its_user(
    own_tenant: tuple[str, str], own_database_url: str
) -> None:
    _, app_id = own_tenant
    user_id = ep.sign_up(TENANT_ID, "own@example.com", PASSWORD).user.id
    external_id = f"external-{user_id}"
    assert isinstance(create_user_id_mapping(user_id, external_id), CreateUserIdMappingOkResult)
    mappings = "SELECT supertokens_user_id FROM userid_mapping WHERE app_id = :app_id"
    assert _rows(own_database_url, app_id, mappings) == [(user_id,)]
    mapping = get_user_id_mapping(external_id)
    assert isinstance(mapping, GetUserIdMappingOkResult)
    assert mapping.supertokens_user_id == user_id
    assert get_user(external_id).id == external_id

    metadata.update_user_metadata(external_id, {"plan": "pro"})
    session = create_new_session_without_request_response(TENANT_ID, RecipeUserId(user_id))
    assert session.get_user_id() == external_id
    delete_user(external_id)
    assert get_user(user_id) is None
    assert _rows(own_database_url, app_id, mappings) == []
    assert metadata.get_user_metadata(external_id).metadata == {}
    assert get_all_session_handles_for_user(external_id) == []


def test_app_wide_routes_of_the_login_recipes_find_the_tenants_user(
    own_tenant: tuple[str, str], own_database_url: str
) -> None:
    core_url, app_id = own_tenant
    init_sdk(
        f"{core_url}/appid-{app_id}",
        [
            emailpassword.init(),
            emailverification.init(mode="OPTIONAL"),
            session.init(get_token_transfer_method=lambda *_: "header", anti_csrf="NONE"),
        ],
    )
    signed_up = ep.sign_up(TENANT_ID, "own@example.com", PASSWORD)
    assert isinstance(signed_up, SignUpOkResult)
    user_id, recipe_user_id = signed_up.user.id, signed_up.recipe_user_id

    # Email verification: the token at the tenant, the check and the removal app-wide.
    assert ev.is_email_verified(recipe_user_id) is False
    token = ev.create_email_verification_token(TENANT_ID, recipe_user_id)
    assert isinstance(token, CreateEmailVerificationTokenOkResult)
    assert isinstance(
        ev.verify_email_using_token(TENANT_ID, token.token), VerifyEmailUsingTokenOkResult
    )
    assert ev.is_email_verified(recipe_user_id) is True
    assert get_user(user_id).login_methods[0].verified is True
    assert _rows(
        own_database_url,
        app_id,
        "SELECT email FROM emailverification_verified_emails WHERE app_id = :app_id",
    ) == [("own@example.com",)]
    ev.unverify_email(recipe_user_id)
    assert ev.is_email_verified(recipe_user_id) is False

    # Email and password changes (PUT /recipe/user, app-wide) reach the tenant's database.
    changed = ep.update_email_or_password(
        recipe_user_id, email="moved@example.com", password="another-password-2"
    )
    assert isinstance(changed, UpdateEmailOrPasswordOkResult)
    assert isinstance(
        ep.sign_in(TENANT_ID, "moved@example.com", "another-password-2"), SignInOkResult
    )
    assert isinstance(ep.sign_in(TENANT_ID, "own@example.com", PASSWORD), WrongCredentialsError)
    assert _rows(
        own_database_url, app_id, "SELECT email FROM emailpassword_users WHERE app_id = :app_id"
    ) == [("moved@example.com",)]

    # The deprecated by-id read (GET /recipe/user, app-wide) finds the user too.
    by_id = requests.get(
        f"{core_url}/appid-{app_id}/recipe/user", params={"userId": user_id}, timeout=10
    ).json()
    assert by_id["status"] == "OK" and by_id["user"]["emails"] == ["moved@example.com"]
