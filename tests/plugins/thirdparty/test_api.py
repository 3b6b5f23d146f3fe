"""The third-party routes through the HTTP API, on every database (contract, thirdparty)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core_app.testing.apps import new_id
from core_app.testing.concurrency import race
from plugins.thirdparty import store

RID = {"rid": "thirdparty"}


class Api:
    """Calls the third-party routes of one app."""

    def __init__(self, client, app_id: str):
        self.client = client
        self.app_id = app_id

    def path(self, route: str, tenant: str | None = "public") -> str:
        return f"/appid-{self.app_id}" + (f"/{tenant}" if tenant else "") + route

    def raw_sign_in(self, body: dict, tenant: str = "public"):
        return self.client.post(self.path("/recipe/signinup", tenant), json=body)

    def sign_in(
        self,
        provider: str,
        subject: str,
        email: str,
        verified: bool = False,
        tenant: str = "public",
    ) -> dict:
        answer = self.raw_sign_in(
            {
                "thirdPartyId": provider,
                "thirdPartyUserId": subject,
                "email": {"id": email, "isVerified": verified},
            },
            tenant,
        )
        assert answer.status_code == 200, answer.data
        return answer.json

    def get(self, route: str, tenant: str | None = "public", headers: dict | None = None, **query):
        return self.client.get(self.path(route, tenant), query_string=query, headers=headers)

    def add_tenant(self, tenant_id: str) -> None:
        answer = self.client.put(
            self.path("/recipe/multitenancy/tenant/v2", None), json={"tenantId": tenant_id}
        )
        assert answer.json["status"] == "OK"

    def associate(self, tenant_id: str, user_id: str) -> dict:
        return self.client.post(
            self.path("/recipe/multitenancy/tenant/user", tenant_id), json={"recipeUserId": user_id}
        ).json


@pytest.fixture
def api(client) -> Api:
    app_id = new_id()
    created = client.put("/recipe/multitenancy/app/v2", json={"appId": app_id})
    assert created.json["status"] == "OK", created.data
    return Api(client, app_id)


def _storage(app):
    return app.extensions["supertokens_core"].storage


# --- sign-in-up (§4) -----------------------------------------------------------------------


def test_first_sign_in_creates_the_user_and_later_ones_find_it(api: Api) -> None:
    first = api.sign_in("google", "g-123", "  Ann@Example.COM ")
    assert first["status"] == "OK" and first["createdNewUser"] is True
    user = first["user"]
    assert first["recipeUserId"] == user["id"]
    assert user["emails"] == ["ann@example.com"]
    assert user["thirdParty"] == [{"id": "google", "userId": "g-123"}]
    assert user["tenantIds"] == ["public"] and user["isPrimaryUser"] is False
    [method] = user["loginMethods"]
    assert method["recipeId"] == "thirdparty" and method["verified"] is False
    assert method["thirdParty"] == {"id": "google", "userId": "g-123"}
    assert method["email"] == "ann@example.com"

    again = api.sign_in("google", "g-123", "ann@example.com")
    assert again["createdNewUser"] is False and again["user"] == user


def test_identity_is_compared_exactly(api: Api) -> None:
    ids = {
        api.sign_in(provider, subject, "a@example.com")["user"]["id"]
        for provider, subject in (
            ("google", "u1"),
            ("Google", "u1"),
            ("google", "U1"),
            ("google", " u1"),
            ("github", "u1"),
        )
    }
    assert len(ids) == 5


def test_a_new_email_from_the_provider_replaces_the_stored_one(api: Api, app) -> None:
    user_id = api.sign_in("github", "gh-1", "old@example.com")["user"]["id"]
    changed = api.sign_in("github", "gh-1", "New@example.com")
    assert changed["createdNewUser"] is False and changed["recipeUserId"] == user_id
    assert changed["user"]["emails"] == ["new@example.com"]
    with _storage(app).engine().connect() as conn:
        assert (
            conn.execute(
                select(store.users.c.email).where(store.users.c.user_id == user_id)
            ).scalar()
            == "new@example.com"
        )
        assert (
            conn.execute(
                select(store.user_to_tenant.c.email).where(
                    store.user_to_tenant.c.user_id == user_id
                )
            ).scalar()
            == "new@example.com"
        )
    assert (
        api.get(
            "/users/by-accountinfo", email="old@example.com", doUnionOfAccountInfo="false"
        ).json["users"]
        == []
    )


def test_verified_flag_marks_the_email_and_false_never_unmarks(api: Api) -> None:
    user = api.sign_in("google", "g-9", "v@example.com", verified=True)["user"]
    assert user["loginMethods"][0]["verified"] is True
    again = api.sign_in("google", "g-9", "v@example.com", verified=False)["user"]
    assert again["loginMethods"][0]["verified"] is True
    # a new email is not verified until the provider says so
    moved = api.sign_in("google", "g-9", "w@example.com", verified=False)["user"]
    assert moved["loginMethods"][0]["verified"] is False
    verified = api.client.get(
        api.path("/recipe/user/email/verify", "public"),
        query_string={"userId": user["id"], "email": "v@example.com"},
    )
    assert verified.json == {"status": "OK", "isVerified": True}


def test_same_identity_in_two_tenants_is_two_users(api: Api) -> None:
    api.add_tenant("t1")
    public = api.sign_in("google", "shared", "s@example.com")
    other = api.sign_in("google", "shared", "s@example.com", tenant="t1")
    assert public["createdNewUser"] and other["createdNewUser"]
    assert public["user"]["id"] != other["user"]["id"]
    assert other["user"]["tenantIds"] == ["t1"]
    for tenant, user in (("public", public), ("t1", other)):
        listed = api.get("/users", tenant=tenant, includeRecipeIds="thirdparty").json["users"]
        assert [u["id"] for u in listed] == [user["user"]["id"]]


def test_email_change_applies_to_the_identity_in_every_tenant(api: Api) -> None:
    api.add_tenant("t1")
    public_id = api.sign_in("google", "moving", "one@example.com")["user"]["id"]
    api.sign_in("google", "moving", "one@example.com", tenant="t1")
    api.sign_in("google", "moving", "two@example.com", tenant="t1")
    public = api.get("/user/id", tenant=None, userId=public_id).json["user"]
    assert public["emails"] == ["two@example.com"]


def test_an_associated_user_signs_in_on_its_new_tenant(api: Api) -> None:
    api.add_tenant("t1")
    user_id = api.sign_in("google", "roamer", "r@example.com")["user"]["id"]
    assert api.associate("t1", user_id) == {"status": "OK", "wasAlreadyAssociated": False}
    answer = api.sign_in("google", "roamer", "r@example.com", tenant="t1")
    assert answer["createdNewUser"] is False and answer["user"]["id"] == user_id
    assert sorted(answer["user"]["tenantIds"]) == ["public", "t1"]


def test_a_user_removed_from_a_tenant_is_not_found_there(api: Api) -> None:
    api.add_tenant("t1")
    user_id = api.sign_in("google", "leaver", "l@example.com")["user"]["id"]
    api.associate("t1", user_id)
    removed = api.client.post(
        api.path("/recipe/multitenancy/tenant/user/remove", "t1"), json={"recipeUserId": user_id}
    ).json
    assert removed == {"status": "OK", "wasAssociated": True}
    again = api.sign_in("google", "leaver", "l@example.com", tenant="t1")
    assert again["createdNewUser"] is True and again["user"]["id"] != user_id
    assert api.sign_in("google", "leaver", "l@example.com")["user"]["id"] == user_id


def test_association_refuses_an_identity_the_tenant_has(api: Api) -> None:
    api.add_tenant("t1")
    user_id = api.sign_in("google", "dup", "d@example.com")["user"]["id"]
    api.sign_in("google", "dup", "d@example.com", tenant="t1")
    assert api.associate("t1", user_id) == {"status": "THIRD_PARTY_USER_ALREADY_EXISTS_ERROR"}


def test_email_change_is_refused_when_another_primary_user_has_the_email(api: Api, app) -> None:
    mine = api.sign_in("google", "linked", "mine@example.com")["user"]["id"]
    theirs = api.sign_in("github", "other", "theirs@example.com")["user"]["id"]
    _make_primary(app, api.app_id, mine)
    _make_primary(app, api.app_id, theirs)
    refused = api.sign_in("google", "linked", "theirs@example.com")
    assert refused == {
        "status": "EMAIL_CHANGE_NOT_ALLOWED_ERROR",
        "reason": "Email already associated with another primary user.",
    }
    kept = api.get("/user/id", tenant=None, userId=mine).json["user"]
    assert kept["emails"] == ["mine@example.com"]
    # a user that is not primary may take any email
    api.sign_in("github", "plain", "p@example.com")
    assert api.sign_in("github", "plain", "theirs@example.com")["status"] == "OK"


def _make_primary(app, app_id: str, user_id: str) -> None:
    # Account linking is issue 7; until its routes exist the flag is set in the index.
    from sqlalchemy import update

    from core_app.users import store as user_index

    with _storage(app).engine().begin() as conn:
        for table in (user_index.app_id_to_user_id, user_index.all_auth_recipe_users):
            conn.execute(
                update(table)
                .where(table.c.app_id == app_id, table.c.user_id == user_id)
                .values(is_linked_or_is_a_primary_user=True)
            )


def test_concurrent_first_sign_ins_make_one_user(core, api: Api) -> None:
    body = {
        "thirdPartyId": "google",
        "thirdPartyUserId": "racer",
        "email": {"id": "racer@example.com", "isVerified": True},
    }
    answers = race(
        12, lambda: core.test_client().post(api.path("/recipe/signinup"), json=body).json
    )
    assert {a["status"] for a in answers} == {"OK"}
    assert sum(a["createdNewUser"] for a in answers) == 1
    assert len({a["user"]["id"] for a in answers}) == 1
    with _storage(core).engine().connect() as conn:
        assert (
            len(
                conn.execute(
                    select(store.users.c.user_id).where(store.users.c.app_id == api.app_id)
                ).all()
            )
            == 1
        )


@pytest.fixture
def core(app):
    return app


# --- input errors --------------------------------------------------------------------------

BAD_BODIES = [
    ({}, "Field name 'thirdPartyId' is invalid in JSON input"),
    ({"thirdPartyId": 5}, "Field name 'thirdPartyId' is invalid in JSON input"),
    ({"thirdPartyId": "google"}, "Field name 'thirdPartyUserId' is invalid in JSON input"),
    (
        {"thirdPartyId": "google", "thirdPartyUserId": "x"},
        "Field name 'email' is invalid in JSON input",
    ),
    (
        {"thirdPartyId": "google", "thirdPartyUserId": "x", "email": "a@example.com"},
        "Field name 'email' is invalid in JSON input",
    ),
    (
        {"thirdPartyId": "google", "thirdPartyUserId": "x", "email": {}},
        "Field name 'id' is invalid in JSON input",
    ),
    (
        {"thirdPartyId": "google", "thirdPartyUserId": "x", "email": {"id": 3}},
        "Field name 'id' is invalid in JSON input",
    ),
    (
        {"thirdPartyId": "google", "thirdPartyUserId": "x", "email": {"id": "a@example.com"}},
        "Field name 'isVerified' is invalid in JSON input",
    ),
    (
        {
            "thirdPartyId": "google",
            "thirdPartyUserId": "x",
            "email": {"id": "a@example.com", "isVerified": "true"},
        },
        "Field name 'isVerified' is invalid in JSON input",
    ),
    (
        {
            "thirdPartyId": "g" * 29,
            "thirdPartyUserId": "x",
            "email": {"id": "a@example.com", "isVerified": True},
        },
        "Field name 'thirdPartyId' must be at most 28 characters",
    ),
    (
        {
            "thirdPartyId": "google",
            "thirdPartyUserId": "x" * 257,
            "email": {"id": "a@example.com", "isVerified": True},
        },
        "Field name 'thirdPartyUserId' must be at most 256 characters",
    ),
    (
        {
            "thirdPartyId": "google",
            "thirdPartyUserId": "x",
            "email": {"id": "a" * 250 + "@example.com", "isVerified": True},
        },
        "Field name 'id' must be at most 256 characters",
    ),
]


@pytest.mark.parametrize("body,message", BAD_BODIES)
def test_bad_sign_in_bodies_are_400_with_the_contract_text(api: Api, body, message) -> None:
    answer = api.raw_sign_in(body)
    assert answer.status_code == 400
    assert answer.data.decode().rstrip("\n") == message


def test_longest_allowed_values_are_stored(api: Api) -> None:
    provider, subject = "p" * 28, "s" * 256
    email = "e" * 244 + "@example.com"
    user = api.sign_in(provider, subject, email)["user"]
    assert user["thirdParty"] == [{"id": provider, "userId": subject}]
    assert user["emails"] == [email]


def test_not_json_and_unknown_app(api: Api) -> None:
    answer = api.client.post(
        api.path("/recipe/signinup"), data="{", content_type="application/json"
    )
    assert answer.status_code == 400 and answer.data.decode().rstrip("\n") == "Invalid Json Input"
    missing = api.client.post(
        "/appid-nosuchapp/recipe/signinup",
        json={
            "thirdPartyId": "g",
            "thirdPartyUserId": "x",
            "email": {"id": "a@example.com", "isVerified": True},
        },
    )
    assert missing.status_code == 400
    assert missing.data.decode().startswith("AppId or tenantId not found")


# --- user APIs of the host (§3, users) ----------------------------------------------------


def test_account_info_lookups_find_third_party_users(api: Api) -> None:
    user_id = api.sign_in("okta", "sub-1", "look@example.com")["user"]["id"]
    api.sign_in("okta", "sub-2", "look@example.com")
    by_identity = api.get(
        "/users/by-accountinfo",
        thirdPartyId="okta",
        thirdPartyUserId="sub-1",
        doUnionOfAccountInfo="false",
    ).json
    assert [u["id"] for u in by_identity["users"]] == [user_id]
    by_email = api.get(
        "/users/by-accountinfo", email="LOOK@example.com", doUnionOfAccountInfo="false"
    ).json["users"]
    assert len(by_email) == 2
    both = api.get(
        "/users/by-accountinfo",
        email="look@example.com",
        thirdPartyId="okta",
        thirdPartyUserId="sub-1",
        doUnionOfAccountInfo="false",
    ).json["users"]
    assert [u["id"] for u in both] == [user_id]
    assert (
        api.get(
            "/users/by-accountinfo",
            thirdPartyId="okta",
            thirdPartyUserId="SUB-1",
            doUnionOfAccountInfo="false",
        ).json["users"]
        == []
    )


def test_dashboard_search_by_provider_and_email(api: Api) -> None:
    google = api.sign_in("google", "1", "ann@corp.com")["user"]["id"]
    github = api.sign_in("github", "2", "bob@corp.com")["user"]["id"]

    def search(**tags) -> set[str]:
        return {u["id"] for u in api.get("/users", tenant=None, **tags).json["users"]}

    assert search(provider="goo") == {google}
    assert search(provider="git", email="bob") == {github}
    assert search(provider="git", email="ann") == set()
    assert search(email="corp.com") == {google, github}
    assert search(phone="+1") == set()


def test_user_delete_removes_the_rows(api: Api, app) -> None:
    user_id = api.sign_in("google", "gone", "gone@example.com", verified=True)["user"]["id"]
    removed = api.client.post(api.path("/user/remove", None), json={"userId": user_id})
    assert removed.json == {"status": "OK"}
    with _storage(app).engine().connect() as conn:
        for table in store.TABLES:
            assert (
                conn.execute(select(table.c.user_id).where(table.c.app_id == api.app_id)).all()
                == []
            )
    again = api.sign_in("google", "gone", "gone@example.com")
    assert again["createdNewUser"] is True and again["user"]["id"] != user_id


def test_count_and_listing_by_recipe(api: Api) -> None:
    api.sign_in("google", "c1", "c1@example.com")
    api.sign_in("google", "c2", "c2@example.com")
    counted = api.get("/users/count", tenant=None, includeRecipeIds="thirdparty").json
    assert counted == {"status": "OK", "count": 2}
    none = api.get("/users/count", tenant=None, includeRecipeIds="emailpassword").json
    assert none["count"] == 0


# --- deprecated lookups (§5, §6) ------------------------------------------------------------


def test_users_by_email(api: Api) -> None:
    first = api.sign_in("google", "e1", "same@example.com")["user"]["id"]
    second = api.sign_in("github", "e2", "same@example.com")["user"]["id"]
    found = api.get("/recipe/users/by-email", email=" SAME@example.com").json
    assert found["status"] == "OK"
    assert [u["id"] for u in found["users"]] == [first, second]
    assert api.get("/recipe/users/by-email", email="nobody@example.com").json == {
        "status": "OK",
        "users": [],
    }
    missing = api.get("/recipe/users/by-email")
    assert missing.status_code == 400
    assert missing.data.decode().rstrip("\n") == "Field name 'email' is missing in GET request"


def test_get_user_by_id_and_by_identity(api: Api) -> None:
    api.add_tenant("t1")
    user = api.sign_in("apple", "a-1", "apple@example.com", tenant="t1")["user"]
    by_id = api.get("/recipe/user", tenant=None, headers=RID, userId=user["id"]).json
    assert by_id["status"] == "OK" and by_id["user"]["id"] == user["id"]
    assert by_id["user"]["thirdParty"] == [{"id": "apple", "userId": "a-1"}]
    by_identity = api.get(
        "/recipe/user", tenant="t1", headers=RID, thirdPartyId="apple", thirdPartyUserId="a-1"
    ).json
    assert by_identity == {"status": "OK", "user": user}
    assert api.get(
        "/recipe/user", tenant="public", headers=RID, thirdPartyId="apple", thirdPartyUserId="a-1"
    ).json == {"status": "UNKNOWN_THIRD_PARTY_USER_ERROR"}
    assert api.get("/recipe/user", tenant=None, headers=RID, userId="nobody").json == {
        "status": "UNKNOWN_USER_ID_ERROR"
    }
    # by id is an app route: from a tenant other than public it is refused
    refused = api.get("/recipe/user", tenant="t1", headers=RID, userId=user["id"])
    assert refused.status_code == 403


@pytest.mark.parametrize(
    "query,message",
    [
        (
            {"userId": "u", "thirdPartyId": "g"},
            "Please provide only one of userId or (thirdPartyId & thirdPartyUserId)",
        ),
        (
            {"thirdPartyId": "g"},
            "Please provide one of userId or (thirdPartyId & thirdPartyUserId)",
        ),
        ({}, "Please provide one of userId or (thirdPartyId & thirdPartyUserId)"),
    ],
)
def test_get_user_input_errors(api: Api, query, message) -> None:
    answer = api.get("/recipe/user", tenant=None, headers=RID, **query)
    assert answer.status_code == 400 and answer.data.decode().rstrip("\n") == message


def test_put_user_with_thirdparty_rid_is_405(api: Api) -> None:
    answer = api.client.put(api.path("/recipe/user", None), json={"recipeUserId": "x"}, headers=RID)
    assert answer.status_code == 405 and answer.data.decode().rstrip("\n") == "Method not supported"


def test_routes_answer_404_when_the_recipe_is_disabled(make_app) -> None:
    client = make_app(recipes=["session", "emailpassword"]).test_client()
    answer = client.post(
        "/recipe/signinup",
        json={
            "thirdPartyId": "g",
            "thirdPartyUserId": "x",
            "email": {"id": "a@example.com", "isVerified": True},
        },
    )
    assert answer.status_code == 404
