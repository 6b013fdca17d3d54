"""Background jobs: declared by plugins, written to an outbox, run by workers.

A job is enqueued with :func:`enqueue` inside the caller's transaction: it writes an
:class:`~frontdesk.db.jobs.OutboxEntry` row and, only once that transaction has committed,
pushes the row's id to the queue (huey: SQLite under ``var/`` by default, Redis when the
ini names one, or ``immediate``: run in the caller's thread, for tests). A sweeper
re-pushes rows a dead process never pushed or never finished, so nothing is lost; a row
is claimed before it runs and marked done in the job's own transaction, so its database
work commits once; a job that raises is retried with backoff, then marked ``failed``
for administrators to see (:func:`failed_jobs`, :func:`retry_job`, :func:`discard_job`).

Settings (``[app:main]``): ``frontdesk.jobs.backend`` (``sqlite`` | ``redis`` |
``immediate``), ``frontdesk.jobs.sqlite_path``, ``frontdesk.jobs.redis_url``,
``frontdesk.jobs.workers`` (threads, 2), ``frontdesk.jobs.in_process`` (``frontdesk
serve`` runs a worker too), ``frontdesk.jobs.lease`` (seconds a worker may hold a job
before it is presumed dead, 600), ``frontdesk.jobs.sweep_interval`` (seconds, 30),
``frontdesk.jobs.keep_days`` (finished rows kept, 7), ``frontdesk.jobs.name`` (the
queue's name, ``frontdesk``; give each installation sharing a Redis database its own).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import transaction
from sqlalchemy import Engine, delete, event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from frontdesk.db.jobs import OutboxEntry
from frontdesk.db.meta import utcnow
from frontdesk.db.session import (
    TRANSACTION_MANAGER_KEY,
    is_retryable_db_error,
    session_factory,
    tm_session,
    writing,
)
from frontdesk.plugin_platform.events import Event, emit_in
from frontdesk.plugin_platform.plugin_state import evaluate, load_snapshot
from frontdesk.plugin_platform.pluginmanager import as_bool

if TYPE_CHECKING:  # pragma: no cover
    from huey import Huey
    from pyramid.config import Configurator
    from pyramid.i18n import Localizer
    from pyramid.registry import Registry

    from frontdesk.plugin_platform.pluginmanager import Plugins

log = logging.getLogger(__name__)

BACKENDS = ("sqlite", "redis", "immediate")
#: The one huey task: run the outbox row with this id.
TASK_NAME = "frontdesk.outbox"
#: Attempts at a job's transaction when the database asks for a rerun (lock, deadlock).
DB_ATTEMPTS = 3
SESSION_KEY = "frontdesk_jobs"
_PENDING = "frontdesk_jobs_pending"
_HOOKED = "frontdesk_jobs_hooked"


class JobError(Exception):
    """A job declaration or an enqueue that cannot work (unknown job, bad payload)."""


@dataclass(frozen=True)
class Job:
    """A background job a plugin declares through the ``frontdesk_jobs`` hook.

    :param name: unique, prefixed with the plugin's name, e.g. ``"mail.send"``.
    :param run: ``run(ctx, payload)``; its database work (``ctx.db``) commits when it
        returns and rolls back when it raises.
    :param retries: how many times a failed run is tried again before it is ``failed``.
    :param retry_delay: seconds before the first retry; each next one waits twice as long.
    :param periodic: a crontab (``"*/5 * * * *"``: minute, hour, day, month, weekday) to
        run the job on a schedule, with the payload ``{}``.
    :param writes: ``ctx.db`` takes the database's write lock when the job starts (on
        SQLite: ``BEGIN IMMEDIATE``, so a job that reads and then writes never fails on a
        lock another writer took meanwhile). Set it to ``False`` only for a job that talks
        to other servers for long and writes through short sessions of its own.
    """

    name: str
    run: Callable[[JobContext, dict[str, Any]], None]
    retries: int = 5
    retry_delay: float = 30
    periodic: str | None = None
    writes: bool = True

    def __post_init__(self) -> None:
        if not self.name or any(c.isspace() for c in self.name):
            raise JobError(f"invalid job name {self.name!r}")
        if self.retries < 0 or self.retry_delay < 0:
            raise JobError(f"job {self.name}: retries and retry_delay must not be negative")
        if self.periodic is not None:
            crontab_of(self.periodic)

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return self.retry_delay * 2 ** (attempt - 1)


def crontab_of(spec: str) -> Callable[[dt.datetime], bool]:
    """huey's crontab for a five-field crontab string (a ``JobError`` if malformed)."""
    from huey import crontab

    fields = spec.split()
    if len(fields) != 5:
        raise JobError(f"periodic {spec!r}: a crontab needs five fields")
    try:
        return crontab(*fields)
    except Exception as exc:
        raise JobError(f"periodic {spec!r}: {exc}") from exc


@dataclass(kw_only=True)
class JobContext:
    """What a running job gets besides its payload.

    :ivar db: a session whose transaction commits when ``run`` returns.
    :ivar settings: the ``[app:main]`` settings. :ivar plugins: the loaded plugins.
    :ivar engine: the database engine. :ivar attempt: 1 on the first run, then 2, 3 ...
    :ivar key: the entry's idempotency key (``None`` when enqueued without one).
    :ivar entry_id: the outbox row's id.
    """

    db: Session
    settings: Mapping[str, Any]
    plugins: Plugins
    engine: Engine
    attempt: int
    key: str | None
    entry_id: int
    queue: JobQueue = field(repr=False)
    txn: Any = field(repr=False, default=None)

    def enqueue(
        self, name: str, payload: dict[str, Any], *, key: str | None = None, delay: float = 0
    ) -> None:
        """Enqueue another job; it is pushed once this job's transaction commits."""
        enqueue(self.db, name, payload, key=key, delay=delay)

    def emit(self, event: Event) -> None:
        """Deliver a domain event: ``frontdesk_before_commit_event`` now (with ``ctx.db``
        and ``request=None``), the event's own hook after this job commits."""
        statuses = evaluate(self.plugins, load_snapshot(self.db, self.plugins, self.settings))
        emit_in(self.txn, self.plugins.hooks_for(statuses), event, dbsession=self.db, request=None)

    def localizer(self, locale: str) -> Localizer:
        """A localizer for ``locale`` with core's and every plugin's catalogs."""
        return self.queue.localizer(locale)


# ---------------------------------------------------------------------------------------
# Enqueueing: an outbox row now, a push after commit.
# ---------------------------------------------------------------------------------------


def enqueue(
    db: Session,
    name: str,
    payload: dict[str, Any],
    *,
    key: str | None = None,
    delay: float = 0,
) -> None:
    """Write job ``name`` with ``payload`` (JSON-serialisable) into ``db``'s transaction.

    It is pushed to the queue only after that transaction commits (nothing when it rolls
    back); a sweeper pushes it later if the process dies first. A second enqueue with
    the same ``key`` is a no-op, whether the first is pending, done or failed.
    """
    import json

    try:
        json.dumps(payload)
    except (TypeError, ValueError) as exc:
        raise JobError(f"job {name}: payload is not JSON-serialisable: {exc}") from exc
    if key is not None and db.scalar(select(OutboxEntry.id).where(OutboxEntry.key == key)):
        return
    now = utcnow()
    entry = OutboxEntry(
        name=name,
        key=key,
        payload=payload,
        status="pending",
        attempts=0,
        run_after=now + dt.timedelta(seconds=delay),
        created_at=now,
        updated_at=now,
    )
    try:
        with db.begin_nested():
            db.add(entry)
    except IntegrityError:
        if key is None:
            raise
        return  # the same key, committed meanwhile by another transaction
    _after_commit_push(db, entry.id, delay)


def _after_commit_push(db: Session, entry_id: int, delay: float) -> None:
    pending = db.info.setdefault(_PENDING, [])
    pending.append((entry_id, delay))
    manager = db.info.get(TRANSACTION_MANAGER_KEY)
    if manager is not None:
        # A session following a transaction manager (every request's): push from the
        # transaction's after-commit hook, which runs once the session has closed and
        # given its connection back, so pushing never needs a second connection at once
        # (with as many busy threads as pooled connections, that would exhaust the pool).
        txn = manager.get()
        if db.info.get(_HOOKED) is not txn:
            db.info[_HOOKED] = txn
            txn.addAfterCommitHook(_push_when_committed, args=(db,))
        return
    if not db.info.get("frontdesk_jobs_listening"):
        db.info["frontdesk_jobs_listening"] = True
        event.listen(db, "after_commit", _pushed_after_commit)
        event.listen(db, "after_rollback", _forget_after_rollback)


def _pushed_after_commit(db: Session) -> None:
    if db.in_nested_transaction():
        return  # a SAVEPOINT released (SQLAlchemy 2.1 fires after_commit for it too)
    pending = db.info.pop(_PENDING, None)
    if not pending:
        return
    queue = queue_for(db)
    if queue is None:
        log.debug("no job queue for this session: %d job(s) wait for the sweeper", len(pending))
        return
    queue.push_many(pending)


def _push_when_committed(committed: bool, db: Session) -> None:
    pending = db.info.pop(_PENDING, None)
    db.info.pop(_HOOKED, None)
    if committed and pending:
        queue = queue_for(db)
        if queue is None:
            log.debug("no job queue for this session: %d job(s) wait for the sweeper", len(pending))
            return
        queue.push_many(pending)


def _forget_after_rollback(db: Session) -> None:
    if not db.in_transaction():
        db.info.pop(_PENDING, None)


_QUEUES: weakref.WeakKeyDictionary[Any, JobQueue] = weakref.WeakKeyDictionary()


def queue_for(source: Session | Engine | Registry | Any) -> JobQueue | None:
    """The job queue of a session, an engine, a registry or a WebTest app (the most
    recently built for that database), or ``None``."""
    if isinstance(source, Session):
        queue = source.info.get(SESSION_KEY)
        if queue is not None:
            return queue
        bind = source.get_bind()
        return _QUEUES.get(bind.pool)
    if isinstance(source, Engine):
        return _QUEUES.get(source.pool)
    app = getattr(source, "app", source)
    registry = getattr(app, "registry", source)
    try:
        return registry[SESSION_KEY]
    except (KeyError, TypeError):
        return None


# ---------------------------------------------------------------------------------------
# The queue: one per application.
# ---------------------------------------------------------------------------------------


def _seconds(settings: Mapping[str, Any], name: str, default: float) -> float:
    return float(settings.get(f"frontdesk.jobs.{name}", default))


class JobQueue:
    """An application's jobs, its huey instance and the code that runs outbox rows."""

    def __init__(
        self,
        settings: Mapping[str, Any],
        plugins: Plugins,
        engine: Engine,
        registry: Registry | None = None,
    ) -> None:
        self.settings = settings
        self.plugins = plugins
        self.engine = engine
        self.registry = registry
        self.backend = str(settings.get("frontdesk.jobs.backend", "sqlite")).strip()
        if self.backend not in BACKENDS:
            raise JobError(
                f"frontdesk.jobs.backend must be one of {', '.join(BACKENDS)}, not {self.backend!r}"
            )
        self.workers = int(settings.get("frontdesk.jobs.workers", 2))
        self.lease = _seconds(settings, "lease", 600)
        self.sweep_interval = _seconds(settings, "sweep_interval", 30)
        self.keep_days = _seconds(settings, "keep_days", 7)
        self.jobs = collect_jobs(plugins)
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}"
        self._factory = session_factory(engine)
        #: huey's queue name: installations sharing one Redis database need their own.
        self.name = str(settings.get("frontdesk.jobs.name", "frontdesk")).strip()
        self.huey: Huey | None = None if self.backend == "immediate" else self._make_huey()
        _QUEUES[engine.pool] = self

    # -- huey ----------------------------------------------------------------------------

    def _make_huey(self) -> Huey:
        if self.backend == "redis":
            from huey import RedisHuey

            url = str(self.settings.get("frontdesk.jobs.redis_url", "")).strip()
            if not url:
                raise JobError("frontdesk.jobs.backend = redis needs frontdesk.jobs.redis_url")
            huey: Huey = RedisHuey(self.name, url=url, results=False)
        else:
            from huey import SqliteHuey

            path = self.sqlite_path
            path.parent.mkdir(parents=True, exist_ok=True)
            huey = SqliteHuey(self.name, filename=str(path), results=False)
        self._task = huey.task(name=TASK_NAME)(self.execute)
        for job in self.jobs.values():
            if job.periodic:
                huey.periodic_task(crontab_of(job.periodic), name=f"periodic:{job.name}")(
                    _periodic(self, job.name)
                )
        return huey

    @property
    def sqlite_path(self) -> Path:
        configured = self.settings.get("frontdesk.jobs.sqlite_path")
        if configured:
            return Path(str(configured))
        return Path(str(self.settings.get("here", "."))) / "var" / "jobs.sqlite"

    def check(self) -> None:
        """Raise ``JobError`` with one line unless the queue's storage answers."""
        if self.huey is None:
            return
        try:
            if self.backend == "redis":
                self.huey.storage.conn.ping()
            else:
                self.huey.pending_count()
        except Exception as exc:
            where = (
                self.settings.get("frontdesk.jobs.redis_url")
                if self.backend == "redis"
                else self.sqlite_path
            )
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise JobError(
                f"cannot reach the job queue ({self.backend} {where}): {reason}"
            ) from exc

    def push_many(self, entries: list[tuple[int, float]]) -> None:
        """Hand committed rows to the queue (or, ``immediate``, run the due ones now)."""
        if self.huey is None:
            for entry_id, delay in entries:
                if delay <= 0:
                    self.execute(entry_id)
            return
        try:
            for entry_id, delay in entries:
                if delay > 0:
                    self._task.schedule(args=(entry_id,), delay=delay)
                else:
                    self._task(entry_id)
        except Exception:
            log.warning("could not push %d job(s); the sweeper will", len(entries), exc_info=True)
            return
        ids = [entry_id for entry_id, _delay in entries]
        with self.session() as db:
            db.execute(
                update(OutboxEntry)
                .where(OutboxEntry.id.in_(ids), OutboxEntry.status == "pending")
                .values(status="queued", updated_at=utcnow())
            )

    # -- sessions --------------------------------------------------------------------

    @contextmanager
    def session(self, *, writes: bool = True) -> Iterator[Session]:
        """A session in its own transaction, committed when the block ends."""
        manager = transaction.TransactionManager(explicit=True)
        with manager:
            db = tm_session(self._factory, manager, bind=writing(self.engine) if writes else None)
            db.info[SESSION_KEY] = self
            db.info["frontdesk_txn"] = manager.get()
            yield db

    # -- running -----------------------------------------------------------------------

    def execute(self, entry_id: int) -> str:
        """Claim and run outbox row ``entry_id``; ``"done"``, ``"retry"``, ``"failed"``
        or ``"skipped"`` (not due, claimed elsewhere or finished already)."""
        claimed = self._claim(entry_id)
        if claimed is None:
            return "skipped"
        name, payload, key, attempt = claimed
        job = self.jobs.get(name)
        if job is None:
            return self._failed(entry_id, attempt, None, f"unknown job {name!r}")
        for rerun in range(1, DB_ATTEMPTS + 1):
            try:
                self._run(job, entry_id, payload, key, attempt)
                return "done"
            except _LostClaim:
                log.warning("job %s (%s) was taken over by another worker", name, entry_id)
                return "skipped"
            except Exception as exc:
                if rerun < DB_ATTEMPTS and is_retryable_db_error(exc):
                    continue
                log.warning(
                    "job %s (%s) failed on attempt %d", name, entry_id, attempt, exc_info=True
                )
                return self._failed(entry_id, attempt, job, error_text(exc))
        raise AssertionError("unreachable")  # pragma: no cover

    def _claim(self, entry_id: int) -> tuple[str, dict[str, Any], str | None, int] | None:
        now = utcnow()
        with self.session() as db:
            claimed = db.execute(
                update(OutboxEntry)
                .where(
                    OutboxEntry.id == entry_id,
                    OutboxEntry.status.in_(("pending", "queued")),
                    OutboxEntry.run_after <= now,
                )
                .values(
                    status="running",
                    attempts=OutboxEntry.attempts + 1,
                    locked_until=now + dt.timedelta(seconds=self.lease),
                    locked_by=self.worker_id,
                    updated_at=now,
                )
            ).rowcount
            if claimed != 1:
                return None
            row = db.execute(
                select(
                    OutboxEntry.name, OutboxEntry.payload, OutboxEntry.key, OutboxEntry.attempts
                ).where(OutboxEntry.id == entry_id)
            ).one()
            return row.name, dict(row.payload or {}), row.key, row.attempts

    def _run(
        self, job: Job, entry_id: int, payload: dict[str, Any], key: str | None, attempt: int
    ) -> None:
        with self.session(writes=job.writes) as db:
            ctx = JobContext(
                db=db,
                settings=self.settings,
                plugins=self.plugins,
                engine=self.engine,
                attempt=attempt,
                key=key,
                entry_id=entry_id,
                queue=self,
                txn=db.info["frontdesk_txn"],
            )
            job.run(ctx, payload)
            now = utcnow()
            finished = db.execute(
                update(OutboxEntry)
                .where(
                    OutboxEntry.id == entry_id,
                    OutboxEntry.status == "running",
                    OutboxEntry.attempts == attempt,
                )
                .values(
                    status="done",
                    done_at=now,
                    updated_at=now,
                    locked_until=None,
                    locked_by=None,
                    last_error=None,
                )
            ).rowcount
            if finished != 1:
                raise _LostClaim

    def _failed(self, entry_id: int, attempt: int, job: Job | None, error: str) -> str:
        now = utcnow()
        retry = job is not None and attempt <= job.retries
        delay = job.backoff(attempt) if retry and job is not None else 0
        with self.session() as db:
            db.execute(
                update(OutboxEntry)
                .where(OutboxEntry.id == entry_id, OutboxEntry.attempts == attempt)
                .values(
                    status="queued" if retry else "failed",
                    last_error=error,
                    run_after=now + dt.timedelta(seconds=delay),
                    locked_until=None,
                    locked_by=None,
                    updated_at=now,
                )
            )
        if not retry:
            return "failed"
        if self.huey is not None:
            try:
                self._task.schedule(args=(entry_id,), delay=delay)
            except Exception:
                log.warning("could not schedule the retry of job %s", entry_id, exc_info=True)
        return "retry"

    # -- the sweeper -------------------------------------------------------------------

    def sweep(self) -> int:
        """Push again what was never pushed, lost in the queue, or left running by a
        worker that died; forget finished rows older than ``keep_days``. Returns how many
        rows were pushed."""
        now = utcnow()
        stale = now - dt.timedelta(seconds=max(self.sweep_interval, 1))
        lost = now - dt.timedelta(seconds=self.lease)
        with self.session() as db:
            abandoned = db.execute(
                update(OutboxEntry)
                .where(OutboxEntry.status == "running", OutboxEntry.locked_until < now)
                .values(status="queued", locked_until=None, locked_by=None, updated_at=now)
                .returning(OutboxEntry.id)
            ).scalars()
            reclaimed = set(abandoned)
            due = db.scalars(
                select(OutboxEntry.id).where(
                    (
                        (OutboxEntry.status == "pending")
                        & (OutboxEntry.run_after <= now)
                        & (OutboxEntry.updated_at <= stale)
                    )
                    | (
                        (OutboxEntry.status == "queued")
                        & (OutboxEntry.run_after <= lost)
                        & (OutboxEntry.updated_at <= lost)
                    )
                )
            ).all()
            if self.keep_days > 0:
                db.execute(
                    delete(OutboxEntry).where(
                        OutboxEntry.status == "done",
                        OutboxEntry.done_at < now - dt.timedelta(days=self.keep_days),
                    )
                )
        ids = sorted(reclaimed | set(due))
        if ids:
            log.info("sweeper: pushing %d job(s) again", len(ids))
            self.push_many([(entry_id, 0) for entry_id in ids])
        return len(ids)

    def enqueue_periodic(self, name: str, moment: dt.datetime | None = None) -> None:
        """Enqueue periodic job ``name`` once for the minute of ``moment`` (several
        schedulers asking for the same minute write one row)."""
        minute = (moment or utcnow()).strftime("%Y-%m-%dT%H:%M")
        with self.session() as db:
            enqueue(db, name, {}, key=f"{name}@{minute}")

    # -- workers -------------------------------------------------------------------------

    def worker(self, *, workers: int | None = None) -> Worker:
        """A worker (huey consumer threads, the scheduler and the sweeper), not started."""
        if self.huey is None:
            raise JobError("the immediate backend has no worker")
        return Worker(self, workers or self.workers)

    def localizer(self, locale: str) -> Localizer:
        from pyramid.i18n import make_localizer
        from pyramid.interfaces import ILocalizer, ITranslationDirectories

        if self.registry is None:
            return make_localizer(locale, [])
        found = self.registry.queryUtility(ILocalizer, name=locale)
        if found is not None:
            return found
        dirs = self.registry.queryUtility(ITranslationDirectories, default=[])
        return make_localizer(locale, dirs)


class _LostClaim(Exception):
    """The row is no longer ours (the lease ran out and another worker took it)."""


def _periodic(queue: JobQueue, name: str) -> Callable[[], None]:
    def fire() -> None:
        queue.enqueue_periodic(name)

    fire.__name__ = f"periodic_{name}"
    return fire


def error_text(exc: BaseException) -> str:
    """``exc`` as one line for ``last_error``."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:2000] if text else type(exc).__name__


class Worker:
    """huey's consumer threads and scheduler plus the outbox sweeper, in this process."""

    def __init__(self, queue: JobQueue, workers: int) -> None:
        assert queue.huey is not None
        self.queue = queue
        self.consumer = queue.huey.create_consumer(
            workers=workers,
            worker_type="thread",
            periodic=True,
            graceful_signal="TERM",
            check_worker_health=True,
            max_delay=1.0,
        )
        self._stop = threading.Event()
        self._sweeper = threading.Thread(target=self._sweep_loop, name="Sweeper", daemon=True)

    def _sweep_loop(self) -> None:
        while True:
            try:
                self.queue.sweep()
            except Exception:
                log.warning("the job sweeper failed; trying again", exc_info=True)
            if self._stop.wait(self.queue.sweep_interval):
                return

    def start(self) -> None:
        """Start the threads without taking over the process's signals (in-process)."""
        self.consumer.scheduler.start()
        for _impl, thread in self.consumer.worker_threads:
            thread.start()
        self._sweeper.start()

    def stop(self, timeout: float | None = 30) -> None:
        """Let running jobs finish (up to ``timeout`` seconds), then stop."""
        self._stop.set()
        self.consumer.shutdown_timeout = timeout
        self.consumer.stop(graceful=True)

    def run(self) -> None:
        """Run in the foreground until SIGTERM or SIGINT, then finish the running jobs."""
        self._sweeper.start()
        try:
            self.consumer.run()
        finally:
            self._stop.set()


def collect_jobs(plugins: Plugins) -> dict[str, Job]:
    """Every job the plugins declare (``frontdesk_jobs``), by name; a name declared twice
    is a ``JobError``."""
    jobs: dict[str, Job] = {}
    for batch in plugins.hook.frontdesk_jobs():
        for job in batch or ():
            if not isinstance(job, Job):
                raise JobError(f"frontdesk_jobs returned {job!r}, not a frontdesk.Job")
            if job.name in jobs:
                raise JobError(f"job name {job.name!r} is declared twice")
            jobs[job.name] = job
    return jobs


# ---------------------------------------------------------------------------------------
# What administrators see.
# ---------------------------------------------------------------------------------------


def failed_jobs(db: Session, limit: int = 50) -> list[OutboxEntry]:
    """Jobs that used up their retries, newest first."""
    return list(
        db.scalars(
            select(OutboxEntry)
            .where(OutboxEntry.status == "failed")
            .order_by(OutboxEntry.updated_at.desc(), OutboxEntry.id.desc())
            .limit(limit)
        )
    )


def recent_jobs(db: Session, name_prefix: str | None = None, limit: int = 50) -> list[OutboxEntry]:
    """The latest jobs of any status (those whose name starts with ``name_prefix``)."""
    query = select(OutboxEntry)
    if name_prefix:
        query = query.where(OutboxEntry.name.startswith(name_prefix, autoescape=True))
    return list(
        db.scalars(
            query.order_by(OutboxEntry.created_at.desc(), OutboxEntry.id.desc()).limit(limit)
        )
    )


def retry_job(db: Session, entry_id: int) -> bool:
    """Run a failed job again (with a fresh count of retries) once ``db`` commits; False
    when there is no such failed job."""
    entry = db.get(OutboxEntry, entry_id)
    if entry is None or entry.status != "failed":
        return False
    now = utcnow()
    entry.status, entry.attempts, entry.run_after, entry.updated_at = "pending", 0, now, now
    _after_commit_push(db, entry.id, 0)
    return True


def discard_job(db: Session, entry_id: int) -> bool:
    """Delete a failed job; False when there is no such failed job."""
    entry = db.get(OutboxEntry, entry_id)
    if entry is None or entry.status != "failed":
        return False
    db.delete(entry)
    db.flush()
    return True


def includeme(config: Configurator) -> None:
    """The application's :class:`JobQueue` in ``registry["frontdesk_jobs"]``; request
    sessions know it, so :func:`enqueue` pushes after the request commits."""
    registry = config.registry
    settings = config.get_settings()
    queue = JobQueue(settings, registry.frontdesk_plugins, registry["dbengine"], registry)
    registry[SESSION_KEY] = queue
    registry["dbsession_factory"].configure(info={SESSION_KEY: queue})


def in_process(settings: Mapping[str, Any]) -> bool:
    """Whether ``frontdesk serve`` also runs a worker (``frontdesk.jobs.in_process``)."""
    return as_bool(settings.get("frontdesk.jobs.in_process", "false"))


__all__ = [
    "Job",
    "JobContext",
    "JobError",
    "JobQueue",
    "OutboxEntry",
    "Worker",
    "discard_job",
    "enqueue",
    "failed_jobs",
    "queue_for",
    "recent_jobs",
    "retry_job",
]
