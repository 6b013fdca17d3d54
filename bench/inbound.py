"""Benchmark: inbound mails processed per second, from the MTA pipe to tickets.

    .venv/bin/python bench/inbound.py [--database-url URL] [--mails N] [--workers W]
                                      [--redis-url URL]

Each mail is handed over as ``frontdesk mail receive`` does (stored with its digest and a
``mail.receive`` job enqueued, in a transaction of its own that commits); a worker parses
it, applies the loop and sender rules, trims it and opens a ticket or adds a reply; the
clock stops when the last mail is processed. The mix: 70 % new tickets from known
customers, 20 % replies to a ticket by its requester (found by the subject tag), 10 %
auto-replies (ignored). Measured with the ``immediate`` backend (processed in the
enqueuing thread after each commit), the embedded queue (huey's SQLite file) and Redis
(skipped when it does not answer), and checked: every mail processed exactly once.
Nothing here is a test: timings depend on the machine.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, where bench/queue.py would
# shadow the standard library's ``queue`` (which huey imports): take it off first.
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    del sys.path[0]

import argparse
import random
import tempfile
import time
import uuid
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import Engine, delete, func, select

from frontdesk.db.jobs import OutboxEntry
from frontdesk.db.mail import InboundMail, InboundStatus
from frontdesk.db.tickets import Attachment, Ticket, TicketMessage
from frontdesk.db.users import Department
from frontdesk.identity.passwords import configure_hasher
from frontdesk.jobs import JobError, enqueue, queue_for
from frontdesk.mail import inbound
from frontdesk.mail.fetch import RECEIVE
from frontdesk.testing import (
    db_session,
    make_customer,
    make_department,
    make_engine,
    make_test_app,
    migrate_database,
)

PLUGINS = ["portal", "management"]
CUSTOMERS = 50
SETTINGS = {"frontdesk.mail.sender_limit_per_hour": "0"}


def make_mail(rng: random.Random, n: int, numbers: list[str]) -> bytes:
    msg = EmailMessage()
    who = rng.randrange(CUSTOMERS)
    msg["From"] = f"Customer {who} <customer{who}@example.com>"
    msg["To"] = "help@example.com"
    msg["Message-ID"] = make_msgid(domain="bench.example")
    roll = rng.random()
    body = f"Mail {n}: the printer on floor {rng.randrange(9)} is broken again.\n"
    if roll < 0.1:
        msg["Subject"] = "Out of office"
        msg["Auto-Submitted"] = "auto-replied"
    elif roll < 0.3 and numbers:
        msg["Subject"] = f"Re: [#{rng.choice(numbers)}] Printer"
        body = f"Still broken ({n}).\n\nOn Monday, Support wrote:\n> Try again.\n"
    else:
        msg["Subject"] = f"Printer {n}"
    msg.set_content(body)
    return msg.as_bytes()


def processed(engine: Engine) -> int:
    with db_session(engine) as db:
        pending = InboundMail.status == InboundStatus.PENDING.value
        return db.scalar(select(func.count()).select_from(InboundMail).where(~pending))


def reset(engine: Engine) -> None:
    with db_session(engine) as db:
        for model in (OutboxEntry, InboundMail, Attachment, TicketMessage, Ticket):
            db.execute(delete(model))


def through(engine: Engine, mails: list[bytes], department_id: int, timeout: float = 600) -> float:
    """Mails per second: hand each over in a committed transaction, wait for all."""
    start = time.perf_counter()
    for raw in mails:
        with db_session(engine) as db:
            row, _new = inbound.store(db, raw, department_id=department_id)
            enqueue(db, RECEIVE, {"inbound_id": row.id}, key=f"{RECEIVE}:{row.digest}")
    while processed(engine) < len(mails):
        if time.perf_counter() - start > timeout:
            raise SystemExit(f"only {processed(engine)} of {len(mails)} mails after {timeout} s")
        time.sleep(0.01)
    elapsed = time.perf_counter() - start
    with db_session(engine) as db:
        runs = db.scalar(select(func.coalesce(func.sum(OutboxEntry.attempts), 0)))
        by_status = dict(
            db.execute(select(InboundMail.status, func.count()).group_by(InboundMail.status)).all()
        )
        tickets = db.scalar(select(func.count()).select_from(Ticket))
    # Runs beyond one per mail are retries after a database lock (SQLite's single writer).
    if by_status.get("quarantined") or tickets != by_status.get("ticket", 0):
        raise SystemExit(f"{len(mails)} mails, {runs} job runs: {by_status}, {tickets} tickets")
    print(f"    {by_status}, {runs - len(mails)} retried", end="")
    return len(mails) / elapsed


def measure(engine: Engine, settings: dict[str, str], mails: int, workers: int) -> float:
    app = make_test_app(
        plugins=PLUGINS, engine=engine, settings={**SETTINGS, **settings}, migrate_first=False
    )
    rng = random.Random(11)
    reset(engine)
    with db_session(engine) as db:
        department_id = db.scalar(select(Department.id).where(Department.name == "Support"))
    queue = queue_for(app)
    assert queue is not None
    worker = None
    if queue.huey is not None:
        queue.check()
        worker = queue.worker(workers=workers)
        worker.start()
    try:
        warm = [make_mail(rng, n, []) for n in range(20)]
        through(engine, warm, department_id)
        with db_session(engine) as db:
            numbers = list(db.scalars(select(Ticket.number)))
        batch = [make_mail(rng, 100 + n, numbers) for n in range(mails)]
        reset(engine)
        return through(engine, batch, department_id)
    finally:
        if worker is not None:
            worker.stop(timeout=10)
            queue.huey.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an empty database (default: temporary SQLite)")
    parser.add_argument("--mails", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2, help="worker threads")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    configure_hasher(time_cost=1, memory_cost=1024, parallelism=1)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        engine = make_engine(url)
        print(f"database: {engine.url.render_as_string(hide_password=True)}")
        migrate_database(engine, PLUGINS)
        app = make_test_app(plugins=PLUGINS, engine=engine, migrate_first=False)
        make_department(app, "Support")
        for n in range(CUSTOMERS):
            make_customer(app, f"customer{n}", email=f"customer{n}@example.com")
        name = f"frontdesk-bench-{uuid.uuid4().hex[:8]}"
        backends = {
            "immediate (no queue)": {"frontdesk.jobs.backend": "immediate"},
            "embedded (huey SQLite)": {
                "frontdesk.jobs.backend": "sqlite",
                "frontdesk.jobs.sqlite_path": str(Path(tmp) / "jobs.sqlite"),
            },
            "Redis": {
                "frontdesk.jobs.backend": "redis",
                "frontdesk.jobs.redis_url": args.redis_url,
            },
        }
        print(
            f"{args.mails} mails, each handed over in its own transaction; {args.workers} workers"
        )
        for label, settings in backends.items():
            try:
                rate = measure(
                    engine, {**settings, "frontdesk.jobs.name": name}, args.mails, args.workers
                )
            except JobError as exc:  # e.g. no Redis here: say so, go on
                print(f"  {label:<26} skipped: {str(exc).splitlines()[0]}")
                continue
            print(f"\n  {label:<26} {rate:8.1f} mails/s")
        reset(engine)


if __name__ == "__main__":
    main()
