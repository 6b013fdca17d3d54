"""The login throttle's arithmetic and bookkeeping."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.orm import Session

from frontdesk.db.auth import LoginThrottle
from frontdesk.identity.throttle import (
    ACCOUNT_POLICY,
    ADDRESS_POLICY,
    locked_until,
    record_failure,
    record_success,
    seconds_locked,
    unlock,
)
from tests.clients import all_at_once


def test_delay_doubles_after_the_free_failures_up_to_the_cap():
    delays = [ACCOUNT_POLICY.delay_after(n) for n in range(1, 12)]
    assert delays[:4] == [0, 0, 0, 0]
    assert delays[4:9] == [30, 60, 120, 240, 480]
    assert delays[9:] == [900, 900]
    assert ADDRESS_POLICY.delay_after(19) == 0 and ADDRESS_POLICY.delay_after(20) == 30


def test_one_address_guessing_many_accounts_is_stopped(db):
    for n in range(20):
        record_failure(db, f"user{n}", "203.0.113.9")
    db.flush()
    assert seconds_locked(db, "someone-else", "203.0.113.9") == 30
    assert seconds_locked(db, "someone-else", "198.51.100.1") == 0


def test_success_clears_the_account_at_this_address_only(db):
    for address in ("203.0.113.9", "198.51.100.1"):
        for _ in range(5):
            record_failure(db, "casey", address)
    record_success(db, "Casey", "198.51.100.1")
    db.flush()
    assert seconds_locked(db, "casey", "198.51.100.1") == 0
    assert seconds_locked(db, "casey", "203.0.113.9") == 30
    assert db.get(LoginThrottle, "address:198.51.100.1").failures == 5


def test_unlock_clears_the_account_from_every_address_but_not_the_addresses(db):
    for address in ("203.0.113.9", "198.51.100.1"):
        for _ in range(5):
            record_failure(db, "Casey", address)
    db.flush()
    assert locked_until(db, "casey") is not None

    assert unlock(db, "CASEY") is True

    assert locked_until(db, "casey") is None
    assert seconds_locked(db, "casey", "203.0.113.9") == 0
    assert db.get(LoginThrottle, "address:203.0.113.9").failures == 5
    assert unlock(db, "casey") is False


def test_old_failures_are_forgotten(db):
    for _ in range(4):
        record_failure(db, "casey", None)
    row = db.get(LoginThrottle, "account:casey|unknown")
    row.last_failure -= dt.timedelta(hours=2)
    record_failure(db, "casey", None)
    assert row.failures == 1 and row.locked_until is None


def test_concurrent_failures_on_one_account_all_count_and_none_fails(engine):
    def writer(_n: int, together: Callable[[], None]) -> None:
        together()
        for _ in range(3):
            with Session(engine) as db, db.begin():
                record_failure(db, "ada", "203.0.113.9")

    all_at_once(6, writer)  # an error in any thread fails the test

    with Session(engine) as db:
        assert db.get(LoginThrottle, "account:ada|203.0.113.9").failures == 18
        assert db.get(LoginThrottle, "address:203.0.113.9").failures == 18
