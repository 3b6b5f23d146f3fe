"""Passwordless operations (contract, passwordless §3–§12).

Every check of a code runs with the devices of its contact locked, so of two racing
consumptions one wins and the other finds the device gone, and parallel wrong guesses
are each counted against the device.

Throttled guessing (``core_app.throttling``, Extension): wrong typed codes are counted
per contact across all its devices and codes, and per tenant; while either is over its
limit a typed code, right or wrong, answers ``RESTART_FLOW_ERROR`` (a status the SDKs
know; the device stays). Magic links are not throttled: a link code cannot be guessed,
and it is how the contact's owner still signs in during an attack. New codes are counted
per contact: over the limit a resend answers ``RESTART_FLOW_ERROR`` and a new device 429
(the SDK has no status for it; it retries and then fails the front end's request with
its general error, and sends no message).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
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
    TooManyRequests,
    UserSearch,
    throttling,
    users,
)
from core_app.plugin_api import users as user_index
from plugins.passwordless import store
from plugins.passwordless.codes import DeviceSecret, LinkCode, new_salt, new_user_input_code
from plugins.passwordless.store import Code, Contact, Device, PasswordlessUser

RECIPE_ID = "passwordless"
GENERATION_ATTEMPTS = 5  # fresh random values after a (vanishingly rare) key collision
# Throttle counters per contact (core_app.throttling).
CODES_CREATED = "passwordless-codes-created"
FAILED_CODES = "passwordless-failed-codes"
TOO_MANY_CODES = (
    "Too many codes were created for this email or phone number in the last hour; try again later"
)


def now_ms() -> int:
    """The current time in ms."""
    return int(time.time() * 1000)


def login_method(user: PasswordlessUser) -> LoginMethod:
    """The login method a passwordless user is in user objects; a phone number alone
    counts as verified (users §1)."""
    return LoginMethod(
        recipe_id=RECIPE_ID,
        user_id=user.user_id,
        time_joined=user.time_joined,
        email=user.email,
        phone_number=user.phone_number,
        verified=user.email is None,
    )


# --- the recipe's users as the host reads them (RecipeUsers on the descriptor) ----------


def login_methods(conn: Connection, app_id: str, user_ids: list[str]) -> list[LoginMethod]:
    """The passwordless users among ``user_ids``."""
    return [login_method(user) for user in store.users_by_id(conn, app_id, user_ids)]


def users_with_account_info(
    conn: Connection, tenant: TenantIdentifier, account: AccountInfo
) -> list[str]:
    """Users of the tenant with this email or phone number."""
    if account.email is not None:
        return store.users_with_contact(conn, tenant, Contact(email=account.email))
    if account.phone_number is not None:
        return store.users_with_contact(conn, tenant, Contact(phone_number=account.phone_number))
    return []


def search_users(
    conn: Connection, tenant: TenantIdentifier, search: UserSearch, limit: int
) -> list[str]:
    """Users whose email and/or phone number match."""
    return store.search(conn, tenant, search.emails, search.phone_numbers, limit)


def tenant_conflict(conn: Connection, tenant: TenantIdentifier, user_id: str) -> str:
    """Which one-user-per-contact rule of the tenant a joining user breaks."""
    user = store.users_by_id(conn, tenant.app_id, [user_id])[0]
    if user.email is not None and any(
        other != user_id
        for other in store.users_with_contact(conn, tenant, Contact(email=user.email))
    ):
        return "EMAIL_ALREADY_EXISTS_ERROR"
    return "PHONE_NUMBER_ALREADY_EXISTS_ERROR"


def _throttled(tenant: TenantIdentifier, kind: str, contact: Contact) -> throttling.Subject:
    """The throttle counter of ``kind`` for a contact of the tenant."""
    column, value = contact.column_and_value
    return throttling.Subject(tenant, kind, f"{column}:{value}")


def _user(ctx: RequestContext, user_id: str) -> dict[str, Any]:
    user = users.get_user(ctx.conn, ctx.plugins, ctx.tenant.app_id, user_id, ctx.cdi_version)
    assert user is not None, "a user read inside its own transaction exists"
    return user


# --- creating codes (§3) ------------------------------------------------------------------


def _created(
    ctx: RequestContext, secret: DeviceSecret, code: Code, user_input_code: str, link_code: LinkCode
) -> dict[str, Any]:
    return {
        "status": "OK",
        "preAuthSessionId": secret.hash(),
        "codeId": code.code_id,
        "deviceId": secret.encode(),
        "userInputCode": user_input_code,
        "linkCode": link_code.encode(),
        "timeCreated": code.created_at,
        "codeLifetime": ctx.settings.passwordless_code_lifetime,
    }


def create_device(
    ctx: RequestContext, contact: Contact, user_input_code: str | None
) -> dict[str, Any]:
    """A new device for an email or phone number, with its first code."""
    if not throttling.admit(
        ctx.conn,
        _throttled(ctx.tenant, CODES_CREATED, contact),
        throttling.created_codes_limit(ctx.settings),
    ):
        raise TooManyRequests(TOO_MANY_CODES)
    for _ in range(GENERATION_ATTEMPTS):
        secret, salt = DeviceSecret.generate(), new_salt()
        typed = user_input_code if user_input_code is not None else new_user_input_code()
        link_code = secret.link_code(salt, typed)
        code = Code(str(uuid.uuid4()), secret.hash(), link_code.hash(), now_ms())
        try:
            with ctx.conn.begin_nested():
                store.add_device(
                    ctx.conn,
                    ctx.tenant,
                    Device(secret.hash(), contact.email, contact.phone_number, salt, 0),
                )
                store.add_code(ctx.conn, ctx.tenant, code)
        except IntegrityError:
            continue
        return _created(ctx, secret, code, typed, link_code)
    raise RuntimeError("could not generate unused device and code ids")


def create_code_for_device(
    ctx: RequestContext, device_id: str, user_input_code: str | None
) -> dict[str, Any]:
    """Resend: one more code for an existing device of the tenant."""
    secret = DeviceSecret.decode(device_id)
    conn, tenant = ctx.conn, ctx.tenant
    device = store.device(conn, tenant, secret.hash())
    if device is None or not throttling.admit(
        conn,
        _throttled(tenant, CODES_CREATED, device.contact),
        throttling.created_codes_limit(ctx.settings),
    ):
        return {"status": "RESTART_FLOW_ERROR"}
    for _ in range(GENERATION_ATTEMPTS):
        device = store.device(conn, tenant, secret.hash())
        if device is None:
            return {"status": "RESTART_FLOW_ERROR"}
        typed = user_input_code if user_input_code is not None else new_user_input_code()
        link_code = secret.link_code(device.link_code_salt, typed)
        code = Code(str(uuid.uuid4()), device.device_id_hash, link_code.hash(), now_ms())
        try:
            with conn.begin_nested():
                store.add_code(conn, tenant, code)
        except IntegrityError:
            # The device went meanwhile (foreign key), or the code is already one of its
            # codes: refused when the caller chose it, drawn again otherwise.
            if store.device(conn, tenant, device.device_id_hash) is None:
                return {"status": "RESTART_FLOW_ERROR"}
            if (
                user_input_code is not None
                and store.code_by_link_code_hash(conn, tenant, code.link_code_hash) is not None
            ):
                return {"status": "USER_INPUT_CODE_ALREADY_USED_ERROR"}
            continue
        return _created(ctx, secret, code, typed, link_code)
    raise RuntimeError("could not generate an unused code")


# --- checking codes (§4) ------------------------------------------------------------------


@dataclass(frozen=True)
class CodeInput:
    """What the caller gave to prove a code: the link code, or device secret + typed code."""

    pre_auth_session_id: str
    link_code: str | None = None
    device_id: str | None = None
    user_input_code: str | None = None


class CodeRefused(Exception):
    """A code check failed with one of the contract's statuses (the body to answer)."""

    def __init__(self, body: dict[str, Any]):
        super().__init__(body["status"])
        self.body = body


class DeviceMismatch(Exception):
    """``preAuthSessionId`` names another device than the code's (a 400)."""


RESTART_FLOW = {"status": "RESTART_FLOW_ERROR"}


def _resolve(ctx: RequestContext, given: CodeInput, lifetime: int) -> tuple[Device, str]:
    """Step 1: the device (unlocked) and the link-code hash the input designates."""
    conn, tenant = ctx.conn, ctx.tenant
    if given.link_code is not None:
        link_code_hash = LinkCode.decode(given.link_code).hash()
        found = store.device_of_link_code(conn, tenant, link_code_hash)
        if found is None or found[1] < now_ms() - lifetime:
            raise CodeRefused(RESTART_FLOW)
        return found[0], link_code_hash
    secret = DeviceSecret.decode(given.device_id or "")
    device = store.device(conn, tenant, secret.hash())
    if device is None:
        raise CodeRefused(RESTART_FLOW)
    return device, secret.link_code(device.link_code_salt, given.user_input_code or "").hash()


def check_code(ctx: RequestContext, given: CodeInput, consume: bool) -> Device:
    """The shared algorithm of consume and check: the device the code belongs to.

    Raises ``CodeRefused`` with the answer otherwise; what it wrote by then (a counted
    attempt, a deleted device) is meant to be committed. With ``consume``, every device
    of the contact in this tenant is deleted on success.
    """
    conn, tenant, settings = ctx.conn, ctx.tenant, ctx.settings
    lifetime = settings.passwordless_code_lifetime
    maximum = settings.passwordless_max_code_input_attempts
    unlocked, link_code_hash = _resolve(ctx, given, lifetime)
    device_id_hash = unlocked.device_id_hash
    if device_id_hash != given.pre_auth_session_id.replace("=", ""):
        raise DeviceMismatch()

    # Locks in one order (the contact's devices by hash), then reads again what counts.
    locked = store.lock_devices_of_contact(conn, tenant, unlocked.contact)
    device = locked.get(device_id_hash)
    if device is None:
        raise CodeRefused(RESTART_FLOW)
    guesses = _GuessCount.of(ctx, device.contact) if given.link_code is None else None
    if device.failed_attempts >= maximum:  # the maximum was lowered since
        store.delete_devices(conn, tenant, [device_id_hash])
        raise CodeRefused(RESTART_FLOW)
    code = store.code_by_link_code_hash(conn, tenant, link_code_hash, lock=True)
    if code is not None and code.device_id_hash != device_id_hash:
        code = None
    if code is None or code.created_at < now_ms() - lifetime:
        if guesses is None:
            raise CodeRefused(RESTART_FLOW)
        guesses.count_wrong_code()
        attempts = device.failed_attempts + 1
        if attempts >= maximum:
            store.delete_devices(conn, tenant, [device_id_hash])
            raise CodeRefused(RESTART_FLOW)
        store.increment_failed_attempts(conn, tenant, device_id_hash)
        status = (
            "INCORRECT_USER_INPUT_CODE_ERROR" if code is None else "EXPIRED_USER_INPUT_CODE_ERROR"
        )
        raise CodeRefused(
            {
                "status": status,
                "failedCodeInputAttemptCount": attempts,
                "maximumCodeInputAttempts": maximum,
            }
        )
    if consume:
        # The devices locked above; one created since is a newer attempt and stays.
        store.delete_devices(conn, tenant, list(locked))
        if guesses is not None:
            guesses.forget()
    return device


@dataclass
class _GuessCount:
    """The throttle counters a typed code is checked against: its contact's (locked for
    the check) and its tenant's."""

    ctx: RequestContext
    contact: throttling.Subject
    contact_limit: throttling.WindowLimit
    contact_counter: throttling.Counter | None
    tenant_limit: throttling.WindowLimit

    @classmethod
    def of(cls, ctx: RequestContext, contact: Contact) -> "_GuessCount":
        """The counters of a contact's typed code; ``CodeRefused`` while either is locked."""
        conn, settings = ctx.conn, ctx.settings
        subject = _throttled(ctx.tenant, FAILED_CODES, contact)
        contact_limit = throttling.failed_codes_limit(settings)
        tenant_limit = throttling.tenant_failures_limit(settings)
        counter = throttling.locked_counter(conn, subject) if contact_limit.enabled else None
        if (counter is not None and counter.locked(throttling.now_ms())) or (
            tenant_limit.enabled
            and throttling.is_locked(conn, throttling.Subject.tenant_failures(ctx.tenant))
        ):
            raise CodeRefused(RESTART_FLOW)
        return cls(ctx, subject, contact_limit, counter, tenant_limit)

    def count_wrong_code(self) -> None:
        """One more wrong (or expired) code for the contact and the tenant."""
        conn = self.ctx.conn
        throttling.record(conn, self.contact, self.contact_limit, self.contact_counter)
        if self.tenant_limit.enabled:
            throttling.record(
                conn, throttling.Subject.tenant_failures(self.ctx.tenant), self.tenant_limit
            )

    def forget(self) -> None:
        """The contact signed in: its run of wrong codes is over."""
        if self.contact_limit.enabled:
            throttling.forget(self.ctx.conn, self.contact)


def consumed_device_json(device: Device) -> dict[str, Any]:
    """A device as answers show it (``consumedDevice``, the devices of the code list)."""
    body: dict[str, Any] = {
        "preAuthSessionId": device.device_id_hash,
        "failedCodeInputAttemptCount": device.failed_attempts,
    }
    if device.email is not None:
        body["email"] = device.email
    if device.phone_number is not None:
        body["phoneNumber"] = device.phone_number
    return body


def consume_code(ctx: RequestContext, given: CodeInput) -> dict[str, Any]:
    """§5: use a code up and sign the contact's user in, creating it on first use."""
    device = check_code(ctx, given, consume=True)
    conn, tenant = ctx.conn, ctx.tenant
    contact = device.contact
    member = store.member_in_tenant(conn, tenant, contact)
    created = member is None
    if member is None:
        user = PasswordlessUser(str(uuid.uuid4()), contact.email, contact.phone_number, now_ms())
        try:
            user_index.add_recipe_user(conn, tenant, user.user_id, RECIPE_ID, user.time_joined)
            store.add_user(conn, tenant, user)
        except IntegrityError:
            # Another path (an email change, a tenant association) gave the contact a user
            # since the lookup. Nothing of this request stays, the code included: upstream
            # would have used the code up; here a retry signs that user in.
            raise StatusOutcome("RESTART_FLOW_ERROR") from None
        member = store.Member(user.user_id, user.email, user.phone_number)
    # A mapped user's verification is kept under its external id (Extension, README).
    visible_id = users.external_user_id(conn, ctx.plugins, tenant.app_id, member.user_id)
    if contact.email is not None:
        ctx.hooks.st_mark_email_verified(
            conn=conn, app_id=tenant.app_id, user_id=visible_id, email=contact.email
        )
    # A user with both contacts loses the pending codes of the other one as well.
    if member.email is not None and member.email != contact.email:
        store.delete_devices_of_contact(conn, tenant, Contact(email=member.email))
    if member.phone_number is not None and member.phone_number != contact.phone_number:
        store.delete_devices_of_contact(conn, tenant, Contact(phone_number=member.phone_number))
    # The user object is only read: build it after the writers' lock is released.
    ctx.end_writes()
    user_json = users.get_user(
        ctx.conn, ctx.plugins, tenant.app_id, member.user_id, ctx.cdi_version
    )
    if user_json is None:  # deleted in the instant since the commit
        return RESTART_FLOW
    return {
        "status": "OK",
        "createdNewUser": created,
        "user": user_json,
        "recipeUserId": visible_id,
        "consumedDevice": consumed_device_json(device),
    }


# --- removing and listing codes (§7–§9) ----------------------------------------------------


def remove_code(ctx: RequestContext, code_id: str) -> None:
    """One code; its device too when it was the last one."""
    conn, tenant = ctx.conn, ctx.tenant
    code = store.code_by_id(conn, tenant, code_id)
    if code is None or store.device(conn, tenant, code.device_id_hash, lock=True) is None:
        return
    remaining = store.codes_of_devices(conn, tenant, [code.device_id_hash])[code.device_id_hash]
    if [c.code_id for c in remaining] == [code_id]:
        store.delete_devices(conn, tenant, [code.device_id_hash])
    else:
        store.delete_code(conn, tenant, code_id)


def devices_json(ctx: RequestContext, found: list[Device]) -> list[dict[str, Any]]:
    """The ``devices`` of GET /recipe/signinup/codes."""
    lifetime = ctx.settings.passwordless_code_lifetime
    codes = store.codes_of_devices(ctx.conn, ctx.tenant, [d.device_id_hash for d in found])
    return [
        {
            **consumed_device_json(device),
            "codes": [
                {"codeId": code.code_id, "timeCreated": code.created_at, "codeLifetime": lifetime}
                for code in codes[device.device_id_hash]
            ],
        }
        for device in found
    ]


# --- users (§10, §11) ---------------------------------------------------------------------

_UNSET = object()


def update_user(
    ctx: RequestContext, recipe_user_id: str, email: Any = _UNSET, phone_number: Any = _UNSET
) -> dict[str, Any]:
    """§10: change or remove a passwordless user's email and/or phone number."""
    app_id = ctx.tenant.app_id
    conn, recipe_user_id = ctx.user_database(recipe_user_id)
    index_row = user_index.find_recipe_user(conn, app_id, recipe_user_id)
    user = store.lock_user(conn, app_id, recipe_user_id) if index_row else None
    if user is None:
        return {"status": "UNKNOWN_USER_ID_ERROR"}
    new_email = user.email if email is _UNSET else email
    new_phone = user.phone_number if phone_number is _UNSET else phone_number
    if new_email is None and new_phone is None:
        raise BadRequest("You cannot clear both email and phone number of a user")
    tenants = [
        TenantIdentifier(ctx.tenant.connection_uri_domain, app_id, tenant_id)
        for tenant_id in store.tenants_of_user(conn, app_id, user.user_id)
    ]
    changes = []
    if new_email != user.email:
        changes.append(("email", user.email, new_email))
    if new_phone != user.phone_number:
        changes.append(("phone_number", user.phone_number, new_phone))
    for kind, old, new in changes:
        label = "EMAIL" if kind == "email" else "PHONE_NUMBER"
        account = AccountInfo(email=new) if kind == "email" else AccountInfo(phone_number=new)
        if (
            new is not None
            and index_row.is_linked_or_is_a_primary_user
            and users.held_by_another_primary_user(
                ctx, conn, index_row.primary_or_recipe_user_id, account
            )
        ):
            # Raised, not returned: an email changed just before must not stay changed.
            what = "email" if kind == "email" else "phone number"
            raise StatusOutcome(
                f"{label}_CHANGE_NOT_ALLOWED_ERROR",
                reason=f"New {what} is associated with another primary user ID",
            )
        try:
            with conn.begin_nested():
                store.set_contact(conn, app_id, user.user_id, **{kind: new})
        except IntegrityError:
            raise StatusOutcome(f"{label}_ALREADY_EXISTS_ERROR") from None
        for tenant in tenants:
            for value in (old, new):
                if value is not None:
                    store.delete_devices_of_contact(conn, tenant, Contact(**{kind: value}))
    return {"status": "OK"}


def user_by_contact(ctx: RequestContext, contact: Contact) -> dict[str, Any] | None:
    """§11 by email or phone number: the whole user owning the tenant's login method."""
    found = store.member_in_tenant(ctx.conn, ctx.tenant, contact)
    return _user(ctx, found.user_id) if found else None
