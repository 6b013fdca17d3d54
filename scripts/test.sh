#!/usr/bin/env bash
# Install everything the tests need (virtualenv, Python packages, Debian's chromium for the
# browser tests, Debian's dovecot for the IMAP tests) and run the whole suite: lint, format
# check, then pytest on all cores
# (pytest also builds docs/ with Sphinx, failing on any warning: tests/test_docs.py).
# The tests have their own virtualenv, .venv-test/ (frontdesk installed editable): the demo
# of scripts/run-demo.sh keeps running from .venv/ meanwhile.
#
#   FRONTDESK_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test
#       also run every database test on PostgreSQL (per-worker databases are created)
#   FRONTDESK_REQUIRE_POSTGRESQL=1 / FRONTDESK_REQUIRE_BROWSER=1 / FRONTDESK_REQUIRE_IMAP=1
#       fail instead of skipping when PostgreSQL, Chromium or dovecot is missing (CI sets all)
#
# Extra arguments go to pytest, e.g. scripts/test.sh tests/core -k plugins
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv-test
if [ ! -x $VENV/bin/python ]; then
    "${PYTHON:-python3}" -m venv $VENV
fi
$VENV/bin/python -m pip install --quiet --upgrade "pip>=24"
$VENV/bin/python -m pip install --quiet -e '.[test]'

if ! command -v chromium >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests..."
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null; }; then
        echo "warning: could not install chromium; browser tests will be skipped" >&2
    fi
fi

if ! command -v dovecot >/dev/null 2>&1 && [ ! -x /usr/sbin/dovecot ]; then
    echo "Installing Debian's dovecot for the IMAP tests..."
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq dovecot-imapd >/dev/null; }; then
        echo "warning: could not install dovecot; IMAP tests will be skipped" >&2
    fi
fi

$VENV/bin/ruff check .
$VENV/bin/ruff format --check .
# The architecture's import contracts (docs/architecture.md).
$VENV/bin/python scripts/lint_imports.py
exec $VENV/bin/pytest -n auto --cov --cov-report=term "$@"
