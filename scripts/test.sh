#!/usr/bin/env bash
# Sets up the virtual environment (if needed) and runs every test: the core's (extra
# arguments go to that pytest), then each shipped recipe distribution's and each example
# recipe's own suite.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]' -e plugins/totp
# Lint and format of the whole tree, and the plugin API's types, before the slow part.
.venv/bin/python -m ruff check .
.venv/bin/python -m ruff format --check .
.venv/bin/python -m mypy
.venv/bin/python -m pytest "$@"
root="$PWD"
# Recipes shipped as distributions of their own (installed above, enabled by default) run
# their own suites, written with the core's testing kit, from their directories.
for recipe in plugins/*/pyproject.toml; do
    (cd "$(dirname "$recipe")" && "$root/.venv/bin/python" -m pytest)
done
# Each example distribution goes into a directory of its own, not the environment, so the
# core's tests above always run with exactly the shipped recipes installed. Its tests run
# from its own directory (its package imported from source, its entry point from there).
for example in examples/*/; do
    site="$root/.venv/examples/$(basename "$example")"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps \
        --no-build-isolation --upgrade --target "$site" "$example"
    (cd "$example" && PYTHONPATH="$site" "$root/.venv/bin/python" -m pytest)
done
