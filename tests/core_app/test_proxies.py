"""``trusted_proxies``: the IP filter sees the client behind a trusted proxy, and a spoofed
X-Forwarded-For from anyone else changes nothing (README "Operating it")."""

from __future__ import annotations

import pytest

from core_app.config import ConfigError

ONLY_CLIENT = r"203\.0\.113\.7"
REFUSED = "Your IP address is not allowed to call this API"


def _status(client, peer: str, forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for is not None else {}
    return client.get(
        "/apiversion", headers={**headers}, environ_base={"REMOTE_ADDR": peer}
    ).status_code


def test_no_proxy_is_trusted_by_default(make_app):
    client = make_app(ip_allow_regex=ONLY_CLIENT).test_client()
    assert _status(client, "203.0.113.7") == 200
    # A client that claims the allowed address is still judged by its own.
    assert _status(client, "198.51.100.9", "203.0.113.7") == 403
    answer = client.get(
        "/apiversion",
        headers={"X-Forwarded-For": "203.0.113.7"},
        environ_base={"REMOTE_ADDR": "198.51.100.9"},
    )
    assert answer.text.strip() == REFUSED


def test_a_counted_proxy_gives_the_client_address(make_app):
    client = make_app(ip_allow_regex=ONLY_CLIENT, trusted_proxies=1).test_client()
    # nginx appends the address it got the request from.
    assert _status(client, "10.0.0.2", "203.0.113.7") == 200
    assert _status(client, "10.0.0.2", "198.51.100.9") == 403
    # A client's own header is to the left of what the proxy appended: never read.
    assert _status(client, "10.0.0.2", "203.0.113.7, 198.51.100.9") == 403


def test_deny_applies_to_the_client_behind_a_counted_proxy(make_app):
    client = make_app(ip_deny_regex=r"198\.51\.100\..*", trusted_proxies="1").test_client()
    assert _status(client, "10.0.0.2", "198.51.100.9") == 403
    assert _status(client, "10.0.0.2", "203.0.113.7") == 200


def test_proxy_networks_are_believed_only_from_their_peers(make_app):
    client = make_app(
        ip_allow_regex=ONLY_CLIENT, trusted_proxies=["10.0.0.0/8", "192.168.1.5"]
    ).test_client()
    assert _status(client, "10.0.0.2", "203.0.113.7") == 200
    # Two proxies of the networks in a row: the first address outside them is the client.
    assert _status(client, "10.0.0.2", "203.0.113.7, 192.168.1.5") == 200
    assert _status(client, "10.0.0.2", "203.0.113.7, 198.51.100.9, 10.1.1.1") == 403
    # The same header from a peer outside the networks is a spoof: ignored.
    assert _status(client, "198.51.100.9", "203.0.113.7") == 403
    assert _status(client, "192.168.1.6", "203.0.113.7") == 403


def test_proxy_networks_from_the_environment(make_app, monkeypatch):
    monkeypatch.setenv("SUPERTOKENS_TRUSTED_PROXIES", "10.0.0.0/8, 2001:db8::/32")
    client = make_app(ip_allow_regex=ONLY_CLIENT).test_client()
    assert _status(client, "2001:db8::1", "203.0.113.7") == 200
    assert _status(client, "10.0.0.2", "203.0.113.7") == 200
    assert _status(client, "127.0.0.1", "203.0.113.7") == 403


def test_a_tenant_filter_sees_the_client_too(make_app):
    from core_app.testing.apps import new_app
    from core_app.testing.client import core_test_client

    client = core_test_client(make_app(trusted_proxies=1))
    app_id = new_app(client, {"t1": {"coreConfig": {"ip_deny_regex": r"198\.51\.100\..*"}}})

    def status(forwarded_for: str) -> int:
        return client.get(
            f"/appid-{app_id}/t1/recipe/multitenancy/tenant/v2",
            headers={"X-Forwarded-For": forwarded_for},
            environ_base={"REMOTE_ADDR": "10.0.0.2"},
        ).status_code

    assert status("198.51.100.9") == 403
    assert status("203.0.113.7") == 200


@pytest.mark.parametrize(
    "value, message",
    [
        (-1, "a count of proxies must be >= 0"),
        (True, "must be a count or a list"),
        (["10.0.0.0/8", "proxy.internal"], "'proxy.internal' is not a network"),
        ("10.0.0.0/33", "'10.0.0.0/33' is not a network"),
    ],
)
def test_invalid_values_stop_the_start(make_app, value, message):
    with pytest.raises(ConfigError, match="'trusted_proxies' is not valid: ") as error:
        make_app(trusted_proxies=value)
    assert message in str(error.value)
