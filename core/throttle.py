"""Throttling failed logins per account and per client address.

After ``free_failures`` failures a key is locked for ``base_delay`` seconds, doubling with
each further failure up to ``max_delay``. The account key is the login as typed (case
folded), so unknown and existing accounts are throttled alike and the lock reveals
nothing. A successful login clears the account's count (not the address's, or an attacker could
reset it with a login of their own); counts older than ``FORGET_AFTER`` start over.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy.orm import Session

from frontdesk.db.auth import LoginThrottle
from frontdesk.db.meta import utcnow


@dataclass(frozen=True, kw_only=True)
class ThrottlePolicy:
    free_failures: int = 5
    base_delay: float = 30.0
    max_delay: float = 900.0

    def delay_after(self, failures: int) -> float:
        """Seconds locked after ``failures`` consecutive failures (0: not locked)."""
        extra = failures - self.free_failures
        if extra < 0:
            return 0.0
        return min(self.base_delay * (2**extra), self.max_delay)


FORGET_AFTER = dt.timedelta(hours=1)
ACCOUNT_POLICY = ThrottlePolicy()
ADDRESS_POLICY = ThrottlePolicy(free_failures=20)
#: Accounts created from one address: five, then one an hour.
REGISTRATION_POLICY = ThrottlePolicy(free_failures=5, base_delay=3600, max_delay=3600)


def keys_for(login: str, address: str | None) -> list[tuple[str, ThrottlePolicy]]:
    keys = [(f"account:{login.strip().casefold()[:150]}", ACCOUNT_POLICY)]
    if address:
        keys.append((f"address:{address[:45]}", ADDRESS_POLICY))
    return keys


def _aware(value: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def wait_for(db: Session, key: str) -> int:
    """Seconds until ``key`` may act again (0: now)."""
    row = db.get(LoginThrottle, key)
    if row is None or row.locked_until is None:
        return 0
    wait = (_aware(row.locked_until) - utcnow()).total_seconds()
    return math.ceil(wait) if wait > 0 else 0


def count(db: Session, key: str, policy: ThrottlePolicy) -> None:
    """Count one more attempt for ``key``, locking it as ``policy`` says."""
    now = utcnow()
    row = db.get(LoginThrottle, key)
    if row is None:
        row = LoginThrottle(key=key, failures=0)
        db.add(row)
    if row.failures and now - _aware(row.last_failure) > FORGET_AFTER:
        row.failures = 0
    row.failures += 1
    row.last_failure = now
    delay = policy.delay_after(row.failures)
    row.locked_until = now + dt.timedelta(seconds=delay) if delay else None


def seconds_locked(db: Session, login: str, address: str | None) -> int:
    """How long until another attempt is allowed for this login from this address."""
    return max(wait_for(db, key) for key, _policy in keys_for(login, address))


def record_failure(db: Session, login: str, address: str | None) -> None:
    for key, policy in keys_for(login, address):
        count(db, key, policy)


def record_success(db: Session, login: str) -> None:
    key, _policy = keys_for(login, None)[0]
    row = db.get(LoginThrottle, key)
    if row is not None:
        db.delete(row)
