"""Benchmark: concurrent writers against a real waitress server.

    .venv/bin/python bench/concurrency.py [--database-url URL] [--writers 16] [--tickets 5]

Serves the portal with waitress (one thread per writer) and measures, in the same run:
one customer submitting tickets alone (the reference), then ``--writers`` customers
logging in at once and submitting tickets at the same moments. Prints 5xx counts,
tickets per second and the ratio to the single writer, and checks the row counts.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, where bench/queue.py would
# shadow the standard library's ``queue``: put the repository there instead (for the
# test suite's HTTP client and server helpers).
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import collections
import tempfile
import time

from sqlalchemy import func, select

from frontdesk.app import make_app
from frontdesk.db.tickets import Ticket
from frontdesk.db.users import Department
from frontdesk.identity.accounts import create_user
from frontdesk.identity.passwords import configure_hasher
from frontdesk.testing import (
    TEST_SETTINGS,
    clear_database,
    db_session,
    make_engine,
    migrate_database,
)
from tests.clients import Client, all_at_once
from tests.servers import threaded_server

PLUGINS = ["portal", "management", "mobile", "kb", "chat"]


def submit(client: Client, token: str, department: int, subject: str) -> int:
    fields = {"csrf_token": token, "department": str(department), "subject": subject}
    return client.post("/tickets/new", {**fields, "body": "Benchmark"}).status


def run(
    base: str, writers: int, tickets: int, department: int
) -> tuple[float, collections.Counter]:
    """Seconds for ``writers`` customers to log in and submit ``tickets`` each, at once."""
    statuses: collections.Counter[int] = collections.Counter()

    def customer(number: int, together) -> list[int]:
        client = Client(base)
        token = client.csrf_token("/login")
        together()
        seen = [client.post("/login", login_fields(number, token)).status]
        token = client.csrf_token("/tickets/new")
        for round_ in range(tickets):
            together()
            seen.append(submit(client, token, department, f"{number}-{round_}"))
        return seen

    start = time.perf_counter()
    for seen in all_at_once(writers, customer):
        statuses.update(seen)
    return time.perf_counter() - start, statuses


def login_fields(number: int, token: str) -> dict[str, str]:
    return {"csrf_token": token, "username": f"bench{number}", "password": f"password-{number}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an empty database (default: temporary SQLite)")
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--tickets", type=int, default=5, help="tickets per writer")
    args = parser.parse_args()
    configure_hasher(time_cost=1, memory_cost=1024, parallelism=1)  # logins are not measured
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        engine = make_engine(url)
        migrate_database(engine, PLUGINS)
        clear_database(engine)
        with db_session(engine) as db:
            department = Department(name="Support")
            db.add(department)
            for number in range(args.writers):
                create_user(
                    db, username=f"bench{number}", role="customer", password=f"password-{number}"
                )
            db.flush()
            department_id = department.id
        # Rate limits off: every client comes from 127.0.0.1, and throughput is measured.
        limits = ("address_writes_per_hour", "tickets_per_hour")
        settings = {**TEST_SETTINGS, **{f"frontdesk.limits.{name}": "0" for name in limits}}
        app = make_app(settings, plugins=PLUGINS, engine=engine)
        print(f"database: {engine.url.render_as_string(hide_password=True)}")
        with threaded_server(app, threads=args.writers) as base:
            run(base, 1, 2, department_id)  # warm up templates and caches
            alone, alone_statuses = run(base, 1, args.tickets * 4, department_id)
            together, statuses = run(base, args.writers, args.tickets, department_id)
        single = args.tickets * 4 / alone
        many = args.writers * args.tickets / together
        errors = sum(n for status, n in (alone_statuses + statuses).items() if status >= 500)
        with db_session(engine) as db:
            stored = db.scalar(select(func.count(Ticket.id)))
        expected = 2 + args.tickets * 4 + args.writers * args.tickets
        print(f"1 writer: {single:.1f} tickets/s")
        print(
            f"{args.writers} writers: {many:.1f} tickets/s ({many / single:.2f} x one writer), "
            f"statuses {dict(sorted(statuses.items()))}"
        )
        print(f"5xx answers: {errors}; tickets stored {stored} of {expected}")
        clear_database(engine)
        engine.dispose()


if __name__ == "__main__":
    main()
