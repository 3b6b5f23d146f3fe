"""The one place that reads ``[base_path][/appid-<app>][/<tenant>]`` off a request path.

Upstream lower-cases the whole path before matching, tries the path as an API first, and
only then reads an app and a tenant segment off its front (contract, conventions §2). The
middleware does that once per request and leaves the API path in ``PATH_INFO`` and the
``TenantIdentifier`` in the WSGI environ, so no handler ever parses a path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable

PUBLIC = "public"
DEFAULT_CONNECTION_URI_DOMAIN = ""
ENVIRON_KEY = "supertokens.tenant"

# Words that begin API paths and so are never read as a tenant id.
RESERVED_TENANT_IDS = frozenset({"recipe", "config", "users", "hello"})

_APP_SEGMENT = re.compile(r"^/appid-([a-z0-9-]*)(?=/|$)")
_TENANT_SEGMENT = re.compile(r"^/([a-z0-9-]+)(?=/|$)")


@dataclass(frozen=True, slots=True)
class TenantIdentifier:
    """Which tenant a request (or a row) belongs to."""

    connection_uri_domain: str
    app_id: str
    tenant_id: str

    @property
    def app(self) -> "TenantIdentifier":
        """The public tenant of the same app: where app-wide data and config live."""
        return TenantIdentifier(self.connection_uri_domain, self.app_id, PUBLIC)

    @property
    def is_public_tenant(self) -> bool:
        return self.tenant_id == PUBLIC

    @property
    def is_base(self) -> bool:
        """The public tenant of the public app of the default CUD."""
        return (
            self.connection_uri_domain == DEFAULT_CONNECTION_URI_DOMAIN
            and self.app_id == PUBLIC
            and self.tenant_id == PUBLIC
        )


BASE_TENANT = TenantIdentifier(DEFAULT_CONNECTION_URI_DOMAIN, PUBLIC, PUBLIC)


class TenantPrefix:
    """WSGI middleware: strip base path and tenant prefix, record the tenant.

    ``is_api_path(path)`` tells whether a lower-cased path names an API; it comes from the
    Flask URL map, so exact API paths win over a tenant reading (``/apiversion`` is an
    API, ``/t1/apiversion`` is that API for tenant ``t1``).
    """

    def __init__(self, wsgi_app: Callable, is_api_path: Callable[[str], bool], base_path: str = ""):
        self.wsgi_app = wsgi_app
        self.is_api_path = is_api_path
        self.base_path = base_path.lower()

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        api_path, tenant = self.split(path)
        environ["PATH_INFO"] = api_path
        environ[ENVIRON_KEY] = tenant
        return self.wsgi_app(environ, start_response)

    def split(self, raw_path: str) -> tuple[str, TenantIdentifier]:
        """The API path and tenant of a raw request path."""
        path = raw_path.lower()
        if self.base_path:
            if path == self.base_path or path.startswith(self.base_path + "/"):
                path = path[len(self.base_path) :] or "/"
            else:
                # Outside the base path nothing is an API: route to the not-found answer.
                return "/\x00outside-base-path", BASE_TENANT
        if len(path) > 1 and path.endswith("/"):
            path = path[:-1]
        if self.is_api_path(path):
            return path, BASE_TENANT

        app_id = PUBLIC
        rest = path
        app_match = _APP_SEGMENT.match(rest)
        if app_match:
            app_id = app_match.group(1) or PUBLIC
            rest = rest[app_match.end() :]
            if not rest or self.is_api_path(rest):
                return rest or "/", TenantIdentifier(DEFAULT_CONNECTION_URI_DOMAIN, app_id, PUBLIC)
        tenant_id = PUBLIC
        tenant_match = _TENANT_SEGMENT.match(rest)
        if tenant_match and tenant_match.group(1) not in RESERVED_TENANT_IDS:
            tenant_id = tenant_match.group(1)
            rest = rest[tenant_match.end() :] or "/"
        return rest, TenantIdentifier(DEFAULT_CONNECTION_URI_DOMAIN, app_id, tenant_id)
