"""Small helpers for tests."""

from __future__ import annotations

import uuid


def new_id(prefix: str = "a") -> str:
    """An app or tenant id no other test uses."""
    return f"{prefix}{uuid.uuid4().hex[:12]}"
