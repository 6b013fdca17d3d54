#!/usr/bin/env bash
# Set up frontdesk on SQLite with demo data and serve it on http://localhost:6543/.
# Safe to run again: the virtualenv, database and demo data are reused.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
    "${PYTHON:-python3}" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade "pip>=24"
.venv/bin/python -m pip install --quiet .

.venv/bin/frontdesk init config/development.ini --demo
echo
echo "frontdesk portal:      http://localhost:6543/"
echo "management interface:  http://localhost:6543/management/"
exec .venv/bin/frontdesk serve config/development.ini
