"""User roles, user metadata and user-id mapping through the official supertokens-python
SDK, against the core under gunicorn (2 workers), on every database: the recipe functions,
and the roles and permissions claims of an SDK-initialised Flask app."""

from __future__ import annotations

import base64
import json

import pytest
from flask import Flask, g, jsonify
from supertokens_python.framework.flask import Middleware
from supertokens_python.interfaces import (
    CreateUserIdMappingOkResult,
    GetUserIdMappingOkResult,
    UnknownMappingError,
    UnknownSupertokensUserIDError,
    UpdateOrDeleteUserIdMappingInfoOkResult,
    UserIdMappingAlreadyExistsError,
)
from supertokens_python.recipe import emailpassword, session, usermetadata, userroles
from supertokens_python.recipe.emailpassword import syncio as ep
from supertokens_python.recipe.session.framework.flask import verify_session
from supertokens_python.recipe.usermetadata import syncio as metadata
from supertokens_python.recipe.userroles import PermissionClaim, UserRoleClaim
from supertokens_python.recipe.userroles import syncio as roles
from supertokens_python.recipe.userroles.interfaces import UnknownRoleError
from supertokens_python.syncio import (
    create_user_id_mapping,
    delete_user,
    delete_user_id_mapping,
    get_user,
    get_user_id_mapping,
    update_or_delete_user_id_mapping_info,
)

from core_app.testing.apps import new_id
from core_app.testing.sdk import create_app_on_core, init_sdk, reset_sdk

pytestmark = pytest.mark.integration


@pytest.fixture
def core_app(running_core: str, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """A fresh app with a tenant t1, the SDK initialised against it: (core url, app id)."""
    monkeypatch.setenv("SUPERTOKENS_ENV", "testing")
    app_id = new_id()
    uri = create_app_on_core(running_core, app_id)
    init_sdk(
        uri,
        [
            emailpassword.init(),
            userroles.init(),
            usermetadata.init(),
            session.init(get_token_transfer_method=lambda *_: "header", anti_csrf="NONE"),
        ],
    )
    from supertokens_python.recipe.multitenancy.interfaces import TenantConfigCreateOrUpdate
    from supertokens_python.recipe.multitenancy.syncio import create_or_update_tenant

    create_or_update_tenant("t1", TenantConfigCreateOrUpdate(first_factors=["emailpassword"]))
    yield running_core, app_id
    reset_sdk()


def test_role_functions(core_app: tuple[str, str]) -> None:
    created = roles.create_new_role_or_add_permissions("admin", ["read", "write"])
    assert created.created_new_role is True
    assert roles.create_new_role_or_add_permissions("admin", ["delete"]).created_new_role is False
    assert sorted(roles.get_permissions_for_role("admin").permissions) == [
        "delete",
        "read",
        "write",
    ]
    assert isinstance(roles.get_permissions_for_role("ghost"), UnknownRoleError)
    roles.create_new_role_or_add_permissions("viewer", ["read"])
    assert sorted(roles.get_all_roles().roles) == ["admin", "viewer"]
    assert sorted(roles.get_roles_that_have_permission("read").roles) == ["admin", "viewer"]
    roles.remove_permissions_from_role("admin", ["delete"])
    assert sorted(roles.get_permissions_for_role("admin").permissions) == ["read", "write"]

    assert roles.add_role_to_user("public", "u1", "admin").did_user_already_have_role is False
    assert roles.add_role_to_user("public", "u1", "admin").did_user_already_have_role is True
    assert isinstance(roles.add_role_to_user("public", "u1", "ghost"), UnknownRoleError)
    roles.add_role_to_user("t1", "u1", "viewer")
    assert roles.get_roles_for_user("public", "u1").roles == ["admin"]
    assert roles.get_roles_for_user("t1", "u1").roles == ["viewer"]
    assert roles.get_users_that_have_role("public", "admin").users == ["u1"]
    assert isinstance(roles.get_users_that_have_role("public", "ghost"), UnknownRoleError)
    assert roles.remove_user_role("public", "u1", "admin").did_user_have_role is True
    assert roles.remove_user_role("public", "u1", "admin").did_user_have_role is False
    assert isinstance(roles.remove_user_role("public", "u1", "ghost"), UnknownRoleError)
    assert roles.delete_role("viewer").did_role_exist is True
    assert roles.get_roles_for_user("t1", "u1").roles == []
    assert roles.delete_role("viewer").did_role_exist is False


def test_metadata_functions(core_app: tuple[str, str]) -> None:
    assert metadata.get_user_metadata("u1").metadata == {}
    updated = metadata.update_user_metadata("u1", {"theme": {"dark": True}, "plan": "free"})
    assert updated.metadata == {"theme": {"dark": True}, "plan": "free"}
    updated = metadata.update_user_metadata("u1", {"theme": {"font": 12}, "plan": None})
    assert updated.metadata == {"theme": {"font": 12}}
    assert metadata.get_user_metadata("u1").metadata == {"theme": {"font": 12}}
    metadata.clear_user_metadata("u1")
    assert metadata.get_user_metadata("u1").metadata == {}


def test_user_id_mapping_functions(core_app: tuple[str, str]) -> None:
    user = ep.sign_up("public", "map@example.com", "pass-map-1").user
    assert isinstance(
        create_user_id_mapping(user.id, "ext-map", "info"), CreateUserIdMappingOkResult
    )
    taken = create_user_id_mapping(user.id, "ext-map")
    assert isinstance(taken, UserIdMappingAlreadyExistsError)
    assert taken.does_super_tokens_user_id_exist and taken.does_external_user_id_exist
    assert isinstance(
        create_user_id_mapping("no-such-user", "ext-2"), UnknownSupertokensUserIDError
    )
    found = get_user_id_mapping("ext-map")
    assert isinstance(found, GetUserIdMappingOkResult)
    assert (found.supertokens_user_id, found.external_user_id, found.external_user_info) == (
        user.id,
        "ext-map",
        "info",
    )
    assert isinstance(
        update_or_delete_user_id_mapping_info("ext-map", external_user_id_info="new"),
        UpdateOrDeleteUserIdMappingInfoOkResult,
    )
    assert get_user_id_mapping(user.id).external_user_info == "new"

    # Everything the SDK reads about the user now carries the external id.
    assert get_user("ext-map").id == "ext-map"
    signed_in = ep.sign_in("public", "map@example.com", "pass-map-1")
    assert signed_in.user.id == "ext-map"
    assert signed_in.recipe_user_id.get_as_string() == "ext-map"

    # Data kept under the external id keeps the mapping from being dropped.
    metadata.update_user_metadata("ext-map", {"a": 1})
    with pytest.raises(Exception, match="UserId is already in use in UserMetadata recipe"):
        delete_user_id_mapping("ext-map")
    delete_user("ext-map")
    assert get_user(user.id) is None
    assert metadata.get_user_metadata("ext-map").metadata == {}
    assert isinstance(get_user_id_mapping(user.id), UnknownMappingError)


@pytest.fixture
def web_app(core_app: tuple[str, str]) -> Flask:
    """A Flask app using the SDK's role and permission claims."""
    app = Flask(__name__)
    Middleware(app)

    @app.get("/admin")
    @verify_session(
        override_global_claim_validators=lambda validators, _s, _c: [
            *validators,
            UserRoleClaim.validators.includes("admin"),
        ]
    )
    def admin_only():
        return jsonify({"user": g.supertokens.get_user_id()})

    @app.get("/writers")
    @verify_session(
        override_global_claim_validators=lambda validators, _s, _c: [
            *validators,
            PermissionClaim.validators.includes("write"),
        ]
    )
    def writers_only():
        return jsonify({"user": g.supertokens.get_user_id()})

    return app


def _form(email: str, password: str) -> dict:
    return {"formFields": [{"id": "email", "value": email}, {"id": "password", "value": password}]}


def _payload(access_token: str) -> dict:
    body = access_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def test_role_and_permission_claims_guard_routes(web_app: Flask) -> None:
    roles.create_new_role_or_add_permissions("admin", ["write"])
    client = web_app.test_client()
    boss = client.post("/auth/signup", json=_form("boss@example.com", "valid-pass1")).json
    roles.add_role_to_user("public", boss["user"]["id"], "admin")
    worker = client.post("/auth/signup", json=_form("worker@example.com", "valid-pass1")).json
    assert worker["status"] == "OK"

    boss_in = client.post("/auth/signin", json=_form("boss@example.com", "valid-pass1"))
    token = boss_in.headers["st-access-token"]
    claims = _payload(token)
    assert claims["st-role"]["v"] == ["admin"] and claims["st-perm"]["v"] == ["write"]
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/admin", headers=auth).json == {"user": boss["user"]["id"]}
    assert client.get("/writers", headers=auth).status_code == 200

    worker_in = client.post("/auth/signin", json=_form("worker@example.com", "valid-pass1"))
    worker_token = worker_in.headers["st-access-token"]
    assert _payload(worker_token)["st-role"]["v"] == []
    worker_auth = {"Authorization": f"Bearer {worker_token}"}
    refused = client.get("/admin", headers=worker_auth)
    assert refused.status_code == 403
    assert refused.json["message"] == "invalid claim"
    assert client.get("/writers", headers=worker_auth).status_code == 403

    # Taking the permission from the role shows at the next sign-in.
    roles.remove_permissions_from_role("admin", ["write"])
    again = client.post("/auth/signin", json=_form("boss@example.com", "valid-pass1"))
    assert (
        client.get(
            "/writers", headers={"Authorization": f"Bearer {again.headers['st-access-token']}"}
        ).status_code
        == 403
    )


def test_mapped_user_signs_in_with_the_external_id(web_app: Flask) -> None:
    client = web_app.test_client()
    signed_up = client.post("/auth/signup", json=_form("ext@example.com", "valid-pass1")).json
    # The sign-up made a session under the SuperTokens id: upstream refuses the mapping
    # unless forced.
    with pytest.raises(Exception, match="UserId is already in use in Session recipe"):
        create_user_id_mapping(signed_up["user"]["id"], "app-user-7")
    create_user_id_mapping(signed_up["user"]["id"], "app-user-7", force=True)
    roles.create_new_role_or_add_permissions("admin", [])
    roles.add_role_to_user("public", "app-user-7", "admin")
    signed_in = client.post("/auth/signin", json=_form("ext@example.com", "valid-pass1"))
    assert signed_in.json["user"]["id"] == "app-user-7"
    token = signed_in.headers["st-access-token"]
    assert _payload(token)["sub"] == "app-user-7"
    assert _payload(token)["st-role"]["v"] == ["admin"]
    assert client.get("/admin", headers={"Authorization": f"Bearer {token}"}).json == {
        "user": "app-user-7"
    }
