"""Email-password operations (contract, emailpassword §4–§9).

Hashing is slow on purpose, so it never runs while a transaction is open: sign-up and
password changes hash before their first statement, sign-in commits its read before it
verifies.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import time
import uuid
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from core_app.plugin_api import (
    AccountInfo,
    BadRequest,
    LoginMethod,
    RequestContext,
    StatusOutcome,
    TenantIdentifier,
    UserSearch,
    throttling,
    users,
)
from core_app.plugin_api import users as user_index
from plugins.emailpassword import hashing, store

RECIPE_ID = "emailpassword"
FAKE_EMAIL_SUFFIXES = ("@stfakeemail.supertokens.com", ".fakeemail.com")
RESET_TOKEN_LENGTH = 128
# Letters and digits only, so links the SDKs build never need escaping.
RESET_TOKEN_ALPHABET = string.ascii_letters + string.digits
UUID_ATTEMPTS = 3
# The throttle counter of sign-in attempts per email (core_app.throttling).
PASSWORD_ATTEMPTS = "password-attempts"

_dummy_hashes = hashing.DummyHashes()


def now_ms() -> int:
    """The current time in ms."""
    return int(time.time() * 1000)


def token_hash(token: str) -> str:
    """What is stored for a secret token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _policy(ctx: RequestContext) -> hashing.HashPolicy:
    return hashing.policy_from_settings(ctx.settings)


def login_method(account: store.Account) -> LoginMethod:
    """The login method an account is in user objects."""
    return LoginMethod(
        recipe_id=RECIPE_ID,
        user_id=account.user_id,
        time_joined=account.time_joined,
        email=account.email,
    )


# --- the recipe's users as the host reads them (RecipeUsers on the descriptor) ----------


def login_methods(conn: Connection, app_id: str, user_ids: list[str]) -> list[LoginMethod]:
    """The email-password accounts among ``user_ids``."""
    return [login_method(account) for account in store.accounts(conn, app_id, user_ids)]


def users_with_account_info(
    conn: Connection, tenant: TenantIdentifier, account: AccountInfo
) -> list[str]:
    """Accounts of the tenant with this email; an account has nothing else to match."""
    return [] if account.email is None else store.users_with_email(conn, tenant, account.email)


def search_users(
    conn: Connection, tenant: TenantIdentifier, search: UserSearch, limit: int
) -> list[str]:
    """Accounts whose email matches."""
    return store.search_by_email(conn, tenant, search.emails, limit)


def _user(ctx: RequestContext, user_id: str) -> dict[str, Any]:
    user = users.get_user(ctx.conn, ctx.plugins, ctx.tenant.app_id, user_id, ctx.cdi_version)
    assert user is not None, "a user read inside its own transaction exists"
    return user


def _create_account(ctx: RequestContext, email: str, password_hash: str) -> store.Account | None:
    """Insert a new user in the path's tenant; None if the tenant has the email already."""
    conn = ctx.conn
    if store.account_in_tenant(conn, ctx.tenant, email) is not None:
        return None
    for _ in range(UUID_ATTEMPTS):
        account = store.Account(str(uuid.uuid4()), email, password_hash, now_ms())
        try:
            with conn.begin_nested():
                user_index.add_recipe_user(
                    conn, ctx.tenant, account.user_id, RECIPE_ID, account.time_joined
                )
                store.add_account(conn, ctx.tenant, account)
            return account
        except IntegrityError:
            # The email was taken by a racing sign-up (the tenant's unique key), or, in
            # theory, the random id was: tell which by looking again, past the snapshot.
            if store.account_in_tenant(conn, ctx.tenant, email, latest=True) is not None:
                return None
    raise RuntimeError("could not find a free user id")


def sign_up(ctx: RequestContext, email: str, password: str) -> dict[str, Any]:
    """§4: a new email-password user in the path's tenant."""
    password_hash = hashing.hash_password(_policy(ctx), password)
    account = _create_account(ctx, email, password_hash)
    if account is None:
        return {"status": "EMAIL_ALREADY_EXISTS_ERROR"}
    if email.endswith(FAKE_EMAIL_SUFFIXES):
        # Placeholder addresses of accounts without a real email count as verified (§2.3).
        ctx.hooks.st_mark_email_verified(
            conn=ctx.conn, app_id=ctx.tenant.app_id, user_id=account.user_id, email=email
        )
    return {"status": "OK", "user": _user(ctx, account.user_id), "recipeUserId": account.user_id}


def sign_in(ctx: RequestContext, email: str, password: str) -> dict[str, Any]:
    """§5: check the password of the tenant's account with this email.

    An unknown email costs one verification too, so timing does not reveal accounts. A
    hash made with other settings than the current ones is replaced once it verified.

    Throttled (``core_app.throttling``, Extension): a locked email or tenant answers
    ``WRONG_CREDENTIALS_ERROR`` at once, right password or not, known email or not, and
    costs no hash. An email with failures that still count has the attempt counted before
    its hash is checked; a quiet email only has its counter read, so its owner's sign-in
    writes nothing, and a failure is counted after the check.
    """
    policy = _policy(ctx)
    lockout = throttling.password_lockout(ctx.settings)
    tenant_budget = throttling.tenant_failures_limit(ctx.settings)
    attempt = throttling.Subject(ctx.tenant, PASSWORD_ATTEMPTS, email)
    now = throttling.now_ms()
    counter = throttling.read_counter(ctx.conn, attempt) if lockout.enabled else None
    admitted = not (counter is not None and counter.locked(now)) and not (
        tenant_budget.enabled
        and throttling.is_locked(ctx.conn, throttling.Subject.tenant_failures(ctx.tenant))
    )
    counted_first = counter is not None and not counter.quiet(now)
    if admitted and counted_first:
        ctx.begin_writes()
        admitted = throttling.admit(ctx.conn, attempt, lockout)
    account = store.account_in_tenant(ctx.conn, ctx.tenant, email) if admitted else None
    ctx.commit()  # no connection is held while the hash is checked
    if not admitted:
        return {"status": "WRONG_CREDENTIALS_ERROR"}
    uncounted = None if counted_first else attempt
    if account is None:
        _dummy_hashes.burn(policy, password)
        return _wrong_password(ctx, uncounted, lockout, tenant_budget)
    if not hashing.verify_password(
        policy, password, account.password_hash, ctx.settings.firebase_password_hashing_signer_key
    ):
        return _wrong_password(ctx, uncounted, lockout, tenant_budget)
    if counter is not None:
        ctx.begin_writes()
        throttling.forget(ctx.conn, attempt)
    if hashing.needs_rehash(policy, account.password_hash):
        new_hash = hashing.hash_password(policy, password)
        ctx.begin_writes()
        store.replace_password_hash(
            ctx.conn, ctx.tenant.app_id, account.user_id, account.password_hash, new_hash
        )
    return {
        "status": "OK",
        "user": _user(ctx, account.user_id),
        "recipeUserId": users.external_user_id(
            ctx.conn, ctx.plugins, ctx.tenant.app_id, account.user_id
        ),
    }


def _wrong_password(
    ctx: RequestContext,
    uncounted: throttling.Subject | None,
    lockout: throttling.AccountLockout,
    tenant_budget: throttling.WindowLimit,
) -> dict[str, Any]:
    """Count a failed sign-in: against the email unless it was counted before the check,
    and against the tenant's budget."""
    if uncounted is not None and lockout.enabled:
        ctx.begin_writes()
        throttling.record(ctx.conn, uncounted, lockout)
    if tenant_budget.enabled:
        ctx.begin_writes()
        throttling.record(ctx.conn, throttling.Subject.tenant_failures(ctx.tenant), tenant_budget)
    return {"status": "WRONG_CREDENTIALS_ERROR"}


# --- password reset (§6) ------------------------------------------------------------------


def new_reset_token() -> str:
    """A reset token: 128 letters and digits from the CSPRNG."""
    return "".join(secrets.choice(RESET_TOKEN_ALPHABET) for _ in range(RESET_TOKEN_LENGTH))


def create_reset_token(ctx: RequestContext, user_id: str, email: str | None) -> dict[str, Any]:
    """§6.1: a reset token for any user of the app, with the email it resets."""
    user_id = users.supertokens_user_id(ctx.conn, ctx.plugins, ctx.tenant.app_id, user_id)
    if user_index.find_recipe_user(ctx.conn, ctx.tenant.app_id, user_id) is None:
        return {"status": "UNKNOWN_USER_ID_ERROR"}
    if email is None:
        raise BadRequest("Field name 'email' is invalid in JSON input")
    token = new_reset_token()
    lifetime = ctx.settings.password_reset_token_lifetime
    store.add_reset_token(
        ctx.conn,
        ctx.tenant.app_id,
        store.ResetToken(user_id, token_hash(token), email, now_ms() + lifetime),
    )
    return {"status": "OK", "token": token}


def consume_reset_token(ctx: RequestContext, token: str) -> tuple[str, str] | None:
    """§6.2: use a reset token up; its (SuperTokens user id, email) if it was valid.

    Every token of the user goes with it. The user's tokens are locked and read again, so
    of two racing consumptions exactly one finds the token still there.
    """
    conn, app_id = ctx.conn, ctx.tenant.app_id
    found = store.find_reset_token(conn, app_id, token_hash(token))
    if found is None:
        return None
    if found.token_hash not in store.lock_reset_tokens(conn, app_id, found.user_id):
        return None
    store.delete_reset_tokens_of_user(conn, app_id, found.user_id)
    if found.expiry < now_ms():
        return None  # the deletion is committed all the same
    email = found.email
    if email is None:
        # Rows from before CDI 4.0 have no email: the user's own account's, if it has one.
        methods = user_index.group_members(conn, app_id, found.user_id)
        account = store.account(conn, app_id, found.user_id)
        if account is None or len(methods) > 1:
            return None
        email = account.email
    return found.user_id, email


def reset_password_with_token(ctx: RequestContext, token: str, new_password: str) -> dict[str, Any]:
    """§6.3 (legacy): consume a token and set the password in one transaction."""
    new_hash = hashing.hash_password(_policy(ctx), new_password)
    consumed = consume_reset_token(ctx, token)
    if consumed is None:
        return {"status": "RESET_PASSWORD_INVALID_TOKEN_ERROR"}
    store.set_password_hash(ctx.conn, ctx.tenant.app_id, consumed[0], new_hash)
    return {
        "status": "OK",
        "userId": users.external_user_id(ctx.conn, ctx.plugins, ctx.tenant.app_id, consumed[0]),
    }


# --- update and lookups (§7–§9) ------------------------------------------------------------


def update_account(
    ctx: RequestContext, recipe_user_id: str, email: str | None, password: str | None
) -> dict[str, Any]:
    """§7: change the email and/or password of an email-password login method."""
    new_hash = hashing.hash_password(_policy(ctx), password) if password is not None else None
    app_id = ctx.tenant.app_id
    conn, recipe_user_id = ctx.user_database(recipe_user_id)
    index_row = user_index.find_recipe_user(conn, app_id, recipe_user_id)
    account = store.account(conn, app_id, recipe_user_id, lock=True) if index_row else None
    if account is None:
        return {"status": "UNKNOWN_USER_ID_ERROR"}
    if email is not None and email != account.email:
        if index_row.is_linked_or_is_a_primary_user and users.held_by_another_primary_user(
            ctx, conn, index_row.primary_or_recipe_user_id, AccountInfo(email=email)
        ):
            return {
                "status": "EMAIL_CHANGE_NOT_ALLOWED_ERROR",
                "reason": "New email is associated with another primary user ID",
            }
        try:
            with conn.begin_nested():
                store.set_email(conn, app_id, recipe_user_id, email)
        except IntegrityError:
            raise StatusOutcome("EMAIL_ALREADY_EXISTS_ERROR") from None
    if new_hash is not None:
        store.set_password_hash(conn, app_id, recipe_user_id, new_hash)
    return {"status": "OK"}


def user_by_email(ctx: RequestContext, email: str) -> dict[str, Any] | None:
    """§8 by email: the whole user owning the tenant's account with this email."""
    account = store.account_in_tenant(ctx.conn, ctx.tenant, email)
    return _user(ctx, account.user_id) if account else None


def import_user(ctx: RequestContext, email: str, password_hash: str) -> dict[str, Any]:
    """§9: create a user with an existing hash, or replace the hash of the tenant's account."""
    conn = ctx.conn
    existing = store.account_in_tenant(conn, ctx.tenant, email)
    if existing is None:
        created = _create_account(ctx, email, password_hash)
        if created is not None:
            return {
                "status": "OK",
                "user": _user(ctx, created.user_id),
                "didUserAlreadyExist": False,
            }
        existing = store.account_in_tenant(conn, ctx.tenant, email, latest=True)
    store.set_password_hash(conn, ctx.tenant.app_id, existing.user_id, password_hash)
    return {"status": "OK", "user": _user(ctx, existing.user_id), "didUserAlreadyExist": True}
