"""The user-metadata routes through the HTTP API, on every database (contract,
roles-metadata part 2)."""

from __future__ import annotations

import pytest

from core_app.testing.apps import AppClient, new_app
from core_app.testing.concurrency import race


class Api(AppClient):
    """Calls the user-metadata routes of one app."""

    def metadata(self, user_id: str) -> dict:
        answer = self.client.get(
            self.path("/recipe/user/metadata"), query_string={"userId": user_id}
        ).json
        assert answer["status"] == "OK"
        return answer["metadata"]

    def update(self, user_id: str, change):
        return self.client.put(
            self.path("/recipe/user/metadata"), json={"userId": user_id, "metadataUpdate": change}
        )

    def post(self, route: str, body: dict):
        return self.client.post(self.path(route), json=body)


@pytest.fixture
def api(client) -> Api:
    return Api(client, new_app(client, None))


def test_unknown_user_has_empty_metadata(api):
    assert api.metadata("nobody") == {}


def test_shallow_merge_null_removes_nested_values_replaced(api):
    first = api.update("u1", {"a": {"x": 1}, "b": [1], "c": True})
    assert first.json == {"status": "OK", "metadata": {"a": {"x": 1}, "b": [1], "c": True}}
    second = api.update("u1", {"a": {"y": 2, "z": None}, "b": None, "d": 0})
    assert second.json == {
        "status": "OK",
        "metadata": {"a": {"y": 2, "z": None}, "c": True, "d": 0},
    }
    assert api.metadata("u1") == {"a": {"y": 2, "z": None}, "c": True, "d": 0}


def test_removing_every_key_leaves_an_empty_object(api):
    api.update("u1", {"a": 1})
    assert api.update("u1", {"a": None}).json["metadata"] == {}
    assert api.metadata("u1") == {}


def test_metadata_is_per_app(api, client):
    api.update("u1", {"app": "one"})
    other = Api(client, new_app(client))
    assert other.metadata("u1") == {}


def test_unicode_round_trips(api):
    api.update("u1", {"name": "Zoë 😀", "日本": "語"})
    assert api.metadata("u1") == {"name": "Zoë 😀", "日本": "語"}


def test_remove(api):
    api.update("u1", {"a": 1})
    assert api.post("/recipe/user/metadata/remove", {"userId": "u1"}).json == {"status": "OK"}
    assert api.metadata("u1") == {}
    assert api.post("/recipe/user/metadata/remove", {"userId": "u1"}).json == {"status": "OK"}


def test_bulk_read_in_request_order_with_null_for_unknown(api):
    api.update("u1", {"a": 1})
    answer = api.post("/recipe/user/metadata/bulk", {"userIds": ["u2", "u1", "u1"]}).json
    assert answer == {
        "status": "OK",
        "users": [
            {"userId": "u2", "metadata": None},
            {"userId": "u1", "metadata": {"a": 1}},
            {"userId": "u1", "metadata": {"a": 1}},
        ],
    }
    assert api.post("/recipe/user/metadata/bulk", {"userIds": []}).json == {
        "status": "OK",
        "users": [],
    }


def test_size_limit_is_a_clear_400_and_keeps_what_was_stored(api):
    api.update("u1", {"keep": "me"})
    answer = api.update("u1", {"big": "x" * 70000})
    assert answer.status_code == 400
    assert "at most 65535 bytes" in answer.get_data(as_text=True)
    assert api.metadata("u1") == {"keep": "me"}
    # Just under the limit is fine.
    fits = api.update("u1", {"big": "x" * 65000})
    assert fits.status_code == 200


def test_concurrent_updates_lose_no_key(app, api):
    counter = iter(range(100))

    def update():
        key = f"k{next(counter)}"
        return (
            app.test_client()
            .put(
                api.path("/recipe/user/metadata"),
                json={"userId": "racer", "metadataUpdate": {key: 1}},
            )
            .json
        )

    answers = race(10, update)
    assert all(answer["status"] == "OK" for answer in answers)
    assert sorted(api.metadata("racer")) == sorted(f"k{i}" for i in range(10))


def test_user_deletion_removes_metadata(api):
    user_id = api.client.post(
        api.path("/recipe/signup"), json={"email": "m@example.com", "password": "password123"}
    ).json["user"]["id"]
    api.update(user_id, {"a": 1})
    api.update("other", {"b": 2})
    api.post("/user/remove", {"userId": user_id})
    assert api.metadata(user_id) == {}
    assert api.metadata("other") == {"b": 2}


@pytest.mark.parametrize(
    "body, message",
    [
        ({"metadataUpdate": {}}, "Field name 'userId' is invalid in JSON input"),
        ({"userId": "u"}, "Field name 'metadataUpdate' is invalid in JSON input"),
        (
            {"userId": "u", "metadataUpdate": [1]},
            "Field name 'metadataUpdate' is invalid in JSON input",
        ),
        (
            {"userId": "u", "metadataUpdate": "x"},
            "Field name 'metadataUpdate' is invalid in JSON input",
        ),
        (
            {"userId": "u", "metadataUpdate": None},
            "Field name 'metadataUpdate' is invalid in JSON input",
        ),
    ],
)
def test_update_errors(api, body, message):
    answer = api.client.put(api.path("/recipe/user/metadata"), json=body)
    assert answer.status_code == 400
    assert answer.get_data(as_text=True).rstrip("\n") == message


@pytest.mark.parametrize(
    "body, message",
    [
        ({"userIds": ["a"] * 501}, "You can only query up to 500 users at a time."),
        ({"userIds": ["a", 1]}, "userIds array must contain only strings"),
        ({"userIds": "a"}, "Field name 'userIds' is invalid in JSON input"),
        ({}, "Field name 'userIds' is invalid in JSON input"),
    ],
)
def test_bulk_errors(api, body, message):
    answer = api.post("/recipe/user/metadata/bulk", body)
    assert answer.status_code == 400
    assert answer.get_data(as_text=True).rstrip("\n") == message


def test_get_without_user_id(api):
    answer = api.client.get(api.path("/recipe/user/metadata"))
    assert answer.status_code == 400
    assert answer.get_data(as_text=True).rstrip("\n") == (
        "Field name 'userId' is missing in GET request"
    )
