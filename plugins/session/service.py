"""The rules of sessions at CDI 5.4: create, verify, refresh with rotation and theft
detection, revoke, read and update (contract, session §1–§5).

Every function takes the request's context (its transaction, tenant and settings).
Signing keys and the refresh-token key are fetched *before* the request's transaction is
first used: creating one writes in a transaction of its own (see ``keys``).
"""

from __future__ import annotations

import dataclasses
import random
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from core_app.plugin_api import (
    PUBLIC,
    BadRequest,
    RequestContext,
    TenantIdentifier,
    put_value_if_absent,
    tenant_not_found,
    transaction,
    users,
)
from plugins.session import store
from plugins.session.keys import KeyPolicy, SigningKey, SigningKeyRing, policy_from_settings
from plugins.session.tokens import (
    AccessTokenClaims,
    MissingClaims,
    RefreshTokenFacts,
    TokenError,
    expiry_seconds,
    h1,
    h2,
    new_refresh_token_key,
    open_refresh_token,
    read_header,
    read_unverified_claims,
    seal_refresh_token,
    sign_access_token,
    uses_protected_claim,
    verify_access_token,
)

PROTECTED_FIELD_MESSAGE = "The user payload contains protected field"
SESSION_MAX_LIFETIME_REACHED = (
    "Session has reached its maximum lifetime (session_max_lifetime); the user must sign in again"
)
REFRESH_TOKEN_KEY_NAME = "refresh_token_key"
MS_PER_MINUTE = 60_000

signing_keys = SigningKeyRing()
_refresh_token_keys: dict[tuple[str, str], str] = {}
_refresh_token_keys_lock = threading.Lock()


def now_ms() -> int:
    """Milliseconds since the epoch."""
    return int(time.time() * 1000)


# --- helpers over the request context ---------------------------------------------------


def handle_tenant_id(handle: str) -> str:
    """The tenant a session handle names: ``<uuid>_<tenantId>``, or public."""
    parts = handle.split("_", 1)
    return parts[1] if len(parts) == 2 and parts[1] else PUBLIC


def _session_tenant(ctx: RequestContext, tenant_id: str) -> TenantIdentifier:
    """The tenant a token or handle names, which must exist (400 otherwise)."""
    tenant = TenantIdentifier(ctx.tenant.connection_uri_domain, ctx.tenant.app_id, tenant_id)
    if not ctx.tenant_exists(tenant):
        raise tenant_not_found(tenant.connection_uri_domain, tenant.app_id, tenant.tenant_id)
    return tenant


def app_policy(ctx: RequestContext) -> KeyPolicy:
    """The key rotation numbers of the request's app."""
    settings = ctx.settings_of(ctx.tenant.app)
    return policy_from_settings(settings, ctx.test_mode)


def key_database(ctx: RequestContext) -> str:
    """The database holding the request's app's keys."""
    return ctx.database_uri(ctx.tenant.app)


def signing_key_for_app(ctx: RequestContext, use_static_key: bool) -> SigningKey:
    """The app's static key, or the dynamic key that signs now."""
    return signing_keys.signing_key(
        ctx.storage, key_database(ctx), ctx.tenant.app_id, app_policy(ctx), use_static_key
    )


def _refresh_token_key(ctx: RequestContext) -> str:
    """The app's refresh-token key, created on first use and then cached for good."""
    uri = key_database(ctx)
    cache_key = (uri, ctx.tenant.app_id)
    key = _refresh_token_keys.get(cache_key)
    if key is None:
        with _refresh_token_keys_lock, transaction(ctx.storage) as unit:
            key = put_value_if_absent(
                unit.connection(uri),
                ctx.tenant.app,
                REFRESH_TOKEN_KEY_NAME,
                new_refresh_token_key(),
            )
        _refresh_token_keys[cache_key] = key
    return key


def _validity_ms(ctx: RequestContext) -> tuple[int, int]:
    """Access-token and refresh-token validity of the app, in ms."""
    settings = ctx.settings_of(ctx.tenant.app)
    return (
        int(settings.access_token_validity) * 1000,
        int(settings.refresh_token_validity * MS_PER_MINUTE),
    )


def _session_end(ctx: RequestContext, created_at: int) -> int | None:
    """When a session created at ``created_at`` must end whatever its activity (ms), or None.

    ``session_max_lifetime`` (ASVS 5.0 V7.3.2); no token of the session is issued with an
    expiry past this instant, and refresh answers UNAUTHORISED from it on.
    """
    settings = ctx.settings_of(ctx.tenant.app)
    max_lifetime_s = int(settings.session_max_lifetime)
    return created_at + max_lifetime_s * 1000 if max_lifetime_s else None


def _capped(expiry: int, end: int | None) -> int:
    return expiry if end is None else min(expiry, end)


def _jittered_expiry(ctx: RequestContext, now: int) -> int:
    settings = ctx.settings_of(ctx.tenant.app)
    validity_ms, _ = _validity_ms(ctx)
    jitter = float(settings.access_token_validity_jitter)
    return int(now + validity_ms * (1 - random.random() * jitter))


def _mint(claims: AccessTokenClaims, key: SigningKey) -> dict[str, Any]:
    token = sign_access_token(claims, key.key_id, key.private_key)
    return {"token": token, "expiry": claims.exp * 1000, "createdTime": claims.iat * 1000}


def _session_json(claims: AccessTokenClaims, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "handle": claims.session_handle,
        "userId": claims.sub,
        "recipeUserId": claims.rsub,
        "userDataInJWT": payload,
        "tenantId": claims.tenant_id,
    }


def _check_payload(payload: dict[str, Any]) -> None:
    if uses_protected_claim(payload):
        raise BadRequest(PROTECTED_FIELD_MESSAGE)


# --- create (§5.1) ----------------------------------------------------------------------


def create_session(
    ctx: RequestContext,
    user_id: str,
    enable_anti_csrf: bool,
    jwt_payload: dict[str, Any],
    db_payload: dict[str, Any],
    use_dynamic_key: bool,
) -> dict[str, Any]:
    """A new session in the request's tenant with its first tokens."""
    _check_payload(jwt_payload)
    key = signing_key_for_app(ctx, use_static_key=not use_dynamic_key)
    refresh_key = _refresh_token_key(ctx)
    tenant = ctx.tenant
    handle = str(uuid.uuid4()) + ("" if tenant.is_public_tenant else f"_{tenant.tenant_id}")
    anti_csrf = str(uuid.uuid4()) if enable_anti_csrf else None
    # The session is kept under the id callers see (the external one when mapped).
    primary, user_id = users.session_user_ids(ctx.conn, ctx.plugins, tenant.app_id, user_id)
    refresh_token = seal_refresh_token(
        RefreshTokenFacts(handle, user_id, tenant.tenant_id, None, anti_csrf),
        refresh_key,
        tenant.app_id,
    )

    now = now_ms()
    _, refresh_validity = _validity_ms(ctx)
    end = _session_end(ctx, now)
    refresh_expiry = _capped(now + refresh_validity, end)
    claims = AccessTokenClaims(
        sub=primary,
        rsub=user_id,
        tenant_id=tenant.tenant_id,
        session_handle=handle,
        refresh_token_hash1=h1(refresh_token),
        parent_refresh_token_hash1=None,
        anti_csrf_token=anti_csrf,
        iat=expiry_seconds(now),
        exp=expiry_seconds(_capped(_jittered_expiry(ctx, now), end)),
        custom=jwt_payload,
    )
    store.insert_session(
        ctx.conn,
        tenant,
        store.SessionRow(
            tenant.tenant_id,
            handle,
            user_id,
            h2(refresh_token),
            db_payload,
            refresh_expiry,
            now,
            jwt_payload,
            not use_dynamic_key,
        ),
    )
    ctx.commit()
    answer: dict[str, Any] = {
        "status": "OK",
        "session": _session_json(claims, jwt_payload),
        "accessToken": _mint(claims, key),
        "refreshToken": {"token": refresh_token, "expiry": refresh_expiry, "createdTime": now},
    }
    if anti_csrf is not None:
        answer["antiCsrfToken"] = anti_csrf
    return answer


# --- verify (§5.2) ----------------------------------------------------------------------


def _try_refresh(message: str) -> dict[str, Any]:
    return {"status": "TRY_REFRESH_TOKEN", "message": message}


def _unauthorised(message: str) -> dict[str, Any]:
    return {"status": "UNAUTHORISED", "message": message}


def verify_session(
    ctx: RequestContext,
    token: str,
    anti_csrf: str | None,
    do_anti_csrf_check: bool,
    enable_anti_csrf: bool,
    check_database: bool,
) -> dict[str, Any]:
    """Check an access token; promote a new refresh token on its first use."""
    try:
        header = read_header(token)
        key = signing_keys.verification_key(
            ctx.storage, key_database(ctx), ctx.tenant.app_id, app_policy(ctx), header["kid"]
        )
        if key is None:
            raise TokenError("Invalid access token: unknown signing key")
        claims = verify_access_token(token, key)
    except TokenError as error:
        return _try_refresh(str(error))
    now = now_ms()
    if claims.exp * 1000 < now:
        return _try_refresh("Access token expired")
    if (
        enable_anti_csrf
        and do_anti_csrf_check
        and (claims.anti_csrf_token is None or claims.anti_csrf_token != anti_csrf)
    ):
        return _try_refresh("anti-csrf check failed")
    tenant = _session_tenant(ctx, claims.tenant_id)
    # access_token_blacklisting (Extension): a revoked session's tokens stop verifying at once.
    check_database = check_database or bool(
        ctx.settings_of(ctx.tenant.app).access_token_blacklisting
    )

    if not check_database and claims.parent_refresh_token_hash1 is None:
        return {"status": "OK", "session": _session_json(claims, claims.custom)}

    # A new token may have to be minted: have its key before the transaction starts.
    signer = signing_key_for_app(ctx, use_static_key=not header["kid"].startswith("d-"))
    payload_changed = False
    conn = ctx.connection_for(tenant)  # the database of the token's tenant
    if check_database:
        row = store.find_session(conn, tenant, claims.session_handle)
        if row is None:
            return _unauthorised("Either the session has ended or has been blacklisted")
        payload_changed = row.jwt_payload != claims.custom
        if claims.parent_refresh_token_hash1 is None and not payload_changed:
            return {"status": "OK", "session": _session_json(claims, claims.custom)}

    row = store.find_session(conn, tenant, claims.session_handle, for_update=True)
    if row is None:
        return _unauthorised("Session missing in db")
    parent = claims.parent_refresh_token_hash1
    promote = parent is not None and h1(parent) == row.refresh_token_hash_2
    end = _session_end(ctx, row.created_at)
    if promote:
        _, refresh_validity = _validity_ms(ctx)
        store.update_session(
            conn,
            tenant,
            claims.session_handle,
            refresh_token_hash_2=h1(claims.refresh_token_hash1),
            expires_at=_capped(now + refresh_validity, end),
        )
    if not (
        promote or h1(claims.refresh_token_hash1) == row.refresh_token_hash_2 or payload_changed
    ):
        return {"status": "OK", "session": _session_json(claims, claims.custom)}

    ctx.commit()
    if signer.dynamic == row.use_static_key:
        signer = signing_key_for_app(ctx, use_static_key=row.use_static_key)
    validity_ms, _ = _validity_ms(ctx)
    reminted = dataclasses.replace(
        claims,
        parent_refresh_token_hash1=None,
        iat=expiry_seconds(now),
        exp=expiry_seconds(_capped(now + validity_ms, end)),
        custom=row.jwt_payload,
    )
    return {
        "status": "OK",
        "session": _session_json(reminted, row.jwt_payload),
        "accessToken": _mint(reminted, signer),
    }


# --- refresh (§5.3, §5.4) ---------------------------------------------------------------


def refresh_session(
    ctx: RequestContext,
    refresh_token: str,
    anti_csrf: str | None,
    enable_anti_csrf: bool,
    use_dynamic_key: bool,
) -> dict[str, Any]:
    """Rotate a refresh token; a token neither current nor child of current is theft."""
    refresh_key = _refresh_token_key(ctx)
    try:
        facts = open_refresh_token(refresh_token, refresh_key, ctx.tenant.app_id)
    except TokenError as error:
        return _unauthorised(str(error))
    if (
        enable_anti_csrf
        and facts.anti_csrf_token is not None
        and facts.anti_csrf_token != anti_csrf
    ):
        return _unauthorised("Anti CSRF token missing, or not matching")
    tenant = _session_tenant(ctx, facts.tenant_id)
    signer = signing_key_for_app(ctx, use_static_key=not use_dynamic_key)

    now = now_ms()
    conn = ctx.connection_for(tenant)  # the database of the token's tenant
    row = store.find_session(conn, tenant, facts.session_handle, for_update=True)
    if row is None or row.expires_at < now:
        return _unauthorised("Session missing in db or has expired")
    end = _session_end(ctx, row.created_at)
    if end is not None and now >= end:
        return _unauthorised(SESSION_MAX_LIFETIME_REACHED)
    _, refresh_validity = _validity_ms(ctx)
    refresh_expiry = _capped(now + refresh_validity, end)
    primary, _ = users.session_user_ids(conn, ctx.plugins, tenant.app_id, row.user_id)
    if h2(refresh_token) == row.refresh_token_hash_2:
        if row.use_static_key == use_dynamic_key:
            store.update_session(conn, tenant, row.handle, use_static_key=not use_dynamic_key)
    elif (
        facts.parent_refresh_token_hash1 is not None
        and h1(facts.parent_refresh_token_hash1) == row.refresh_token_hash_2
    ):
        store.update_session(
            conn,
            tenant,
            row.handle,
            refresh_token_hash_2=h2(refresh_token),
            expires_at=refresh_expiry,
            use_static_key=not use_dynamic_key,
        )
    else:
        return {
            "status": "TOKEN_THEFT_DETECTED",
            "session": {"handle": row.handle, "userId": primary, "recipeUserId": row.user_id},
        }
    ctx.commit()

    new_anti_csrf = str(uuid.uuid4()) if enable_anti_csrf else None
    child = seal_refresh_token(
        RefreshTokenFacts(
            row.handle, row.user_id, tenant.tenant_id, h1(refresh_token), new_anti_csrf
        ),
        refresh_key,
        tenant.app_id,
    )
    claims = AccessTokenClaims(
        sub=primary,
        rsub=row.user_id,
        tenant_id=tenant.tenant_id,
        session_handle=row.handle,
        refresh_token_hash1=h1(child),
        parent_refresh_token_hash1=h1(refresh_token),
        anti_csrf_token=new_anti_csrf,
        iat=expiry_seconds(now),
        exp=expiry_seconds(_capped(_jittered_expiry(ctx, now), end)),
        custom=row.jwt_payload,
    )
    answer: dict[str, Any] = {
        "status": "OK",
        "session": _session_json(claims, row.jwt_payload),
        "accessToken": _mint(claims, signer),
        "refreshToken": {"token": child, "expiry": refresh_expiry, "createdTime": now},
    }
    if new_anti_csrf is not None:
        answer["antiCsrfToken"] = new_anti_csrf
    return answer


# --- revoke, list, read, update (§5.5–§5.10) --------------------------------------------


def remove_by_handles(ctx: RequestContext, handles: list[str]) -> list[str]:
    """Delete sessions by handle (expired or not), each in the database of its tenant.

    Every named tenant must exist.
    """
    by_tenant: dict[str, list[str]] = {}
    for handle in handles:
        by_tenant.setdefault(handle_tenant_id(handle), []).append(handle)
    by_database: dict[int, tuple[Connection, dict[str, list[str]]]] = {}
    for tenant_id, tenant_handles in by_tenant.items():
        conn = ctx.connection_for(_session_tenant(ctx, tenant_id))
        by_database.setdefault(id(conn), (conn, {}))[1][tenant_id] = tenant_handles
    return [
        handle
        for conn, database_handles in by_database.values()
        for handle in store.delete_sessions(conn, ctx.tenant.app_id, database_handles)
    ]


def _user_ids(
    conn: Connection, ctx: RequestContext, user_id: str, include_linked: bool
) -> list[str]:
    if not include_linked:
        return [user_id]
    return users.linked_data_user_ids(conn, ctx.plugins, ctx.tenant.app_id, user_id)


def _session_databases(ctx: RequestContext, across_all_tenants: bool) -> list[Connection]:
    """Every database of the app, or only the database of the request's tenant."""
    return ctx.app_databases() if across_all_tenants else [ctx.conn]


def remove_by_user(
    ctx: RequestContext, user_id: str, across_all_tenants: bool, include_linked: bool
) -> list[str]:
    """Delete the alive sessions of a user (and its linked accounts)."""
    return _per_user_sessions(
        ctx, store.delete_alive_sessions_of_users, user_id, across_all_tenants, include_linked
    )


def handles_of_user(
    ctx: RequestContext, user_id: str, across_all_tenants: bool, include_linked: bool
) -> list[str]:
    """Handles of the alive sessions of a user (and its linked accounts)."""
    return _per_user_sessions(
        ctx, store.alive_handles_of_users, user_id, across_all_tenants, include_linked
    )


def _per_user_sessions(
    ctx: RequestContext,
    statement: Callable[..., list[str]],
    user_id: str,
    across_all_tenants: bool,
    include_linked: bool,
) -> list[str]:
    """The handles ``statement`` answers for the user's ids in each database it may be in."""
    tenant_id = None if across_all_tenants else ctx.tenant.tenant_id
    return [
        handle
        for conn in _session_databases(ctx, across_all_tenants)
        for handle in statement(
            conn,
            ctx.tenant.app_id,
            _user_ids(conn, ctx, user_id, include_linked),
            now_ms(),
            tenant_id,
        )
    ]


SESSION_DOES_NOT_EXIST = "Session does not exist."


def _alive_session(
    ctx: RequestContext, handle: str, for_update: bool = False
) -> tuple[TenantIdentifier, store.SessionRow | None]:
    tenant = _session_tenant(ctx, handle_tenant_id(handle))
    row = store.find_session(ctx.connection_for(tenant), tenant, handle, for_update)
    if row is None or row.expires_at <= now_ms():
        return tenant, None
    return tenant, row


def get_session(ctx: RequestContext, handle: str) -> dict[str, Any]:
    """Everything stored about an alive session."""
    tenant, row = _alive_session(ctx, handle)
    if row is None:
        return _unauthorised(SESSION_DOES_NOT_EXIST)
    return {
        "status": "OK",
        "sessionHandle": row.handle,
        "userId": users.session_user_ids(
            ctx.connection_for(tenant), ctx.plugins, ctx.tenant.app_id, row.user_id
        )[0],
        "recipeUserId": row.user_id,
        "userDataInDatabase": row.session_data,
        "expiry": row.expires_at,
        "userDataInJWT": row.jwt_payload,
        "timeCreated": row.created_at,
        "tenantId": row.tenant_id,
    }


def update_session_data(ctx: RequestContext, handle: str, data: dict[str, Any]) -> dict[str, Any]:
    """Replace ``userDataInDatabase`` of an alive session."""
    tenant, row = _alive_session(ctx, handle, for_update=True)
    if row is None:
        return _unauthorised(SESSION_DOES_NOT_EXIST)
    store.update_session(ctx.connection_for(tenant), tenant, handle, session_data=data)
    return {"status": "OK"}


def read_session_data(ctx: RequestContext, handle: str, field: str) -> dict[str, Any]:
    """``userDataInDatabase`` or ``userDataInJWT`` of an alive session (deprecated GETs)."""
    _, row = _alive_session(ctx, handle)
    if row is None:
        return _unauthorised(SESSION_DOES_NOT_EXIST)
    value = row.session_data if field == "userDataInDatabase" else row.jwt_payload
    return {"status": "OK", field: value}


def update_jwt_payload(ctx: RequestContext, handle: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Replace the stored access-token payload of an alive session."""
    _check_payload(payload)
    tenant, row = _alive_session(ctx, handle, for_update=True)
    if row is None:
        return _unauthorised(SESSION_DOES_NOT_EXIST)
    store.update_session(ctx.connection_for(tenant), tenant, handle, jwt_user_payload=payload)
    return {"status": "OK"}


def regenerate(ctx: RequestContext, token: str, payload: dict[str, Any] | None) -> dict[str, Any]:
    """Put a new payload into the session and re-sign the caller's access token."""
    try:
        header = read_header(token)
        claims = read_unverified_claims(token)
    except MissingClaims:
        return _unauthorised("Access token is missing session claims")
    except TokenError:
        raise BadRequest("Invalid access token") from None
    if payload is not None:
        _check_payload(payload)
    signer = signing_key_for_app(ctx, use_static_key=not header["kid"].startswith("d-"))
    tenant, row = _alive_session(ctx, claims.session_handle, for_update=True)
    if row is None:
        return _unauthorised(SESSION_DOES_NOT_EXIST)
    new_payload = row.jwt_payload if payload is None else payload
    store.update_session(
        ctx.connection_for(tenant), tenant, row.handle, jwt_user_payload=new_payload
    )
    ctx.commit()
    now = now_ms()
    replacement = dataclasses.replace(claims, iat=expiry_seconds(now), custom=new_payload)
    answer: dict[str, Any] = {"status": "OK", "session": _session_json(replacement, new_payload)}
    if claims.exp * 1000 >= now:
        if signer.dynamic == row.use_static_key:
            signer = signing_key_for_app(ctx, use_static_key=row.use_static_key)
        answer["accessToken"] = _mint(replacement, signer)
    return answer
