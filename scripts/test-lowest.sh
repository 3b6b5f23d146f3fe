#!/usr/bin/env bash
# Installs the core with every dependency at the lowest version pyproject.toml allows (in
# .venv-lowest) and runs a representative part of the tests on it, on SQLite, PostgreSQL
# and MySQL, so the stated lower bounds stay true. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv-lowest/bin/python ] || python3 -m venv .venv-lowest
python3 scripts/lowest_constraints.py pyproject.toml postgresql mysql >.venv-lowest/constraints.txt
.venv-lowest/bin/python -m pip install --quiet --disable-pip-version-check \
    -c .venv-lowest/constraints.txt -e '.[test]' -e plugins/totp
.venv-lowest/bin/python -m pytest -q \
    tests/core_app/test_smoke.py tests/core_app/test_openapi.py tests/core_app/test_migrations.py \
    tests/plugins/emailpassword tests/plugins/session tests/plugins/passwordless "$@"
