"""Engine, sessions and the one-transaction-per-request wiring.

``request.dbsession`` is joined to ``request.tm`` (pyramid_tm + zope.sqlalchemy): the
request commits whole or not at all, and pyramid_retry replays it on a serialization
failure, a deadlock or a busy SQLite database. On SQLite, requests that write begin
``IMMEDIATE`` and so queue for the single write lock instead of failing on it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import transaction
import zope.sqlalchemy
from pyramid.config import Configurator
from pyramid.registry import Registry
from pyramid.request import Request
from pyramid_retry import mark_error_retryable
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

#: Test seam: a session placed here in the WSGI environ is used instead of a new one.
ENVIRON_SESSION_KEY = "frontdesk.dbsession"


#: Execution option: how a SQLite transaction begins. Requests that write use
#: ``IMMEDIATE`` (see :func:`writing`); everything else reads in a ``DEFERRED`` one.
SQLITE_BEGIN = "frontdesk_sqlite_begin"
#: Marks a "database is locked" that already waited the whole busy timeout at BEGIN
#: IMMEDIATE: running the request again would only make the visitor wait longer.
WAITED_FOR_LOCK = "frontdesk_waited_for_lock"
DEFAULT_BUSY_TIMEOUT = 15.0
PG_CONNECT_TIMEOUT = 10
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def engine_from_settings(settings: dict[str, Any]) -> Engine:
    """Create the engine for ``sqlalchemy.url``; SQLite gets WAL, foreign keys and a busy
    timeout (``frontdesk.sqlite.busy_timeout``, seconds)."""
    url = make_url(settings.get("sqlalchemy.url") or "sqlite:///var/frontdesk.sqlite")
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        busy_timeout = float(settings.get("frontdesk.sqlite.busy_timeout", DEFAULT_BUSY_TIMEOUT))
        engine = create_engine(url, connect_args={"timeout": busy_timeout})
        event.listen(engine, "connect", _sqlite_pragmas)
        writers = WriterQueue(busy_timeout)
        # pysqlite's implicit transactions break SAVEPOINT; emit BEGIN ourselves (the
        # pattern SQLAlchemy documents), deferred or immediate as the connection asks.
        event.listen(engine, "begin", writers.begin)
        for end in ("commit", "rollback"):
            event.listen(engine, end, writers.end)
        for returned in ("checkin", "invalidate"):
            event.listen(engine.pool, returned, writers.returned)
        return engine
    connect_args = {}
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = PG_CONNECT_TIMEOUT  # a server that never answers
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=int(settings.get("sqlalchemy.pool_size", 5)),
        connect_args=connect_args,
    )


def writing(engine: Engine) -> Engine:
    """``engine`` for a transaction that will write.

    On SQLite it begins with ``BEGIN IMMEDIATE``: the write lock is taken at once, and a
    writer that finds it held waits (up to the busy timeout) for its turn. A deferred
    transaction that read first and writes later cannot wait: in WAL mode SQLite refuses
    its upgrade at once ("database is locked") when another writer got in between.
    Other databases are returned unchanged.
    """
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})


class WriterQueue:
    """Begins SQLite transactions; those that write queue on a lock first.

    Writers of one process then wait for each other on that lock and start the moment
    it is free, where SQLite's busy handler would poll (sleeping up to 100 ms between
    tries) and leave the database idle; it still orders writers of different
    processes. Waiting is bounded by the busy timeout either way.
    """

    KEY = "frontdesk_writer_lock"

    def __init__(self, timeout: float) -> None:
        self.lock = threading.Lock()
        self.timeout = timeout

    def begin(self, conn: Connection) -> None:
        mode = conn.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
        if mode == "IMMEDIATE":
            if not self.lock.acquire(timeout=self.timeout):
                locked = sqlite3.OperationalError("database is locked")
                raise _waited(OperationalError("BEGIN IMMEDIATE", None, locked))
            conn.info[self.KEY] = True
        try:
            conn.exec_driver_sql(f"BEGIN {mode}")
        except OperationalError as exc:
            self._release(conn.info)
            if mode == "IMMEDIATE":
                _waited(exc)
            raise

    def end(self, conn: Connection) -> None:
        self._release(conn.info)

    def returned(self, _dbapi_connection: Any, record: Any, *_exception: Any) -> None:
        """Pool check-in or invalidation: never keep the lock for a connection gone."""
        if record is not None:
            self._release(record.info)

    def _release(self, info: dict[Any, Any]) -> None:
        if info.pop(self.KEY, False):
            self.lock.release()


def _waited(exc: OperationalError) -> OperationalError:
    setattr(exc, WAITED_FOR_LOCK, True)
    return exc


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # let the "begin" listener issue BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: objects stay readable after commit, e.g. by views that
    # render after pyramid_tm's commit and by after-commit event snapshots.
    return sessionmaker(bind=engine, expire_on_commit=False)


#: ``session.info`` key of the transaction manager a :func:`tm_session` follows.
TRANSACTION_MANAGER_KEY = "frontdesk_transaction_manager"


def tm_session(
    factory: sessionmaker[Session],
    manager: transaction.TransactionManager,
    *,
    bind: Engine | None = None,
) -> Session:
    """A session whose commit and rollback follow ``manager``'s transaction (on ``bind``
    instead of the factory's engine when given, e.g. :func:`writing`)."""
    dbsession = factory(bind=bind) if bind is not None else factory()
    zope.sqlalchemy.register(dbsession, transaction_manager=manager)
    dbsession.info[TRANSACTION_MANAGER_KEY] = manager
    return dbsession


@contextmanager
def new_session(source: Registry | Engine) -> Iterator[Session]:
    """A session in a transaction of its own, committed when the block ends (rolled back
    if it raises): for work outside a request's transaction, such as an after-commit
    event handler. ``source`` is the application's registry (``request.registry``) or
    an engine. Runs once; :func:`run_in_new_session` also retries.
    """
    engine = source["dbengine"] if isinstance(source, Registry) else source
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        yield tm_session(session_factory(engine), manager, bind=writing(engine))


T = TypeVar("T")


def run_in_new_session(
    source: Registry | Engine, work: Callable[[Session], T], *, attempts: int = 3
) -> T:
    """Call ``work(session)`` in a transaction of its own (see :func:`new_session`) and
    commit; run it again, up to ``attempts`` times in all, when the database asks for it
    (a serialization failure, a deadlock, a locked SQLite database). ``work`` must
    therefore only touch the database. Returns what ``work`` returns.
    """
    attempt = 1
    while True:
        try:
            with new_session(source) as dbsession:
                return work(dbsession)
        except Exception as exc:
            if attempt >= attempts or not is_retryable_db_error(exc):
                raise
            attempt += 1


def is_retryable_db_error(exc: BaseException) -> bool:
    """Serialization failures and deadlocks (PostgreSQL class 40, psycopg 2 or 3) and a
    locked SQLite database: the request may succeed if it is simply run again.

    zope.sqlalchemy already recognises most of these while the transaction is open, but
    not when they surface at COMMIT (after its data manager is gone) and never SQLite's
    "database is locked"; this check is applied to every failed request. A
    ``StaleDataError`` (a versioned row, such as a ticket, changed since it was read) is
    retried too: the new attempt sees the change and can tell the user.
    """
    if isinstance(exc, StaleDataError):
        return True  # a versioned row changed under us: re-read and decide again
    if not isinstance(exc, DBAPIError) or exc.orig is None:
        return False
    if getattr(exc, WAITED_FOR_LOCK, False):
        return False  # waited the whole busy timeout already: answer 503 now
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate:
        return str(sqlstate).startswith("40")
    message = str(orig).lower()
    return "database is locked" in message or "database table is locked" in message


#: SQLSTATE classes of a database that cannot serve right now: connection exception,
#: insufficient resources, operator intervention (shutdown), system error.
UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53", "57", "58")
#: SQLite's messages for the same (a lock held too long, a file it cannot open).
UNAVAILABLE_SQLITE_MESSAGES = (
    "database is locked",
    "database table is locked",
    "unable to open database",
    "disk i/o error",
)


def is_database_unavailable(exc: BaseException) -> bool:
    """The database cannot serve the request now: down or unreachable, out of
    connections, locked longer than the busy timeout, or contention that outlasted the
    retries. The visitor gets a 503 with ``Retry-After``; it is no bug of the request."""
    if isinstance(exc, SQLAlchemyTimeoutError):
        return True  # the connection pool stayed empty
    if is_retryable_db_error(exc):
        return True  # and the retries are used up
    if not isinstance(exc, DBAPIError) or exc.orig is None:
        return False
    if exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if sqlstate:
        return str(sqlstate)[:2] in UNAVAILABLE_SQLSTATE_CLASSES
    if type(exc.orig).__module__ == "sqlite3":
        message = str(exc.orig).lower()
        return any(known in message for known in UNAVAILABLE_SQLITE_MESSAGES)
    return True  # no SQLSTATE from a server database: the connection itself failed


def retry_marker_tween_factory(handler: Any, registry: Any) -> Any:
    """Mark retryable database errors for pyramid_retry, raised or rendered alike."""

    def tween(request: Request) -> Any:
        try:
            response = handler(request)
        except Exception as exc:
            if is_retryable_db_error(exc):
                mark_error_retryable(exc)
            raise
        exc = getattr(request, "exception", None)
        if exc is not None and is_retryable_db_error(exc):
            mark_error_retryable(exc)
        return response

    return tween


def _dbsession(request: Request) -> Session:
    seam = request.environ.get(ENVIRON_SESSION_KEY)
    if seam is not None:
        return seam
    bind = None
    # Unsafe methods write; a GET that wrote and lost a lock race is retried as a writer.
    if request.method not in SAFE_METHODS or request.environ.get("retry.attempt", 0) > 0:
        bind = request.registry["dbengine_writes"]
    return tm_session(request.registry["dbsession_factory"], request.tm, bind=bind)


CORE_STATIC_PREFIX = "/static/frontdesk/"
HEALTH_PATHS = frozenset({"/healthz", "/readyz"})


def _skip_static(request: Request) -> bool:
    """pyramid_tm activate hook: core's own static files and the health checks need no
    transaction (a plugin's static files do: whether the plugin is on is read from the
    database)."""
    path = request.path_info
    return not (path.startswith(CORE_STATIC_PREFIX) or path in HEALTH_PATHS)


def includeme(config: Configurator) -> None:
    """Engine in the registry, ``request.dbsession`` per request, tm + retry."""
    settings = config.get_settings()
    settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    settings.setdefault("tm.activate_hook", _skip_static)
    settings.setdefault("retry.attempts", 3)
    settings.setdefault("tm.annotate_user", False)
    config.include("pyramid_tm")
    config.include("pyramid_retry")
    config.add_tween(
        "frontdesk.db.session.retry_marker_tween_factory", over="pyramid_tm.tm_tween_factory"
    )
    engine = settings.get("frontdesk.engine") or engine_from_settings(settings)
    config.registry["dbengine"] = engine
    config.registry["dbengine_writes"] = writing(engine)
    config.registry["dbsession_factory"] = session_factory(engine)
    config.add_request_method(_dbsession, "dbsession", reify=True)


def redacted_url(url: str) -> str:
    """The database URL with any password hidden, for messages."""
    return make_url(url).render_as_string(hide_password=True)
