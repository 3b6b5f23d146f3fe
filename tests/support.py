"""Small helpers for tests."""

from __future__ import annotations

import threading
import uuid
from typing import Any, Callable


def new_id(prefix: str = "a") -> str:
    """An app or tenant id no other test uses."""
    return f"{prefix}{uuid.uuid4().hex[:12]}"


def race(count: int, call: Callable[[], Any]) -> list[Any]:
    """Run ``call`` in ``count`` threads released at once; their results in thread order."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
