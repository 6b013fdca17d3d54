"""Passwords: no argon2 hash is computed before one is needed."""

from __future__ import annotations

import subprocess
import sys

from frontdesk.identity.authenticators import check_local_password

NO_HASHING = """
import argon2

def refuse(*args, **kwargs):
    raise SystemExit("an argon2 hash was computed at import time")

argon2.PasswordHasher.hash = refuse
import frontdesk.cli, frontdesk.core_plugin, frontdesk.app, frontdesk.identity.authenticators
"""


def test_starting_a_command_computes_no_hash():
    """Every CLI command used to pay for one argon2 hash (half a second) at import."""
    result = subprocess.run(
        [sys.executable, "-c", NO_HASHING], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr


def test_a_login_naming_nobody_still_checks_a_password(db, monkeypatch):
    verified = []
    monkeypatch.setattr(
        "frontdesk.identity.passwords.verify_password", lambda h, p: verified.append(h)
    )
    assert check_local_password(db, "nobody-here", "a-long-password") is None
    assert len(verified) == 1 and verified[0].startswith("$argon2id$")
