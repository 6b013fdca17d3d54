"""The rate-limit windows: counting, expiry, and many writers on one key at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import update
from sqlalchemy.orm import Session

from frontdesk.db.auth import RateLimit
from frontdesk.db.meta import utcnow
from frontdesk.web.ratelimit import HOUR, TICKETS, hit
from tests.clients import all_at_once


def opened(db, *, ago):
    """Pretend the windows opened ``ago``."""
    db.execute(update(RateLimit).values(window_start=utcnow() - ago))


def test_hits_over_the_limit_wait_for_the_window_to_end(db):
    assert [hit(db, "k", allowed=2, window=HOUR) for _ in range(2)] == [0, 0]
    wait = hit(db, "k", allowed=2, window=HOUR)
    assert 3590 < wait <= 3600
    opened(db, ago=dt.timedelta(minutes=59))
    assert 0 < hit(db, "k", allowed=2, window=HOUR) <= 60
    opened(db, ago=HOUR)
    assert hit(db, "k", allowed=2, window=HOUR) == 0, "a new window starts"
    assert db.get(RateLimit, "k").hits == 1


def test_settings_and_the_staff_factor():
    assert TICKETS.allowed({}) == 20
    assert TICKETS.allowed({}, staff=True) == 200
    assert TICKETS.allowed({"frontdesk.limits.tickets_per_hour": "0"}) == 0  # off
    assert TICKETS.allowed({"frontdesk.limits.staff_factor": "2"}, staff=True) == 40


def test_concurrent_writers_on_one_key_all_succeed_and_all_count(engine):
    def writer(_n: int, together: Callable[[], None]) -> None:
        together()
        for _ in range(5):
            with Session(engine) as db, db.begin():
                hit(db, "replies:user:1", allowed=1000, window=HOUR)

    all_at_once(6, writer)  # an error in any thread fails the test

    with Session(engine) as db:
        assert db.get(RateLimit, "replies:user:1").hits == 30
