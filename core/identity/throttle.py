"""Throttling failed logins per account-and-address and per address.

After ``free_failures`` failures a key is locked for ``base_delay`` seconds, doubling with
each further failure up to ``max_delay``. Two keys count each failure:

- ``account:<login>|<address>`` locks one account *from one address*: an attacker who
  guesses at an account locks only themselves, never its owner elsewhere;
- ``address:<address>`` caps one address's failures across all accounts.

The login is taken as typed (case folded), so unknown and existing accounts are throttled
alike and a lock reveals nothing. There is deliberately no lock on an account from every
address: it would let anyone lock out anyone (see docs/admin/security.md). A successful
login clears its account-and-address key (not the address's, or an attacker could reset
it with an account of their own); an administrator's unlock or a new password clears all
of the account's keys. Counts older than ``FORGET_AFTER`` start over.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from frontdesk.db.auth import LoginThrottle, upsert
from frontdesk.db.meta import utcnow
from frontdesk.i18n.messages import wait_text  # noqa: F401 (callers import it from here)


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
#: Registration attempts from one address: five, then one an hour.
REGISTRATION_POLICY = ThrottlePolicy(free_failures=5, base_delay=3600, max_delay=3600)


def account_of(login: str) -> str:
    """The form of a login that throttle rows are kept under."""
    return login.strip().casefold()[:150]


def keys_for(login: str, address: str | None) -> list[tuple[str, ThrottlePolicy]]:
    address = (address or "unknown")[:45]
    return [
        (f"account:{account_of(login)}|{address}", ACCOUNT_POLICY),
        (f"address:{address}", ADDRESS_POLICY),
    ]


def _aware(value: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _seconds_until(moment: dt.datetime | None) -> int:
    if moment is None:
        return 0
    wait = (_aware(moment) - utcnow()).total_seconds()
    return math.ceil(wait) if wait > 0 else 0


def wait_for(db: Session, key: str) -> int:
    """Seconds until ``key`` may act again (0: now)."""
    row = db.get(LoginThrottle, key)
    return 0 if row is None else _seconds_until(row.locked_until)


def count(db: Session, key: str, policy: ThrottlePolicy, *, account: str | None = None) -> None:
    """Count one more attempt for ``key``, locking it as ``policy`` says."""
    now = utcnow()
    # Concurrent failures on one key must neither collide on inserting its row nor lose
    # a count: create the row if it is missing, then read it locked.
    db.execute(
        upsert(db)(LoginThrottle.__table__)
        .values(key=key, failures=0, account=account, last_failure=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    row = db.get(LoginThrottle, key, with_for_update=True, populate_existing=True)
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
    (account_key, account_policy), (address_key, address_policy) = keys_for(login, address)
    count(db, account_key, account_policy, account=account_of(login))
    count(db, address_key, address_policy)


def record_success(db: Session, login: str, address: str | None) -> None:
    """Forget this address's failures at this account."""
    row = db.get(LoginThrottle, keys_for(login, address)[0][0])
    if row is not None:
        db.delete(row)


def locked_until(db: Session, login: str) -> dt.datetime | None:
    """Until when some address is locked out of account ``login`` (``None``: none is)."""
    until = db.scalar(
        select(func.max(LoginThrottle.locked_until)).where(
            LoginThrottle.account == account_of(login)
        )
    )
    return _aware(until) if until is not None and _seconds_until(until) else None


def unlock(db: Session, login: str) -> bool:
    """Clear every failure counted against account ``login``; whether any was locked."""
    was_locked = locked_until(db, login) is not None
    db.execute(delete(LoginThrottle).where(LoginThrottle.account == account_of(login)))
    return was_locked
