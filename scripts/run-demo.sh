#!/usr/bin/env bash
# Set up frontdesk on SQLite with demo data and serve it on the host and port that
# config/development.ini sets ([server:main] listen; the URLs are printed).
# Safe to run again: the virtualenv, database and demo data are reused. The demo has its
# own virtualenv, .venv/; scripts/test.sh uses .venv-test/, so both can run at once.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
    "${PYTHON:-python3}" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade "pip>=24"
.venv/bin/python -m pip install --quiet .

.venv/bin/frontdesk init config/development.ini --demo
URL=$(.venv/bin/frontdesk url config/development.ini)
echo
echo "frontdesk portal:      $URL"
echo "management interface:  ${URL}management/"
exec .venv/bin/frontdesk serve config/development.ini
