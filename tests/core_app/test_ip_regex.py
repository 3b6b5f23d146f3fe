"""IP filter patterns are RE2 programs: a tenant cannot configure a backtracking regex
(conventions §13; issue "Trust boundaries", ReDoS)."""

from __future__ import annotations

import re

import pytest

from core_app.config import MAX_REGEX_LENGTH_CHARS, ConfigError
from core_app.tenant_prefix import TenantIdentifier
from core_app.testing.apps import new_app

# Catastrophic for a backtracking engine against "aaaa…!": (a+)+ tries every split.
CATASTROPHIC = "(a+)+$"


def _tenant_settings(app, app_id: str, tenant_id: str = "public"):
    directory = app.extensions["supertokens_core"].directory
    return directory.settings(TenantIdentifier("", app_id, tenant_id))


def test_start_up_patterns_are_compiled_by_re2(make_app):
    settings = (
        make_app(ip_allow_regex=CATASTROPHIC, ip_deny_regex="^(a|a)*$")
        .extensions["supertokens_core"]
        .settings
    )
    for pattern in (settings.ip_allow_regex, settings.ip_deny_regex):
        assert not isinstance(pattern, re.Pattern)
        assert type(pattern).__module__.split(".")[0] == "re2"
    # RE2 answers the catastrophic input (no time bound asserted: its engine is linear).
    assert settings.ip_allow_regex.fullmatch("a" * 50_000 + "!") is None


@pytest.mark.parametrize(
    "pattern, reason",
    [
        (r"(\d)\1", "invalid escape sequence"),  # backreference
        (r"10\.(?=0)", "invalid perl operator"),  # lookahead
        (r"(?<!1)0", "invalid perl operator"),  # lookbehind
        ("(", "missing )"),
        ("a" * (MAX_REGEX_LENGTH_CHARS + 1), f"longer than {MAX_REGEX_LENGTH_CHARS} characters"),
        (r"(\pL{30}){30}", "pattern too large"),  # program over the memory bound
    ],
)
def test_backtracking_only_or_oversize_patterns_stop_the_start(make_app, pattern, reason):
    with pytest.raises(ConfigError, match=r"^Provided regular expression is invalid: ") as error:
        make_app(ip_deny_regex=pattern)
    assert reason in str(error.value)


def test_backtracking_only_pattern_in_core_config_is_400(client):
    app_id = new_app(client)
    answer = client.put(
        f"/appid-{app_id}/recipe/multitenancy/tenant/v2",
        json={"tenantId": "t1", "coreConfig": {"ip_allow_regex": r"(1)\1.*"}},
    )
    assert answer.status_code == 400
    assert answer.text.strip() == (
        "Invalid core config: Provided regular expression is invalid: invalid escape sequence: \\1"
    )


def test_core_config_patterns_are_compiled_by_re2(app, client):
    app_id = new_app(client, {"t1": {"coreConfig": {"ip_deny_regex": CATASTROPHIC}}})
    pattern = _tenant_settings(app, app_id, "t1").ip_deny_regex
    assert type(pattern).__module__.split(".")[0] == "re2"


def test_tenant_allow_and_deny_rules_still_apply_through_the_api(client):
    app_id = new_app(
        client,
        {
            "deny": {"coreConfig": {"ip_deny_regex": r"127\..*|10\.9\.\d+\.\d+"}},
            "allow": {"coreConfig": {"ip_allow_regex": r"10\.0\.0\.(1|2)"}},
            "both": {"coreConfig": {"ip_allow_regex": r"10\..*", "ip_deny_regex": r"10\.9\..*"}},
        },
    )

    def status(tenant: str, address: str) -> int:
        return client.get(
            f"/appid-{app_id}/{tenant}/recipe/multitenancy/tenant/v2",
            environ_base={"REMOTE_ADDR": address},
        ).status_code

    assert status("deny", "127.0.0.1") == 403
    assert status("deny", "10.9.1.1") == 403
    assert status("deny", "10.1.1.1") == 200
    assert status("allow", "10.0.0.1") == 200
    assert status("allow", "10.0.0.2") == 200
    # The whole address must match, as with Python's fullmatch before.
    assert status("allow", "10.0.0.12") == 403
    assert status("allow", "110.0.0.1") == 403
    assert status("both", "10.1.2.3") == 200
    assert status("both", "10.9.2.3") == 403  # deny wins
    assert status("public", "127.0.0.1") == 200
    refused = client.get(
        f"/appid-{app_id}/deny/recipe/multitenancy/tenant/v2",
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert refused.text.strip() == "Your IP address is not allowed to call this API"
