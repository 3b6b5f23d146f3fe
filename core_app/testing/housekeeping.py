"""Running the core's housekeeping (every recipe's ``st_housekeeping``) from a test."""

from __future__ import annotations

from typing import Any

from core_app.housekeeping import run_housekeeping


def run_housekeeping_now(app: Any) -> list[str]:
    """Run housekeeping in every database of the core ``app`` now, however recently it ran
    (as the schedule does, one process at a time per database); the databases cleaned."""
    return run_housekeeping(app.extensions["supertokens_core"], min_gap_ms=0)
