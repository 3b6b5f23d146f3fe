"""Throttled guessing: failure counters that every process and instance shares.

NIST SP 800-63B rev 4 (§3.2.2, rate limiting) asks a verifier to allow no more than 100
consecutive failed attempts on one account, and far fewer in practice; OWASP ASVS 2.2.1
asks for the same per account and against attacks on many accounts. Recipes call this
service; the host knows no recipe, only counters named by a ``kind`` the caller chooses.

Decisions:

- **Where.** A counter is a row of ``throttle_counters`` in the database of the tenant
  whose data it guards (the caller passes that connection), keyed by
  ``(app_id, tenant_id, kind, subject_hash)``. The subject (a normalised email, a phone
  number) is stored as its SHA-256, so the table holds no contact data and its key has a
  bounded length. Every process and every instance on that database sees the same rows.
- **Atomic.** A counter is changed only while its row is locked: the row is made to exist
  by an insert that ignores duplicates, then read ``FOR UPDATE`` (SQLite: the caller's
  writing transaction, ``BEGIN IMMEDIATE``, is the lock), then updated. Making the row
  exist first means the lock is always on one existing key (no gap locks on MySQL).
- **Counted before the slow work, once guessing has begun.** An attempt on a subject that
  has failures that still count is counted as a failure *before* its hash is checked
  (``admit``) and the counter is forgotten when the password was right, so parallel
  guesses cannot all pass a check that none of them has counted yet. An attempt on a quiet
  subject (no counter, the common case of an owner signing in) is only read
  (``read_counter``) and counted after a failure (``record``): a correct sign-in then
  writes nothing, and parallel first guesses can pass the limit only once, by the number of
  requests in flight. A refused attempt costs no hash and is not counted, so an attacker
  cannot make a lock longer by hammering it.
- **Two shapes of limit.** ``AccountLockout``: after every ``maximum`` consecutive
  failures the subject is locked, for ``base`` x ``growth`` ^ (locks so far), at most
  ``longest``; failures are forgotten after a success, or after ``longest`` has passed
  since the last failure or lock. ``WindowLimit``: at most ``maximum`` events per fixed
  window that starts with the first event (so across a window boundary up to twice the
  number can happen within one window's length).
- **Per tenant.** ``tenant_max_failed_sign_ins_per_hour`` failures (wrong passwords and
  wrong codes together) in a tenant lock the tenant's sign-ins until the hour ends: the
  defence against one guess each on many accounts. It is checked without a lock and
  counted after the failure, so parallel requests may pass it by their number; it is a
  budget, not an exact count, and its row is written only on failures.
- **Defaults** (``config.yaml``): 10 consecutive wrong passwords, then locks of 5, 10,
  20 ... minutes, at most one day: 40 guesses in an account's first hour, 90 in its first
  day, 10 a day after that. A passwordless contact: 10 wrong codes and 10 new codes an
  hour. A tenant: 10,000 failures an hour. ``0`` turns a limit off.
- **Clean-up.** Each row carries ``expires_at``, after which it means nothing;
  housekeeping deletes those rows.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import fields
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    select,
    update,
)

from core_app.config import ConfigError, ConfigKey, ConfigScope, at_least
from core_app.hookspecs import hookimpl
from core_app.metrics import record_throttle_refusal
from core_app.storage import insert_ignoring_duplicates
from core_app.tenancy.store import ID_LENGTH
from core_app.tenant_prefix import TenantIdentifier

KIND_LENGTH = 32
SUBJECT_HASH_LENGTH = 64  # SHA-256, hex
HOUR_MS = 3_600_000
TENANT_FAILED_SIGN_INS = "tenant-failed-sign-ins"
# A growth exponent beyond this is longer than any lock anyway; it keeps the integers small.
LARGEST_GROWTH_EXPONENT = 64

DEFAULT_PASSWORD_MAX_CONSECUTIVE_FAILURES = 10
DEFAULT_PASSWORD_LOCKOUT_BASE_S = 300
DEFAULT_PASSWORD_LOCKOUT_GROWTH = 2
DEFAULT_PASSWORD_LOCKOUT_MAX_S = 86_400
DEFAULT_PASSWORDLESS_MAX_FAILED_CODES_PER_HOUR = 10
DEFAULT_PASSWORDLESS_MAX_CODES_CREATED_PER_HOUR = 10
DEFAULT_TENANT_MAX_FAILED_SIGN_INS_PER_HOUR = 10_000

metadata = MetaData()

throttle_counters = Table(
    "throttle_counters",
    metadata,
    Column("app_id", String(ID_LENGTH), primary_key=True),
    Column("tenant_id", String(ID_LENGTH), primary_key=True),
    Column("kind", String(KIND_LENGTH), primary_key=True),
    Column("subject_hash", String(SUBJECT_HASH_LENGTH), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_started_at", BigInteger, nullable=False),
    Column("locked_until", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Index("throttle_counters_expires_at_index", "expires_at"),
)


def now_ms() -> int:
    """The current time in ms (tests replace it to move time)."""
    return int(time.time() * 1000)


# --- configuration ---------------------------------------------------------------------


def _count(name: str, default: int, minimum: int = 0) -> ConfigKey:
    return ConfigKey(
        name, fields.Integer(validate=at_least(name, minimum)), default, ConfigScope.TENANT
    )


KEYS: tuple[ConfigKey, ...] = (
    _count("password_max_consecutive_failures", DEFAULT_PASSWORD_MAX_CONSECUTIVE_FAILURES),
    _count("password_lockout_base_s", DEFAULT_PASSWORD_LOCKOUT_BASE_S, 1),
    _count("password_lockout_growth", DEFAULT_PASSWORD_LOCKOUT_GROWTH, 1),
    _count("password_lockout_max_s", DEFAULT_PASSWORD_LOCKOUT_MAX_S, 1),
    _count(
        "passwordless_max_failed_codes_per_hour", DEFAULT_PASSWORDLESS_MAX_FAILED_CODES_PER_HOUR
    ),
    _count(
        "passwordless_max_codes_created_per_hour", DEFAULT_PASSWORDLESS_MAX_CODES_CREATED_PER_HOUR
    ),
    _count("tenant_max_failed_sign_ins_per_hour", DEFAULT_TENANT_MAX_FAILED_SIGN_INS_PER_HOUR),
)


def check_lockout_settings(settings: Mapping[str, Any], _test_mode: bool) -> None:
    """The longest lock cannot be shorter than the first one."""
    if settings["password_lockout_max_s"] < settings["password_lockout_base_s"]:
        raise ConfigError("'password_lockout_max_s' must be >= 'password_lockout_base_s'")


CHECKS = (check_lockout_settings,)


# --- limits ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Counter:
    """One subject's row: failures (or events) counted, and until when they matter."""

    failures: int = 0
    window_started_at: int = 0
    locked_until: int = 0
    expires_at: int = 0
    # Set on a counter read from its row: a lock found there refuses an attempt (metrics).
    subject: "Subject | None" = field(default=None, compare=False, repr=False)

    def locked(self, now: int) -> bool:
        """Is the subject refused at ``now``? A refusal of a stored counter is counted in
        ``supertokens_throttle_refusals_total``."""
        refused = now < self.locked_until
        if refused and self.subject is not None:
            record_throttle_refusal(self.subject.tenant, self.subject.kind)
        return refused

    def quiet(self, now: int) -> bool:
        """No failure counts any more at ``now`` (none yet, or all of them expired)."""
        return self.failures == 0 or now >= self.expires_at


@dataclass(frozen=True)
class AccountLockout:
    """A lock after every ``maximum`` consecutive failures, each lock ``growth`` times the
    last, from ``base_ms`` up to ``longest_ms``. ``maximum`` 0: no limit."""

    maximum: int
    base_ms: int
    growth: int
    longest_ms: int

    @property
    def enabled(self) -> bool:
        """Is anything limited?"""
        return self.maximum > 0

    def after_failure(self, counter: Counter, now: int) -> Counter:
        """The counter once one more failure happened at ``now``."""
        failures = counter.failures if now < counter.expires_at else 0
        failures += 1
        locked_until = counter.locked_until if failures > 1 else 0
        if failures % self.maximum == 0:
            exponent = min(failures // self.maximum - 1, LARGEST_GROWTH_EXPONENT)
            locked_until = now + min(self.base_ms * self.growth**exponent, self.longest_ms)
        return Counter(
            failures,
            counter.window_started_at,
            locked_until,
            max(locked_until, now) + self.longest_ms,
        )


@dataclass(frozen=True)
class WindowLimit:
    """At most ``maximum`` events per window of ``window_ms``. ``maximum`` 0: no limit."""

    maximum: int
    window_ms: int = HOUR_MS

    @property
    def enabled(self) -> bool:
        """Is anything limited?"""
        return self.maximum > 0

    def after_failure(self, counter: Counter, now: int) -> Counter:
        """The counter once one more event happened at ``now``."""
        started, count = counter.window_started_at, counter.failures
        if count == 0 or now >= started + self.window_ms:
            started, count = now, 0
        count += 1
        window_end = started + self.window_ms
        return Counter(count, started, window_end if count >= self.maximum else 0, window_end)


Limit = AccountLockout | WindowLimit


def password_lockout(settings: Mapping[str, Any]) -> AccountLockout:
    """The tenant's limit of consecutive wrong passwords per account."""
    return AccountLockout(
        settings["password_max_consecutive_failures"],
        settings["password_lockout_base_s"] * 1000,
        settings["password_lockout_growth"],
        settings["password_lockout_max_s"] * 1000,
    )


def failed_codes_limit(settings: Mapping[str, Any]) -> WindowLimit:
    """The tenant's limit of wrong passwordless codes per contact and hour."""
    return WindowLimit(settings["passwordless_max_failed_codes_per_hour"])


def created_codes_limit(settings: Mapping[str, Any]) -> WindowLimit:
    """The tenant's limit of passwordless codes created per contact and hour."""
    return WindowLimit(settings["passwordless_max_codes_created_per_hour"])


def tenant_failures_limit(settings: Mapping[str, Any]) -> WindowLimit:
    """The tenant's budget of failed sign-ins (any recipe) per hour."""
    return WindowLimit(settings["tenant_max_failed_sign_ins_per_hour"])


# --- counters --------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """What a counter is about: a ``kind`` of attempt on ``value`` in one tenant."""

    tenant: TenantIdentifier
    kind: str
    value: str

    @classmethod
    def tenant_failures(cls, tenant: TenantIdentifier) -> "Subject":
        """The tenant's own budget of failed sign-ins."""
        return cls(tenant, TENANT_FAILED_SIGN_INS, "")

    def key(self) -> dict[str, str]:
        """The row's primary key."""
        return {
            "app_id": self.tenant.app_id,
            "tenant_id": self.tenant.tenant_id,
            "kind": self.kind,
            "subject_hash": hashlib.sha256(self.value.encode("utf-8")).hexdigest(),
        }


def _where(subject: Subject) -> list[Any]:
    return [throttle_counters.c[name] == value for name, value in subject.key().items()]


def _counter(row: Any, subject: Subject) -> Counter:
    return Counter(row.failures, row.window_started_at, row.locked_until, row.expires_at, subject)


def is_locked(conn: Connection, subject: Subject) -> bool:
    """Is the subject refused now? A plain read, for checks that need no exact count."""
    row = conn.execute(select(throttle_counters.c.locked_until).where(*_where(subject))).first()
    refused = row is not None and now_ms() < row.locked_until
    if refused:
        record_throttle_refusal(subject.tenant, subject.kind)
    return refused


def read_counter(conn: Connection, subject: Subject) -> Counter | None:
    """The subject's counter as last committed, without a lock; None when it has none."""
    row = conn.execute(select(throttle_counters).where(*_where(subject))).first()
    return None if row is None else _counter(row, subject)


def locked_counter(conn: Connection, subject: Subject) -> Counter:
    """The subject's counter, its row locked until the transaction ends.

    Needs a writing transaction. The row is created (empty) when missing.
    """
    query = select(throttle_counters).where(*_where(subject))
    if conn.dialect.name != "sqlite":
        query = query.with_for_update()
    # Housekeeping may delete an empty row between the insert and the read; then again.
    for _ in range(2):
        insert_ignoring_duplicates(
            conn,
            throttle_counters,
            {
                **subject.key(),
                "failures": 0,
                "window_started_at": 0,
                "locked_until": 0,
                "expires_at": 0,
            },
        )
        row = conn.execute(query).first()
        if row is not None:
            return _counter(row, subject)
    raise RuntimeError("a throttle counter was deleted twice while it was being read")


def record(
    conn: Connection, subject: Subject, limit: Limit, counter: Counter | None = None
) -> Counter:
    """Count one failure (or event) for the subject; returns the new counter.

    ``counter`` is the one ``locked_counter`` returned in this transaction, if any.
    """
    if not limit.enabled:
        return counter or Counter()
    if counter is None:
        counter = locked_counter(conn, subject)
    counter = limit.after_failure(counter, now_ms())
    conn.execute(
        update(throttle_counters)
        .where(*_where(subject))
        .values(
            failures=counter.failures,
            window_started_at=counter.window_started_at,
            locked_until=counter.locked_until,
            expires_at=counter.expires_at,
        )
    )
    return counter


def admit(conn: Connection, subject: Subject, limit: Limit) -> bool:
    """Count one attempt as failed before it is checked; False (nothing counted) when the
    subject is locked. Forget the count (``forget``) when the attempt succeeds."""
    if not limit.enabled:
        return True
    counter = locked_counter(conn, subject)
    if counter.locked(now_ms()):
        return False
    record(conn, subject, limit, counter)
    return True


def forget(conn: Connection, subject: Subject) -> None:
    """Drop the subject's counter (a success ends a run of failures)."""
    conn.execute(delete(throttle_counters).where(*_where(subject)))


# --- host plugin -----------------------------------------------------------------------


@hookimpl
def st_housekeeping(conn: Connection, now_ms: int) -> None:
    """Counters whose windows and locks have all ended."""
    conn.execute(delete(throttle_counters).where(throttle_counters.c.expires_at <= now_ms))
