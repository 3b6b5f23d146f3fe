"""Fixtures only the host's tests use.

The shared ones (``database_url`` on SQLite, PostgreSQL and MySQL, ``isolated_environment``,
``make_app``, ``app``, ``client``, ``start_core``, ``running_core``) come from the testing
kit, the pytest plugin ``core_app.testing.plugin`` the core installs.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The clock of the throttle counters (core_app.throttling), as a one-item list the test
    moves forward."""
    from core_app import throttling

    now = [throttling.now_ms()]
    monkeypatch.setattr(throttling, "now_ms", lambda: now[0])
    return now
