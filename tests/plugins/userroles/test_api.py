"""The user-roles routes through the HTTP API, on every database (contract, roles-metadata
part 1)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core_app.testing.apps import AppClient, new_app, new_id
from core_app.testing.concurrency import race
from plugins.userroles import store


class Api(AppClient):
    """Calls the user-roles routes of one app with two tenants, public and t1."""

    def create_role(self, role: str, permissions: list[str] | None = None) -> dict:
        return self.put("/recipe/role", {"role": role, "permissions": permissions or []}).json

    def assign(self, user_id: str, role: str, tenant: str = "public") -> dict:
        return self.put("/recipe/user/role", {"userId": user_id, "role": role}, tenant).json

    def roles_of(self, user_id: str, tenant: str = "public") -> list[str]:
        answer = self.get("/recipe/user/roles", {"userId": user_id}, tenant).json
        assert answer["status"] == "OK"
        return sorted(answer["roles"])


@pytest.fixture
def api(client) -> Api:
    return Api(client, new_app(client, {"t1": {}}))


def test_create_role_adds_permissions_and_never_removes_any(api):
    assert api.create_role(" admin ", ["read", " write "]) == {
        "status": "OK",
        "createdNewRole": True,
    }
    assert api.create_role("admin", ["delete", "read"]) == {"status": "OK", "createdNewRole": False}
    answer = api.get("/recipe/role/permissions", {"role": "admin"}).json
    assert sorted(answer["permissions"]) == ["delete", "read", "write"]
    assert api.get("/recipe/roles", {}).json == {"status": "OK", "roles": ["admin"]}


def test_roles_are_case_sensitive_and_per_app(api, client):
    api.create_role("Admin")
    api.create_role("admin")
    assert sorted(api.get("/recipe/roles", {}).json["roles"]) == ["Admin", "admin"]
    other_app = new_id()
    client.put("/recipe/multitenancy/app/v2", json={"appId": other_app})
    assert client.get(f"/appid-{other_app}/recipe/roles").json == {"status": "OK", "roles": []}


def test_permissions_of_unknown_role(api):
    assert api.get("/recipe/role/permissions", {"role": "ghost"}).json == {
        "status": "UNKNOWN_ROLE_ERROR"
    }


def test_remove_listed_permissions_then_all(api):
    api.create_role("editor", ["a", "b", "c"])
    assert api.post(
        "/recipe/role/permissions/remove", {"role": "editor", "permissions": ["a", "missing"]}
    ).json == {"status": "OK"}
    assert sorted(api.get("/recipe/role/permissions", {"role": "editor"}).json["permissions"]) == [
        "b",
        "c",
    ]
    assert api.post("/recipe/role/permissions/remove", {"role": "editor"}).json == {"status": "OK"}
    assert api.get("/recipe/role/permissions", {"role": "editor"}).json == {
        "status": "OK",
        "permissions": [],
    }
    assert api.post("/recipe/role/permissions/remove", {"role": "ghost"}).json == {
        "status": "UNKNOWN_ROLE_ERROR"
    }


def test_roles_with_permission(api):
    api.create_role("r1", ["read"])
    api.create_role("r2", ["read", "write"])
    assert sorted(api.get("/recipe/permission/roles", {"permission": " read "}).json["roles"]) == [
        "r1",
        "r2",
    ]
    assert api.get("/recipe/permission/roles", {"permission": "none"}).json == {
        "status": "OK",
        "roles": [],
    }


def test_assignments_are_per_tenant(api):
    api.create_role("admin")
    api.create_role("viewer")
    assert api.assign("user-1", "admin") == {"status": "OK", "didUserAlreadyHaveRole": False}
    assert api.assign("user-1", "admin") == {"status": "OK", "didUserAlreadyHaveRole": True}
    assert api.assign("user-1", "viewer", tenant="t1")["didUserAlreadyHaveRole"] is False
    assert api.roles_of("user-1") == ["admin"]
    assert api.roles_of("user-1", tenant="t1") == ["viewer"]
    assert api.roles_of("nobody") == []
    assert api.get("/recipe/role/users", {"role": "admin"}).json == {
        "status": "OK",
        "users": ["user-1"],
    }
    assert api.get("/recipe/role/users", {"role": "admin"}, tenant="t1").json == {
        "status": "OK",
        "users": [],
    }


def test_any_user_id_string_is_accepted(api):
    api.create_role("admin")
    assert api.assign("", "admin")["status"] == "OK"
    assert api.roles_of("") == ["admin"]


def test_assign_and_unassign_unknown_role(api):
    assert api.assign("user-1", "ghost") == {"status": "UNKNOWN_ROLE_ERROR"}
    assert api.post("/recipe/user/role/remove", {"userId": "user-1", "role": "ghost"}).json == {
        "status": "UNKNOWN_ROLE_ERROR"
    }
    assert api.get("/recipe/role/users", {"role": "ghost"}).json == {"status": "UNKNOWN_ROLE_ERROR"}


def test_unassign(api):
    api.create_role("admin")
    api.assign("user-1", "admin")
    body = {"userId": "user-1", "role": "admin"}
    removed = api.post("/recipe/user/role/remove", body).json
    assert removed == {"status": "OK", "didUserHaveRole": True}
    again = api.post("/recipe/user/role/remove", body).json
    assert again == {"status": "OK", "didUserHaveRole": False}
    assert api.roles_of("user-1") == []


def test_removing_a_role_removes_its_assignments_in_every_tenant(app, api):
    api.create_role("admin", ["read"])
    api.assign("u1", "admin")
    api.assign("u2", "admin", tenant="t1")
    removed = api.post("/recipe/role/remove", {"role": "admin"}).json
    assert removed == {"status": "OK", "didRoleExist": True}
    assert api.roles_of("u1") == [] and api.roles_of("u2", tenant="t1") == []
    engine = app.extensions["supertokens_core"].storage.engine()
    with engine.connect() as conn:
        for table in store.TABLES:
            assert conn.execute(select(table).where(table.c.app_id == api.app_id)).all() == []
    again = api.post("/recipe/role/remove", {"role": "admin"}).json
    assert again == {"status": "OK", "didRoleExist": False}
    # A role made anew has none of the old permissions.
    api.create_role("admin")
    assert api.get("/recipe/role/permissions", {"role": "admin"}).json["permissions"] == []


def test_removing_a_tenant_or_leaving_it_removes_assignments(app, api, client):
    api.create_role("admin")
    api.assign("u1", "admin", tenant="t1")
    assert (
        client.post(
            f"/appid-{api.app_id}/recipe/multitenancy/tenant/remove", json={"tenantId": "t1"}
        ).json["status"]
        == "OK"
    )
    engine = app.extensions["supertokens_core"].storage.engine()
    with engine.connect() as conn:
        assert (
            conn.execute(
                select(store.user_roles).where(store.user_roles.c.app_id == api.app_id)
            ).all()
            == []
        )


def test_user_deletion_removes_assignments_in_every_tenant(api):
    api.create_role("admin")
    signed_up = api.post(
        "/recipe/signup", {"email": "a@example.com", "password": "password123"}
    ).json
    user_id = signed_up["user"]["id"]
    api.client.post(
        f"/appid-{api.app_id}/t1/recipe/multitenancy/tenant/user", json={"recipeUserId": user_id}
    )
    api.assign(user_id, "admin")
    api.assign(user_id, "admin", tenant="t1")
    api.assign("someone-else", "admin")
    assert api.post("/user/remove", {"userId": user_id}).json == {"status": "OK"}
    assert api.roles_of(user_id) == [] and api.roles_of(user_id, tenant="t1") == []
    assert api.roles_of("someone-else") == ["admin"]


def test_leaving_a_tenant_removes_the_users_roles_there(api):
    api.create_role("admin")
    user_id = api.post(
        "/recipe/signup", {"email": "b@example.com", "password": "password123"}
    ).json["user"]["id"]
    api.client.post(
        f"/appid-{api.app_id}/t1/recipe/multitenancy/tenant/user", json={"recipeUserId": user_id}
    )
    api.assign(user_id, "admin")
    api.assign(user_id, "admin", tenant="t1")
    api.client.post(
        f"/appid-{api.app_id}/t1/recipe/multitenancy/tenant/user/remove",
        json={"recipeUserId": user_id},
    )
    assert api.roles_of(user_id, tenant="t1") == []
    assert api.roles_of(user_id) == ["admin"]


@pytest.mark.parametrize(
    "route, method, body, message",
    [
        ("/recipe/role", "put", {"role": "  "}, "Field name 'role' cannot be an empty String"),
        ("/recipe/role", "put", {"role": 5}, "Field name 'role' is invalid in JSON input"),
        ("/recipe/role", "put", {}, "Field name 'role' is invalid in JSON input"),
        (
            "/recipe/role",
            "put",
            {"role": "r", "permissions": ["a", " "]},
            "Field name 'permissions' cannot contain an empty string",
        ),
        (
            "/recipe/role",
            "put",
            {"role": "r", "permissions": ["a", 1]},
            "Field name 'permissions' is invalid in JSON input",
        ),
        (
            "/recipe/role",
            "put",
            {"role": "r", "permissions": "a"},
            "Field name 'permissions' is invalid in JSON input",
        ),
        (
            "/recipe/role",
            "put",
            {"role": "r" * 256},
            "Field name 'role' must be at most 255 characters",
        ),
        (
            "/recipe/role/remove",
            "post",
            {"role": ""},
            "Field name 'role' cannot be an empty String",
        ),
        (
            "/recipe/role/permissions/remove",
            "post",
            {"role": " "},
            "Field name 'role' cannot be an empty String",
        ),
        ("/recipe/user/role", "put", {"role": "r"}, "Field name 'userId' is invalid in JSON input"),
        (
            "/recipe/user/role",
            "put",
            {"userId": "u", "role": ""},
            "Field name 'role' cannot be an empty String",
        ),
        (
            "/recipe/user/role/remove",
            "post",
            {"userId": 1, "role": "r"},
            "Field name 'userId' is invalid in JSON input",
        ),
    ],
)
def test_body_errors(api, route, method, body, message):
    answer = getattr(api, method)(route, body)
    assert answer.status_code == 400
    assert answer.get_data(as_text=True).rstrip("\n") == message


@pytest.mark.parametrize(
    "route, query, message",
    [
        ("/recipe/role/permissions", {}, "Field name 'role' is missing in GET request"),
        ("/recipe/role/permissions", {"role": " "}, "Field name 'role' cannot be an empty String"),
        ("/recipe/role/users", {"role": ""}, "Field name 'role' cannot be an empty String"),
        (
            "/recipe/permission/roles",
            {"permission": " "},
            "Field name 'permission' cannot be an empty String",
        ),
        ("/recipe/user/roles", {}, "Field name 'userId' is missing in GET request"),
    ],
)
def test_query_errors(api, route, query, message):
    answer = api.get(route, query)
    assert answer.status_code == 400
    assert answer.get_data(as_text=True).rstrip("\n") == message


def test_scopes(api):
    # App routes refuse a non-public tenant; tenant routes take it.
    answer = api.put("/recipe/role", {"role": "r"}, tenant="t1")
    assert answer.status_code == 403
    assert (
        api.client.put(
            f"/appid-{api.app_id}/recipe/role/permissions", json={"role": "r"}
        ).status_code
        == 405
    )


def test_concurrent_creation_of_one_role_reports_one_creation(app, api):
    answers = race(
        8,
        lambda: (
            app.test_client()
            .put(api.path("/recipe/role"), json={"role": "racer", "permissions": ["p"]})
            .json
        ),
    )
    assert [answer["status"] for answer in answers] == ["OK"] * 8
    assert sum(answer["createdNewRole"] for answer in answers) == 1
