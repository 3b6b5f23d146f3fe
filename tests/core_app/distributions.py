"""A recipe distribution installed with pip into a directory of its own, put on ``sys.path``.

The host then finds it through its entry point (its dist-info is in that directory), as it
would find a recipe installed from an index, while the test environment keeps exactly the
built-in recipes for every other test.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def pip_install(distribution: Path, target: Path) -> None:
    """Install ``distribution`` (a source directory) into ``target``, without its dependencies."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            "--target",
            str(target),
            str(distribution),
        ],
        check=True,
    )


@contextmanager
def installed_on_path(distribution: Path, target: Path, package: str) -> Iterator[Path]:
    """``distribution`` installed into ``target`` and importable while the block runs; its
    ``package`` is forgotten afterwards, so a later test imports nothing of it."""
    pip_install(distribution, target)
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    try:
        yield target
    finally:
        sys.path.remove(str(target))
        for module in [name for name in sys.modules if name.split(".")[0] == package]:
            del sys.modules[module]
        importlib.invalidate_caches()
