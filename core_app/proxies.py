"""Which client address a request has when the core runs behind reverse proxies.

The IP filter (``ip_allow_regex`` / ``ip_deny_regex``, ``core_app.routes``) reads
``REMOTE_ADDR``. Behind a proxy that is the proxy's address, and the client's is in
``X-Forwarded-For``, a header any client can also send. ``trusted_proxies`` says whom to
believe, and nothing is believed by default:

- a count ``N``: exactly ``N`` proxies stand in front, each appending the address it got
  the request from; Werkzeug's ``ProxyFix`` takes the ``N``-th address from the right.
- a list of networks (CIDRs): a request whose peer is in them came through a proxy; the
  client is the first address from the right of ``X-Forwarded-For`` outside the networks
  (an address a client wrote to the left of it is never reached). A request from any other
  peer keeps its peer's address, whatever it sends.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any, Callable

from werkzeug.middleware.proxy_fix import ProxyFix

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# The parsed ``trusted_proxies``: a count of proxies, or the proxies' networks.
TrustedProxies = int | tuple[Network, ...]

FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"
# The peer's own address, kept beside the client's (what ProxyFix keeps too).
PEER_ADDRESS_ENVIRON_KEY = "supertokens.peer_address"
_MAX_FORWARDED_HOPS = 32


class TrustedProxiesError(ValueError):
    """A ``trusted_proxies`` value that is neither a count nor a list of networks."""


def parse_trusted_proxies(value: Any) -> TrustedProxies:
    """``trusted_proxies`` from the config file (an integer or a list) or the environment
    (``2`` or ``10.0.0.0/8,192.168.1.10``): a count, or networks (a bare address is one)."""
    if isinstance(value, bool):
        raise TrustedProxiesError("a count of proxies or a list of networks, not a boolean")
    if isinstance(value, int):
        if value < 0:
            raise TrustedProxiesError("a count of proxies must be >= 0")
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return int(text)
        items: Iterable[Any] = [item for item in text.split(",") if item.strip()]
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        raise TrustedProxiesError("a count of proxies or a list of networks")
    networks = []
    for item in items:
        try:
            networks.append(ipaddress.ip_network(str(item).strip(), strict=False))
        except ValueError:
            raise TrustedProxiesError(f"'{item}' is not a network (CIDR) or address") from None
    return tuple(networks)


def trust_forwarded_for(wsgi_app: Callable, trusted: TrustedProxies) -> Callable:
    """``wsgi_app`` reading the client address off ``X-Forwarded-For`` as ``trusted`` says;
    ``wsgi_app`` itself when no proxy is trusted."""
    if isinstance(trusted, int):
        return ProxyFix(wsgi_app, x_for=trusted, x_proto=0, x_host=0) if trusted else wsgi_app
    return TrustedNetworks(wsgi_app, trusted) if trusted else wsgi_app


class TrustedNetworks:
    """WSGI middleware: believe ``X-Forwarded-For`` only from peers in ``networks``."""

    def __init__(self, wsgi_app: Callable, networks: tuple[Network, ...]):
        self.wsgi_app = wsgi_app
        self.networks = networks

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Any:
        peer = environ.get("REMOTE_ADDR", "")
        forwarded = environ.get(FORWARDED_FOR)
        if forwarded and self._trusts(peer):
            environ[PEER_ADDRESS_ENVIRON_KEY] = peer
            environ["REMOTE_ADDR"] = self.client_address(peer, forwarded)
        return self.wsgi_app(environ, start_response)

    def client_address(self, peer: str, forwarded: str) -> str:
        """The first address from the right that no trusted proxy holds; when every one is
        a trusted proxy, the leftmost."""
        hops = [hop.strip() for hop in forwarded.split(",")][-_MAX_FORWARDED_HOPS:]
        client = peer
        for hop in reversed(hops):
            client = hop
            if not self._trusts(hop):
                break
        return client

    def _trusts(self, address: str) -> bool:
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(parsed in network for network in self.networks)
