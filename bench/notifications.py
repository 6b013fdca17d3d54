"""Benchmark: notifications per second, from ticket events to mail at an SMTP server.

    .venv/bin/python bench/notifications.py [--tickets N] [--agents A] [--workers W]
                                            [--redis-url URL]

Opens N tickets, each in a request transaction of its own with its events, in a
department of A agents: every ticket makes one ``mail.notify`` job, which queues 1 + A
mails (the customer's "received", each agent's "new ticket"), each sent by a ``mail.send``
job through SMTP to a real server (aiosmtpd, the test suite's sink) on this machine. The
clock runs from the first event until the last mail arrived. Measured in the same run
with the embedded queue (huey's SQLite file) and with Redis (skipped when it does not
answer), each with a worker of W threads in this process, as ``frontdesk serve`` runs
one. Prints mails and events per second and the Redis/embedded ratio, and checks that
every mail arrived exactly once. Nothing here is a test: timings depend on the machine.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, where bench/queue.py would
# shadow the standard library's ``queue``: put the repository there instead (for the
# test suite's SMTP server).
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import tempfile
import time
from collections import Counter
from typing import Any

from sqlalchemy import select

from frontdesk import tickets
from frontdesk.db.users import User
from frontdesk.jobs import JobError, queue_for
from frontdesk.plugin_platform.events import notifier
from frontdesk.testing import (
    app_request,
    make_agent,
    make_customer,
    make_department,
    make_engine,
    make_test_app,
)
from tests.mailservers import SMTPSink

PLUGINS = ["portal", "management"]


def measure(settings: dict[str, Any], folder: Path, tickets_count: int, agents: int) -> float:
    """Seconds from the first ticket event until every mail reached the SMTP server."""
    sink = SMTPSink()
    sink.start()
    engine = make_engine(f"sqlite:///{folder / 'bench.sqlite'}")
    app = make_test_app(
        plugins=PLUGINS,
        engine=engine,
        settings={
            **settings,
            "frontdesk.mail.transport": "smtp",
            "frontdesk.mail.smtp_host": sink.host,
            "frontdesk.mail.smtp_port": str(sink.port),
            "frontdesk.mail.smtp_security": "none",
            "frontdesk.mail.from": "Bench <bench@bench.example>",
        },
    )
    department = make_department(app, "Support")
    make_customer(app, "casey")
    for number in range(agents):
        make_agent(app, f"agent{number}", departments=["Support"])
    worker = queue_for(app).worker()  # type: ignore[union-attr]
    worker.start()
    expected = tickets_count * (1 + agents)
    try:
        started = time.perf_counter()
        for number in range(tickets_count):
            with app_request(app, REQUEST_METHOD="POST") as request:
                db = request.dbsession
                tickets.create_ticket(
                    db,
                    requester=db.scalar(select(User).where(User.username == "casey")),
                    subject=f"Benchmark {number}",
                    body="Benchmark",
                    department_id=department.id,
                    notify=notifier(request),
                )
        sink.wait_for(expected, timeout=600)
        seconds = time.perf_counter() - started
        time.sleep(1)  # anything sent twice would arrive now
        ids = Counter(str(m["Message-ID"]) for m in sink.messages)
        if len(sink.messages) != expected or max(ids.values()) != 1:
            raise SystemExit(f"expected {expected} distinct mails, got {len(sink.messages)}")
        return seconds
    finally:
        worker.stop(timeout=10)
        sink.stop()
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=50)
    parser.add_argument("--agents", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()
    mails = args.tickets * (1 + args.agents)
    common = {"frontdesk.jobs.workers": str(args.workers)}
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="frontdesk-bench-") as tmp:
        embedded = Path(tmp) / "embedded"
        embedded.mkdir()
        results["embedded (SQLite)"] = measure(
            {
                **common,
                "frontdesk.jobs.backend": "sqlite",
                "frontdesk.jobs.sqlite_path": str(embedded / "jobs.sqlite"),
            },
            embedded,
            args.tickets,
            args.agents,
        )
        redis = Path(tmp) / "redis"
        redis.mkdir()
        try:
            results["Redis"] = measure(
                {
                    **common,
                    "frontdesk.jobs.backend": "redis",
                    "frontdesk.jobs.redis_url": args.redis_url,
                },
                redis,
                args.tickets,
                args.agents,
            )
        except JobError as error:
            print(f"Redis skipped: {error}")
    print(f"{args.tickets} tickets, {mails} mails, {args.workers} worker threads")
    for name, seconds in results.items():
        print(
            f"{name:>18}: {mails / seconds:8.1f} mails/s  "
            f"{args.tickets / seconds:7.1f} ticket events/s  ({seconds:.2f} s)"
        )
    if len(results) == 2:
        first, second = results.values()
        print(f"Redis / embedded: {first / second:.2f}x")


if __name__ == "__main__":
    main()
