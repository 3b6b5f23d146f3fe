"""The JWT recipe: custom JWTs signed with the app's keys, and the JWKS (session §6, §7.3)."""

from __future__ import annotations

import time
from typing import Any

import jwt

from core_app.plugin_api import RequestContext
from plugins.session import service


def sign_jwt(
    ctx: RequestContext,
    payload: dict[str, Any],
    jwks_domain: str,
    validity_s: int,
    use_static_key: bool,
) -> str:
    """A JWT with the caller's claims; ``iat``/``exp`` computed here win over the payload's."""
    key = service.signing_key_for_app(ctx, use_static_key)
    issued_at = int(time.time())
    claims = {"iss": jwks_domain, **payload, "iat": issued_at, "exp": issued_at + validity_s}
    return jwt.encode(
        claims, key.private_key, algorithm="RS256", headers={"kid": key.key_id, "typ": "JWT"}
    )


def jwks(ctx: RequestContext) -> tuple[list[dict[str, str]], int]:
    """The app's public keys and how many seconds they may be cached."""
    return service.signing_keys.jwks(
        ctx.storage, service.key_database(ctx), ctx.tenant.app_id, service.app_policy(ctx)
    )
