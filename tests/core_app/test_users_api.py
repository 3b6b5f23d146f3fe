"""The core user routes through the HTTP API, on every database (contract, users)."""

from __future__ import annotations

import base64

import pytest
import sqlalchemy

from core_app import cli, create_app
from core_app.testing.apps import new_id


@pytest.fixture
def core(make_app):
    return make_app(argon2_memory_kb=8, argon2_iterations=1)


class Users:
    """One app on the core, with helpers to make users and call the user routes."""

    def __init__(self, client):
        self.client = client
        self.app_id = new_id()
        assert (
            client.put("/recipe/multitenancy/app/v2", json={"appId": self.app_id}).json["status"]
            == "OK"
        )

    def path(self, route: str, tenant: str = "public") -> str:
        return f"/appid-{self.app_id}/{tenant}{route}"

    def add_tenant(self, tenant_id: str) -> None:
        assert (
            self.client.put(
                f"/appid-{self.app_id}/recipe/multitenancy/tenant/v2", json={"tenantId": tenant_id}
            ).json["status"]
            == "OK"
        )

    def sign_up(self, email: str, tenant: str = "public") -> dict:
        answer = self.client.post(
            self.path("/recipe/signup", tenant), json={"email": email, "password": "pass1234"}
        ).json
        assert answer["status"] == "OK", answer
        return answer["user"]

    def get(self, route: str, tenant: str = "public", **query):
        return self.client.get(self.path(route, tenant), query_string=query)

    def listing(self, tenant: str = "public", **query) -> dict:
        answer = self.get("/users", tenant, **query)
        assert answer.status_code == 200, answer.data
        return answer.json


@pytest.fixture
def users(core) -> Users:
    return Users(core.test_client())


def text(answer) -> str:
    return answer.get_data(as_text=True).strip()


# --- the user object and /user/id ------------------------------------------------------------


def test_user_object_by_id(users):
    made = users.sign_up("ada@example.com")
    answer = users.get("/user/id", userId=made["id"]).json
    assert answer == {"status": "OK", "user": made}
    user = answer["user"]
    assert set(user) == {
        "id",
        "isPrimaryUser",
        "tenantIds",
        "timeJoined",
        "emails",
        "phoneNumbers",
        "thirdParty",
        "webauthn",
        "loginMethods",
    }
    assert (user["phoneNumbers"], user["thirdParty"], user["webauthn"]) == (
        [],
        [],
        {"credentialIds": []},
    )


def test_webauthn_fields_only_from_cdi_5_3(users):
    made = users.sign_up("bo@example.com")
    old = users.client.get(
        users.path("/user/id"), query_string={"userId": made["id"]}, headers={"cdi-version": "5.2"}
    ).json["user"]
    assert "webauthn" not in old
    new = users.client.get(
        users.path("/user/id"), query_string={"userId": made["id"]}, headers={"cdi-version": "5.3"}
    ).json["user"]
    assert new["webauthn"] == {"credentialIds": []}


def test_user_id_errors(users):
    assert users.get("/user/id", userId="nobody").json == {"status": "UNKNOWN_USER_ID_ERROR"}
    missing = users.get("/user/id")
    assert missing.status_code == 400
    assert text(missing) == "Field name 'userId' is missing in GET request"
    users.add_tenant("t1")
    other = users.get("/user/id", tenant="t1", userId="x")
    assert other.status_code == 403
    assert text(other) == "Only public tenantId can call this app specific API"


def test_tenant_ids_follow_association(users):
    users.add_tenant("t1")
    made = users.sign_up("cy@example.com")
    assert (
        users.client.post(
            users.path("/recipe/multitenancy/tenant/user", "t1"), json={"recipeUserId": made["id"]}
        ).json["status"]
        == "OK"
    )
    user = users.get("/user/id", userId=made["id"]).json["user"]
    assert user["tenantIds"] == ["public", "t1"]
    assert user["loginMethods"][0]["tenantIds"] == ["public", "t1"]


# --- /users -----------------------------------------------------------------------------------


def test_listing_order_and_pagination(users):
    made = [users.sign_up(f"user{i}@example.com")["id"] for i in range(5)]
    assert [u["id"] for u in users.listing()["users"]] == made
    assert [u["id"] for u in users.listing(timeJoinedOrder="DESC")["users"]] == made[::-1]
    assert "nextPaginationToken" not in users.listing()

    for order, expected in (("ASC", made), ("DESC", made[::-1])):
        walked, token, pages = [], None, 0
        while True:
            query = {"limit": 2, "timeJoinedOrder": order}
            if token:
                query["paginationToken"] = token
            page = users.listing(**query)
            pages += 1
            walked += [u["id"] for u in page["users"]]
            token = page.get("nextPaginationToken")
            if token is None:
                break
            # the token names the first user of the next page
            assert base64.b64decode(token).decode().split(";")[0] == expected[len(walked)]
        assert walked == expected and pages == 3


def test_pages_split_users_who_joined_at_the_same_time(users, database_url):
    """Users with one time joined are ordered by id descending, and a page may start
    inside such a run; walking pages of two gives every user once, in order."""
    made = [users.sign_up(f"tie{i}@example.com") for i in range(7)]
    same = made[1]["timeJoined"]
    engine = sqlalchemy.create_engine(database_url)
    with engine.begin() as connection:
        for user in made[1:6]:
            connection.execute(
                sqlalchemy.text(
                    "UPDATE all_auth_recipe_users SET primary_or_recipe_user_time_joined = :t, "
                    "time_joined = :t WHERE app_id = :a AND user_id = :u"
                ),
                {"t": same, "a": users.app_id, "u": user["id"]},
            )
    engine.dispose()
    joined = {user["id"]: same if user in made[1:6] else user["timeJoined"] for user in made}
    by_id = sorted(joined, reverse=True)
    for order in ("ASC", "DESC"):
        expected = sorted(by_id, key=joined.get, reverse=order == "DESC")
        walked, token = [], None
        for _ in range(len(made)):  # bounded: a wrong key could repeat a page forever
            page = users.listing(
                limit=2, timeJoinedOrder=order, **({"paginationToken": token} if token else {})
            )
            walked += [u["id"] for u in page["users"]]
            token = page.get("nextPaginationToken")
            if token is None:
                break
        assert walked == expected, order


def test_listing_is_per_tenant_and_filters_recipes(users):
    users.add_tenant("t1")
    in_public = users.sign_up("pub@example.com")["id"]
    in_t1 = users.sign_up("only-t1@example.com", tenant="t1")["id"]
    assert [u["id"] for u in users.listing()["users"]] == [in_public]
    assert [u["id"] for u in users.listing("t1")["users"]] == [in_t1]
    assert [u["id"] for u in users.listing(includeRecipeIds="emailpassword")["users"]] == [
        in_public
    ]
    assert [u["id"] for u in users.listing(includeRecipeIds=" , ")["users"]] == [in_public]
    assert users.listing(includeRecipeIds="thirdparty,passwordless")["users"] == []


@pytest.mark.parametrize(
    "query, message",
    [
        ({"includeRecipeIds": "emailpassword,foo"}, "Unknown recipe ID: foo"),
        ({"limit": 501}, "max limit allowed is 500"),
        ({"limit": 0}, "limit must a positive integer with min value 1"),
        ({"limit": "abc"}, "Field name 'limit' must be an int in the GET request"),
        ({"timeJoinedOrder": "asc"}, "timeJoinedOrder can be either ASC OR DESC"),
        ({"paginationToken": "garbage"}, "invalid pagination token"),
        (
            {"paginationToken": base64.b64encode(b"id;notanumber").decode()},
            "invalid pagination token",
        ),
        ({"paginationToken": base64.b64encode(b"a;1;2").decode()}, "invalid pagination token"),
    ],
)
def test_listing_errors(users, query, message):
    answer = users.get("/users", **query)
    assert answer.status_code == 400
    assert text(answer) == message


def test_search_tags(users):
    alice = users.sign_up("alice@acme.com")["id"]
    bob = users.sign_up("bob@beta.org")["id"]
    users.sign_up("carl@gamma.net")

    def found(**query) -> list[str]:
        answer = users.listing(**query)
        assert "nextPaginationToken" not in answer
        return [u["id"] for u in answer["users"]]

    assert found(email="ali") == [alice]
    assert found(email="ACME") == [alice]  # prefix of the part after the @
    assert found(email="ali; beta ;") == [alice, bob]
    assert found(email="zzz") == []
    assert found(phone="+1") == []
    assert found(provider="google") == []
    assert found(email="ali", provider="google") == []
    # in search mode limit and paginationToken do not apply
    carl = found(email="carl")[0]
    assert found(email="alice;bob;carl", limit=1, paginationToken="ignored") == [alice, bob, carl]
    assert found(email="alice;bob;carl", timeJoinedOrder="DESC") == [carl, bob, alice]
    assert found(email="a", limit=1000) == [alice]


def test_search_still_checks_the_lower_limit(users):
    answer = users.get("/users", email="a", limit=0)
    assert text(answer) == "limit must a positive integer with min value 1"


# --- /users/count -----------------------------------------------------------------------------


def test_count(users):
    users.add_tenant("t1")
    users.sign_up("one@example.com")
    users.sign_up("two@example.com")
    users.sign_up("three@example.com", tenant="t1")
    assert users.get("/users/count").json == {"status": "OK", "count": 2}
    assert users.get("/users/count", "t1").json["count"] == 1
    assert users.get("/users/count", includeAllTenants="TRUE").json["count"] == 3
    assert users.get("/users/count", includeAllTenants="yes").json["count"] == 2
    assert users.get("/users/count", includeRecipeIds="").json["count"] == 2
    assert users.get("/users/count", includeRecipeIds="thirdparty").json["count"] == 0
    other = users.get("/users/count", "t1", includeAllTenants="true")
    assert other.status_code == 403
    assert text(users.get("/users/count", includeRecipeIds="nope")) == "Unknown recipe ID: nope"


def test_recount_users_command_rebuilds_the_counts(
    fresh_database_url, isolated_environment, monkeypatch, capsys
):
    database_url = fresh_database_url
    app = create_app(
        {"connection_uri": database_url, "argon2_memory_kb": 8, "argon2_iterations": 1}
    )
    users = Users(app.test_client())
    users.sign_up("one@example.com")
    users.sign_up("two@example.com")
    engine = sqlalchemy.create_engine(database_url)
    with engine.begin() as connection:  # as after a bulk load straight into the index
        connection.execute(sqlalchemy.text("UPDATE tenant_user_counts SET users = 0"))
        connection.execute(sqlalchemy.text("UPDATE app_user_counts SET users = 0"))
    engine.dispose()
    assert users.get("/users/count").json["count"] == 0

    monkeypatch.setenv("SUPERTOKENS_CONNECTION_URI", database_url)
    assert cli.main(["recount-users"]) == 0
    assert "recounted users in 1 database(s)" in capsys.readouterr().out
    assert users.get("/users/count").json["count"] == 2
    assert users.get("/users/count", includeAllTenants="true").json["count"] == 2
    app.extensions["supertokens_core"].storage.dispose()


# --- /users/by-accountinfo --------------------------------------------------------------------


def test_by_account_info(users):
    users.add_tenant("t1")
    dana = users.sign_up("dana@example.com")
    users.sign_up("dana@example.com", tenant="t1")

    def found(tenant: str = "public", **query) -> list[str]:
        answer = users.get("/users/by-accountinfo", tenant, **query)
        assert answer.status_code == 200, answer.data
        return [u["id"] for u in answer.json["users"]]

    assert found(email="  DANA@example.com ", doUnionOfAccountInfo="true") == [dana["id"]]
    assert len(found("t1", email="dana@example.com", doUnionOfAccountInfo="false")) == 1
    assert found("t1", email="dana@example.com", doUnionOfAccountInfo="false") != [dana["id"]]
    assert found(doUnionOfAccountInfo="true") == []
    assert found(
        email="dana@example.com", phoneNumber="+14155552671", doUnionOfAccountInfo="true"
    ) == [dana["id"]]
    assert (
        found(email="dana@example.com", phoneNumber="+14155552671", doUnionOfAccountInfo="false")
        == []
    )
    whole = users.get(
        "/users/by-accountinfo", email="dana@example.com", doUnionOfAccountInfo="true"
    ).json["users"][0]
    assert whole == dana


@pytest.mark.parametrize(
    "query, message",
    [
        ({}, "Field name 'doUnionOfAccountInfo' is missing in GET request"),
        (
            {"doUnionOfAccountInfo": "TRUE"},
            "'doUnionOfAccountInfo' should be either 'true' or 'false'",
        ),
        (
            {"doUnionOfAccountInfo": "true", "thirdPartyId": "google"},
            "If 'thirdPartyId' is provided, 'thirdPartyUserId' must also be provided, "
            "and vice versa",
        ),
        (
            {"doUnionOfAccountInfo": "true", "thirdPartyUserId": "1"},
            "If 'thirdPartyId' is provided, 'thirdPartyUserId' must also be provided, "
            "and vice versa",
        ),
    ],
)
def test_by_account_info_errors(users, query, message):
    answer = users.get("/users/by-accountinfo", **query)
    assert answer.status_code == 400
    assert text(answer) == message


# --- /user/remove ------------------------------------------------------------------------------


def test_remove_user_removes_everything(users):
    erin = users.sign_up("erin@example.com")
    keep = users.sign_up("keep@example.com")
    session = users.client.post(
        users.path("/recipe/session"),
        json={
            "userId": erin["id"],
            "enableAntiCsrf": False,
            "userDataInJWT": {},
            "userDataInDatabase": {},
        },
    ).json
    assert session["status"] == "OK"
    assert users.get("/recipe/session/user", userId=erin["id"]).json["sessionHandles"] == [
        session["session"]["handle"]
    ]

    assert users.client.post(users.path("/user/remove"), json={"userId": erin["id"]}).json == {
        "status": "OK"
    }
    assert users.get("/user/id", userId=erin["id"]).json == {"status": "UNKNOWN_USER_ID_ERROR"}
    assert [u["id"] for u in users.listing()["users"]] == [keep["id"]]
    assert users.get("/users/count").json["count"] == 1
    assert users.get("/recipe/session/user", userId=erin["id"]).json["sessionHandles"] == []
    assert users.client.post(
        users.path("/recipe/signin"), json={"email": "erin@example.com", "password": "pass1234"}
    ).json == {"status": "WRONG_CREDENTIALS_ERROR"}
    # the email is free again
    assert users.sign_up("erin@example.com")["id"] != erin["id"]


def test_remove_unknown_user_and_bad_input(users):
    assert users.client.post(users.path("/user/remove"), json={"userId": "nobody"}).json == {
        "status": "OK"
    }
    assert users.client.post(
        users.path("/user/remove"), json={"userId": "nobody", "removeAllLinkedAccounts": False}
    ).json == {"status": "OK"}
    wrong = users.client.post(users.path("/user/remove"), json={"userId": 5})
    assert wrong.status_code == 400
    assert text(wrong) == "Field name 'userId' is invalid in JSON input"
    flag = users.client.post(
        users.path("/user/remove"), json={"userId": "x", "removeAllLinkedAccounts": "yes"}
    )
    assert text(flag) == "Field name 'removeAllLinkedAccounts' is invalid in JSON input"
