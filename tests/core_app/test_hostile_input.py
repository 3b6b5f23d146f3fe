"""Hostile input is a 400 (or 413) with a message that names what to fix, never a 500.

Each case ran into a 500 on at least one database before the checks in
``core_app/inputs.py``; every case the fuzzer (test_fuzz.py) ever found is kept here too,
so it stays fixed on all three databases.
"""

from __future__ import annotations

import io
import json

import pytest
import requests
from sqlalchemy import create_engine, text
from werkzeug.test import EnvironBuilder, run_wsgi_app

from core_app.testing.apps import new_id

NUL = "\u0000"
PASSWORD = "a-good-password-1"
# 70 nested arrays: deeper than MAX_JSON_DEPTH_LEVELS, well inside what json.loads parses.
DEEP_ARRAY = "[" * 70 + "]" * 70
# Deep enough that json.loads itself gives up with RecursionError.
VERY_DEEP_ARRAY = "[" * 200_000 + "]" * 200_000


def _raw(client, method: str, path: str, body: str, **headers: str):
    return client.open(
        path,
        method=method,
        data=body.encode("utf-8", "surrogatepass"),
        content_type="application/json",
        headers=headers,
    )


def _session_body(**overrides) -> dict:
    return {
        "userId": "u1",
        "enableAntiCsrf": False,
        "userDataInJWT": {},
        "userDataInDatabase": {},
        **overrides,
    }


LONG_RANGE_MESSAGE = (
    "Field name 'validity' must be an integer between -9223372036854775808 and 9223372036854775807"
)

BODY_CASES = [
    # (id, method, path, raw JSON body, expected message)
    (
        "nul-in-email",
        "POST",
        "/recipe/signup",
        json.dumps({"email": f"a{NUL}b@example.com", "password": PASSWORD}),
        "Field name 'email' must not contain NUL characters",
    ),
    (
        "nul-in-session-payload",
        "POST",
        "/recipe/session",
        json.dumps(_session_body(userDataInDatabase={"deep": [{"k": f"x{NUL}"}]})),
        "Field name 'userDataInDatabase' must not contain NUL characters",
    ),
    (
        "nul-in-metadata-key",
        "PUT",
        "/recipe/user/metadata",
        json.dumps({"userId": "u1", "metadataUpdate": {f"k{NUL}": 1}}),
        "Field name 'metadataUpdate' must not contain NUL characters",
    ),
    (
        "nul-in-user-id",
        "POST",
        "/recipe/session",
        json.dumps(_session_body(userId=f"u{NUL}")),
        "Field name 'userId' must not contain NUL characters",
    ),
    (
        "lone-surrogate-in-email",
        "POST",
        "/recipe/signup",
        '{"email": "a\\ud800@example.com", "password": "a-good-password-1"}',
        "Field name 'email' must not contain unpaired surrogates",
    ),
    (
        "lone-surrogate-in-jwt-payload",
        "POST",
        "/recipe/session",
        json.dumps(_session_body()).replace(
            '"userDataInJWT": {}', '"userDataInJWT": {"a": "\\udfff"}'
        ),
        "Field name 'userDataInJWT' must not contain unpaired surrogates",
    ),
    (
        "lone-surrogate-in-unknown-key",
        "POST",
        "/recipe/signup",
        '{"\\ud800": 1, "email": "a@example.com", "password": "a-good-password-1"}',
        "JSON input must not contain NUL characters or unpaired surrogates",
    ),
    (
        "nesting-deeper-than-the-limit",
        "PUT",
        "/recipe/user/metadata",
        '{"userId": "u1", "metadataUpdate": {"a": ' + DEEP_ARRAY + "}}",
        "JSON input must not be nested deeper than 64 levels",
    ),
    (
        "nesting-deeper-than-json-loads-allows",
        "PUT",
        "/recipe/user/metadata",
        '{"userId": "u1", "metadataUpdate": {"a": ' + VERY_DEEP_ARRAY + "}}",
        "JSON input must not be nested deeper than 64 levels",
    ),
    (
        "over-long-session-user-id",
        "POST",
        "/recipe/session",
        json.dumps(_session_body(userId="u" * 129)),
        "Field name 'userId' must be at most 128 characters",
    ),
    (
        "over-long-app-id",
        "PUT",
        "/recipe/multitenancy/app/v2",
        json.dumps({"appId": "a" * 65}),
        "Field name 'appId' must be at most 64 characters",
    ),
    (
        "over-long-tenant-id",
        "PUT",
        "/recipe/multitenancy/tenant/v2",
        json.dumps({"tenantId": "t" * 65}),
        "Field name 'tenantId' must be at most 64 characters",
    ),
    (
        "session-payload-over-mysql-text",
        "POST",
        "/recipe/session",
        json.dumps(_session_body(userDataInDatabase={"blob": "x" * 70_000})),
        "Field name 'userDataInDatabase' must be at most 65535 characters as JSON",
    ),
    (
        "jwt-payload-over-mysql-text",
        "POST",
        "/recipe/session",
        json.dumps(_session_body(userDataInJWT={"blob": "x" * 70_000})),
        "Field name 'userDataInJWT' must be at most 65535 characters as JSON",
    ),
    (
        "jwt-validity-infinite",
        "POST",
        "/recipe/jwt",
        (
            '{"algorithm": "RS256", "jwksDomain": "http://localhost", "payload": {}, '
            '"validity": 1e400}'
        ),
        LONG_RANGE_MESSAGE,
    ),
    (
        "jwt-validity-beyond-bigint",
        "POST",
        "/recipe/jwt",
        json.dumps(
            {
                "algorithm": "RS256",
                "jwksDomain": "http://localhost",
                "payload": {},
                "validity": 2**64,
            }
        ),
        LONG_RANGE_MESSAGE,
    ),
    (
        "jwt-validity-string-infinite",
        "POST",
        "/recipe/jwt",
        json.dumps(
            {
                "algorithm": "RS256",
                "jwksDomain": "http://localhost",
                "payload": {},
                "validity": "1" + "0" * 400 + ".5",
            }
        ),
        LONG_RANGE_MESSAGE,
    ),
    # Found by test_fuzz.py on PostgreSQL before the NUL check (each was a 500 there).
    (
        "fuzz-nul-in-email-verification-remove",
        "POST",
        "/recipe/user/email/verify/remove",
        json.dumps({"email": f"\u0001\u00bb{NUL}6", "userId": "u1"}),
        "Field name 'email' must not contain NUL characters",
    ),
    (
        "fuzz-nul-in-reset-token-user-id",
        "POST",
        "/recipe/user/password/reset/token",
        json.dumps({"userId": f"{NUL}\u00db", "email": "a@example.com"}),
        "Field name 'userId' must not contain NUL characters",
    ),
    (
        "fuzz-nul-in-role",
        "PUT",
        "/recipe/user/role",
        json.dumps({"userId": "u1", "role": f">_{NUL}\u0005"}),
        "Field name 'role' must not contain NUL characters",
    ),
    (
        "fuzz-nul-in-role-to-remove",
        "POST",
        "/recipe/user/role/remove",
        json.dumps({"userId": "u1", "role": f">_{NUL}\u0005"}),
        "Field name 'role' must not contain NUL characters",
    ),
    (
        "fuzz-nul-in-mapped-user-id",
        "POST",
        "/recipe/userid/map",
        json.dumps({"superTokensUserId": f"s{NUL}", "externalUserId": "e1"}),
        "Field name 'superTokensUserId' must not contain NUL characters",
    ),
]


@pytest.mark.parametrize(
    "method, path, body, message",
    [case[1:] for case in BODY_CASES],
    ids=[case[0] for case in BODY_CASES],
)
def test_hostile_body_is_a_400_naming_the_field(client, method, path, body, message):
    answer = _raw(client, method, path, body)
    assert (answer.status_code, answer.text) == (400, message + "\n")


QUERY_CASES = [
    (
        "nul-in-query-user-id",
        "/recipe/session/user",
        {"userId": f"u{NUL}"},
        "Field name 'userId' must not contain NUL characters",
    ),
    (
        "nul-in-metadata-user-id",
        "/recipe/user/metadata",
        {"userId": f"u{NUL}"},
        "Field name 'userId' must not contain NUL characters",
    ),
    (
        "fuzz-nul-in-permission",
        "/recipe/permission/roles",
        {"permission": f"\u0080\U000c62a7{NUL}\U00030b66"},
        "Field name 'permission' must not contain NUL characters",
    ),
    (
        "users-limit-beyond-int",
        "/users",
        {"limit": str(2**40)},
        "Field name 'limit' must be an int in the GET request",
    ),
    (
        "users-limit-with-5000-digits",
        "/users",
        {"limit": "9" * 5000},
        "Field name 'limit' must be an int in the GET request",
    ),
]


@pytest.mark.parametrize(
    "path, query, message",
    [case[1:] for case in QUERY_CASES],
    ids=[case[0] for case in QUERY_CASES],
)
def test_hostile_query_is_a_400_naming_the_field(client, path, query, message):
    answer = client.get(path, query_string=query)
    assert (answer.status_code, answer.text) == (400, message + "\n")


def test_nothing_is_written_by_a_refused_session(client, database_url):
    answer = _raw(
        client,
        "POST",
        "/recipe/session",
        json.dumps(
            _session_body(userId="hostile-writer", userDataInDatabase={"blob": "x" * 70_000})
        ),
    )
    assert answer.status_code == 400
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            count = conn.execute(
                text("SELECT COUNT(*) FROM session_info WHERE user_id = 'hostile-writer'")
            ).scalar()
    finally:
        engine.dispose()
    assert count == 0


def test_session_payload_at_the_limit_is_stored_on_every_database(client):
    # 65,535 characters as JSON is the largest payload MySQL's TEXT column holds.
    filler = "x" * (65_535 - len(json.dumps({"blob": ""})))
    answer = client.post("/recipe/session", json=_session_body(userDataInDatabase={"blob": filler}))
    assert answer.status_code == 200, answer.text
    handle = answer.json["session"]["handle"]
    stored = client.get("/recipe/session", query_string={"sessionHandle": handle})
    assert stored.json["userDataInDatabase"] == {"blob": filler}


@pytest.mark.parametrize("header", ["1" * 5000, "5." + "4" * 5000, "5.4" * 2000])
def test_over_long_cdi_version_header_is_a_400(client, header):
    answer = client.get("/apiversion", headers={"cdi-version": header})
    assert (answer.status_code, answer.text) == (400, "cdi-version header is invalid\n")


@pytest.mark.parametrize(
    "prefix", [f"/appid-{'a' * 300}", f"/appid-{'a' * 300}/{'t' * 300}", f"/{'t' * 300}"]
)
def test_over_long_app_or_tenant_in_the_path_is_unknown(client, prefix):
    answer = client.post(f"{prefix}/recipe/session", json=_session_body())
    assert answer.status_code == 400
    assert answer.text.startswith("AppId or tenantId not found")


def test_over_long_tenant_in_a_known_app_is_unknown(client):
    app_id = new_id()
    client.put("/recipe/multitenancy/app/v2", json={"appId": app_id})
    answer = client.post(f"/appid-{app_id}/{'t' * 100}/recipe/session", json=_session_body())
    assert answer.status_code == 400
    assert answer.text.startswith("AppId or tenantId not found")


def test_body_over_the_configured_limit_is_a_413(make_app):
    client = make_app(max_request_body_bytes=1024).test_client()
    answer = client.put(
        "/recipe/user/metadata", json={"userId": "u1", "metadataUpdate": {"a": "x" * 2000}}
    )
    assert (answer.status_code, answer.text) == (413, "Request body must be at most 1024 bytes\n")


def test_chunked_body_over_the_configured_limit_is_a_413(make_app):
    app = make_app(max_request_body_bytes=1024)
    body = json.dumps({"userId": "u1", "metadataUpdate": {"a": "x" * 2000}}).encode()
    environ = EnvironBuilder(
        path="/recipe/user/metadata", method="PUT", content_type="application/json"
    ).get_environ()
    # A chunked upload as gunicorn hands it over: no Content-Length, the stream terminated.
    environ.pop("CONTENT_LENGTH", None)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["wsgi.input_terminated"] = True
    chunks, status, _ = run_wsgi_app(app, environ, buffered=True)
    assert (status, b"".join(chunks)) == (
        "413 REQUEST ENTITY TOO LARGE",
        b"Request body must be at most 1024 bytes\n",
    )


def test_body_under_the_limit_is_served(make_app):
    client = make_app(max_request_body_bytes=1024).test_client()
    answer = client.put(
        "/recipe/user/metadata", json={"userId": "u1", "metadataUpdate": {"a": "x" * 100}}
    )
    assert answer.status_code == 200, answer.text


@pytest.mark.integration
def test_gunicorn_refuses_a_chunked_body_over_the_limit(tmp_path, isolated_environment):
    from core_app.testing.core_process import CoreProcess

    env = {
        "SUPERTOKENS_CONNECTION_URI": f"sqlite:///{tmp_path / 'core.db'}",
        "SUPERTOKENS_MAX_REQUEST_BODY_BYTES": "1024",
    }
    with CoreProcess(tmp_path, env, workers=1) as core:
        url = f"{core.url}/recipe/user/metadata"
        body = json.dumps({"userId": "u1", "metadataUpdate": {"a": "x" * 5000}}).encode()
        chunked = requests.put(
            url, data=iter([body[:3000], body[3000:]]), headers={"Content-Type": "application/json"}
        )
        whole = requests.put(url, data=body, headers={"Content-Type": "application/json"})
        small = requests.put(
            url,
            data=iter([b'{"userId": "u1", ', b'"metadataUpdate": {}}']),
            headers={"Content-Type": "application/json"},
        )
    assert (chunked.status_code, chunked.text) == (413, "Request body must be at most 1024 bytes\n")
    assert (whole.status_code, whole.text) == (413, "Request body must be at most 1024 bytes\n")
    assert small.status_code == 200, small.text
