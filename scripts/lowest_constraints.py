"""Print pip constraints pinning every dependency of pyproject.toml to its lower bound.

Used by scripts/test-lowest.sh, which installs the core with them and runs tests, so the
``>=`` bounds the package states are versions it really works with.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path


def lowest_pins(pyproject: Path, extras: list[str]) -> list[str]:
    """``name==lower bound`` for each dependency (and the extras') that states one."""
    project = tomllib.loads(pyproject.read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    pins = []
    for requirement in requirements:
        found = re.match(r"^\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*>=\s*([0-9][^,;\s]*)", requirement)
        if found:
            pins.append(f"{found.group(1)}=={found.group(3)}")
    return pins


if __name__ == "__main__":
    print("\n".join(lowest_pins(Path(sys.argv[1]), sys.argv[2:])))
