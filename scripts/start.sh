#!/usr/bin/env bash
# Sets up the virtual environment (when needed) and starts the core (gunicorn, config.yaml).
# Arguments go to `supertokens-core start` (--config PATH, --host, --port, --workers).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "start.sh: $*" >&2; }

if [ ! -x .venv/bin/python ]; then
    say "creating the virtual environment .venv ..."
    python3 -m venv .venv
fi

# pip runs only when what it would install changed since the last install: the Python of
# .venv or the project files that name the dependencies (the core's and the TOTP recipe's,
# shipped as a distribution of its own). The stamp records them after a successful install.
stamp=.venv/.supertokens-install-stamp
wanted="$(.venv/bin/python -c '
import hashlib, sys
digest = hashlib.sha256(sys.version.encode())
for name in sys.argv[1:]:
    digest.update(open(name, "rb").read())
print(digest.hexdigest())
' pyproject.toml plugins/totp/pyproject.toml)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ] || [ ! -x .venv/bin/supertokens-core ]; then
    say "installing the core and its recipes into .venv (pip) ..."
    # Both database drivers (extras): the same install serves SQLite, PostgreSQL and MySQL.
    .venv/bin/python -m pip install --quiet --disable-pip-version-check \
        -e '.[postgresql,mysql]' -e plugins/totp
    echo "$wanted" >"$stamp"
else
    say "dependencies unchanged since the last install: skipping pip"
fi

# The Dockerfile installs at build time with the same script and starts with it later.
if [ "${SUPERTOKENS_INSTALL_ONLY:-}" = "1" ]; then
    exit 0
fi

say "starting supertokens-core $(.venv/bin/supertokens-core --version | cut -d' ' -f2) ..."
exec .venv/bin/supertokens-core start "$@"
