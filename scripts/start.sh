#!/usr/bin/env bash
# Sets up the virtual environment (if needed) and starts the core (gunicorn, config.yaml).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
# The core and the recipes shipped as distributions of their own (plugins/totp).
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e . -e plugins/totp
exec .venv/bin/supertokens-core start "$@"
