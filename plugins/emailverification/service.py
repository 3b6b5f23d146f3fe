"""Email-verification tokens and verified pairs (contract, emailverification §3–§7)."""

from __future__ import annotations

import hashlib
import secrets
import time

from core_app.plugin_api import RequestContext
from plugins.emailverification import store

TOKEN_BYTES = 96  # 128 URL-safe base64 characters


def token_hash(token: str) -> str:
    """What is stored for a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(ctx: RequestContext, user_id: str, email: str) -> str | None:
    """A new token for the pair in the path's tenant; None when the pair is verified."""
    if store.is_verified(ctx.conn, ctx.tenant.app_id, user_id, email):
        return None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expiry = int(time.time() * 1000) + ctx.settings.email_verification_token_lifetime
    store.add_token(ctx.conn, ctx.tenant, user_id, email, token_hash(token), expiry)
    return token


def verify_with_token(ctx: RequestContext, token: str) -> tuple[str, str] | None:
    """Use a token up; the verified (user id, email), or None when the token is invalid.

    The pair's tokens are locked and read again, so of two racing uses of one token exactly
    one finds it. Every token of the pair goes, also when the token had expired.
    """
    conn, tenant = ctx.conn, ctx.tenant
    hashed = token_hash(token)
    found = store.find_token(conn, tenant, hashed)
    if found is None:
        return None
    if hashed not in store.lock_tokens(conn, tenant, found.user_id, found.email):
        return None
    store.delete_tokens(conn, tenant, found.user_id, found.email)
    if found.token_expiry < int(time.time() * 1000):
        return None
    store.mark_verified(conn, tenant.app_id, found.user_id, found.email)
    return found.user_id, found.email
