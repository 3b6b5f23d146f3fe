"""Throttled guessing for recipes (plugin API): counters every process and instance shares.

A recipe that checks a secret a caller may guess (a password, a code) counts failures per
subject with these counters and refuses attempts past a limit; see the decisions at the top
of the host's ``core_app/throttling.py`` module docstring, summarised here:

- pass the connection of the database of the tenant whose data the counter guards;
- a subject (``Subject(tenant, kind, value)``) is stored hashed;
- on a subject with failures, ``admit`` counts the attempt before the slow check and
  ``forget`` clears it after a success; on a quiet subject ``read_counter`` only reads and
  ``record`` counts a failure, so a correct sign-in writes nothing;
- ``AccountLockout`` (consecutive failures, then growing locks) and ``WindowLimit``
  (events per fixed window) are the two shapes of limit; the ``*_limit`` / ``*_lockout``
  functions read the configured ones from a tenant's settings.
"""

from __future__ import annotations

from core_app import throttling as _throttling
from core_app.throttling import (
    AccountLockout,
    Counter,
    Subject,
    WindowLimit,
    admit,
    created_codes_limit,
    failed_codes_limit,
    forget,
    is_locked,
    locked_counter,
    password_lockout,
    read_counter,
    record,
    tenant_failures_limit,
)

__all__ = [
    "Subject",
    "Counter",
    "AccountLockout",
    "WindowLimit",
    "admit",
    "record",
    "forget",
    "is_locked",
    "read_counter",
    "locked_counter",
    "now_ms",
    "password_lockout",
    "failed_codes_limit",
    "created_codes_limit",
    "tenant_failures_limit",
]


def now_ms() -> int:
    """The counters' clock, in milliseconds (a test may move the host's clock)."""
    return _throttling.now_ms()
