"""Benchmark: jobs per second through the job queue, end to end.

    .venv/bin/python bench/jobs.py [--database-url URL] [--jobs N] [--workers W]
                                   [--redis-url URL]

Each job is enqueued in a transaction of its own that commits (the outbox row, then the
push after commit), a worker claims it, runs it (a job that does nothing) and marks it
done; the clock stops when the last row is done. Measured in the same run:

- the reference: the ``immediate`` backend, the same outbox rows claimed, run and
  finished in the enqueuing thread after each commit, with no queue between;
- the embedded queue (huey's SQLite file) and Redis (skipped when it does not answer),
  each with a worker of W threads in this process, as ``frontdesk serve`` runs one.

Prints jobs per second and each as a ratio to the reference, and checks that every job
ran exactly once. Nothing here is a test: timings depend on the machine.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, where bench/queue.py would
# shadow the standard library's ``queue`` (which huey imports): take it off first.
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    del sys.path[0]

import argparse
import tempfile
import time
import uuid
from typing import Any

from sqlalchemy import Engine, delete, func, select

from frontdesk import Job, PluginInfo, hookimpl
from frontdesk.db.jobs import OutboxEntry
from frontdesk.jobs import JobContext, JobError, enqueue, queue_for
from frontdesk.testing import db_session, make_engine, make_test_app, migrate_database

PLUGINS = ["management"]
JOB = "bench.noop"


def noop(ctx: JobContext, payload: dict[str, Any]) -> None:
    """The measured job: nothing beyond the queue's own work."""


class BenchPlugin:
    """Declares the one job measured here."""

    PLUGIN = PluginInfo(name="bench", title="Benchmark")

    @hookimpl
    def frontdesk_jobs(self) -> list[Job]:
        return [Job(JOB, noop, retries=0)]


def done(engine: Engine) -> tuple[int, int]:
    """(rows done, runs made: the sum of their attempts)."""
    with db_session(engine) as db:
        finished = select(func.count(), func.coalesce(func.sum(OutboxEntry.attempts), 0))
        count, attempts = db.execute(finished.where(OutboxEntry.status == "done")).one()
        return int(count), int(attempts)


def clear_outbox(engine: Engine) -> None:
    with db_session(engine) as db:
        db.execute(delete(OutboxEntry))


def through(engine: Engine, jobs: int, timeout: float = 600) -> float:
    """Jobs per second: enqueue ``jobs`` in committed transactions, wait for all done."""
    clear_outbox(engine)
    start = time.perf_counter()
    for number in range(jobs):
        with db_session(engine) as db:
            enqueue(db, JOB, {"n": number})
    while done(engine)[0] < jobs:
        if time.perf_counter() - start > timeout:
            raise SystemExit(f"only {done(engine)[0]} of {jobs} jobs done after {timeout} s")
        time.sleep(0.01)
    elapsed = time.perf_counter() - start
    count, attempts = done(engine)
    if (count, attempts) != (jobs, jobs):
        raise SystemExit(f"{jobs} jobs: {count} done in {attempts} runs, not once each")
    return jobs / elapsed


def measure(engine: Engine, settings: dict[str, str], jobs: int, workers: int) -> float:
    """Build an app with the job settings ``settings``, run a worker and measure."""
    make_test_app(
        plugins=[*PLUGINS, BenchPlugin()], engine=engine, settings=settings, migrate_first=False
    )
    queue = queue_for(engine)
    assert queue is not None
    if queue.huey is None:
        through(engine, min(jobs, 50))  # warm up
        return through(engine, jobs)
    queue.check()
    worker = queue.worker(workers=workers)
    worker.start()
    try:
        through(engine, min(jobs, 50))  # warm up: the workers are polling at full speed
        return through(engine, jobs)
    finally:
        worker.stop(timeout=10)
        queue.huey.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an empty database (default: temporary SQLite)")
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="worker threads")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        engine = make_engine(url)
        print(f"database: {engine.url.render_as_string(hide_password=True)}")
        migrate_database(engine, PLUGINS)
        name = f"frontdesk-bench-{uuid.uuid4().hex[:8]}"
        backends = {
            "reference (immediate, no queue)": {"frontdesk.jobs.backend": "immediate"},
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
            f"{args.jobs} no-op jobs, each enqueued in its own transaction; {args.workers} workers"
        )
        reference = None
        for label, settings in backends.items():
            try:
                rate = measure(
                    engine, {**settings, "frontdesk.jobs.name": name}, args.jobs, args.workers
                )
            except JobError as exc:  # e.g. no Redis here: say so, go on
                print(f"  {label:<34} skipped: {str(exc).splitlines()[0]}")
                continue
            reference = reference or rate
            print(f"  {label:<34} {rate:8.1f} jobs/s  {rate / reference:5.2f} x reference")
        clear_outbox(engine)
        engine.dispose()


if __name__ == "__main__":
    main()
