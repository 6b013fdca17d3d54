"""Helpers for testing frontdesk and its plugins (needs the ``test`` extra: WebTest).

A plugin's test suite typically needs a few lines::

    from frontdesk.testing import log_in, make_agent, make_department, make_test_app

    def test_greeting(tmp_path):
        app = make_test_app(plugins=["management", my_plugin], tmp_path=tmp_path,
                            edition="enterprise")
        make_department(app, "Support")
        log_in(app, make_agent(app, "alex", departments=["Support"]), interface="management")
        assert "Hello" in app.get("/management/hello/").text

The factories (:func:`make_department`, :func:`make_agent`, :func:`make_customer`,
:func:`make_administrator`, :func:`make_ticket`) take the app, and then commit at once,
or a session (from :func:`db_session`), to write together with other rows.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyramid.interfaces import IRoutesMapper
from pyramid.request import Request
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

from frontdesk.app import make_app, make_plugins
from frontdesk.db import Base, state
from frontdesk.db.session import engine_from_settings, new_session
from frontdesk.db.tickets import Ticket
from frontdesk.db.users import Department, User
from frontdesk.identity.accounts import create_user
from frontdesk.jobs import JobQueue, queue_for
from frontdesk.licensing import Edition, License
from frontdesk.licensing import tokens as license_tokens
from frontdesk.licensing.installed import install_license
from frontdesk.migrations import runner as migrate
from frontdesk.tickets import create_ticket

TEST_SETTINGS: dict[str, Any] = {
    "frontdesk.session.secret": "test-secret",
    "frontdesk.state_check_interval": "0",
    "retry.attempts": "3",
    # Jobs run in the caller's thread right after its transaction commits.
    "frontdesk.jobs.backend": "immediate",
    # Mail is written as .eml files to a folder of this test run, never sent; a test that
    # reads mail points the SMTP settings at its own server (tests/mailservers.py).
    "frontdesk.mail.transport": "files",
    "frontdesk.mail.files_dir": str(
        Path(tempfile.gettempdir()) / f"frontdesk-test-mail-{os.getpid()}"
    ),
}


def make_engine(database_url: str) -> Engine:
    return engine_from_settings({"sqlalchemy.url": database_url})


def migrate_database(engine: Engine, plugins: Iterable[str | Any] | None = None) -> None:
    """Upgrade ``engine``'s database to head for core and the given plugins' branches."""
    migrate.upgrade(engine, make_plugins(TEST_SETTINGS, plugins))


def make_test_app(
    *,
    plugins: Iterable[str | Any] | None = None,
    tmp_path: Path | None = None,
    engine: Engine | None = None,
    settings: Mapping[str, Any] | None = None,
    migrate_first: bool = True,
    edition: Edition | str | None = None,
) -> Any:
    """A WebTest ``TestApp`` on a migrated database (a new SQLite file under ``tmp_path``
    unless ``engine`` is given) with exactly ``plugins`` loaded.

    The app trusts the test signing key, so :func:`install_test_license` works on it;
    ``edition`` (``"professional"``, ``"enterprise"``) installs such a license at once.
    """
    from webtest import TestApp

    if engine is None:
        if tmp_path is None:
            raise TypeError("make_test_app needs tmp_path or engine")
        engine = make_engine(f"sqlite:///{tmp_path / 'frontdesk-test.sqlite'}")
    plugin_list = list(plugins) if plugins is not None else None
    if migrate_first:
        migrate_database(engine, plugin_list)
    app_settings = {**TEST_SETTINGS, **(settings or {})}
    listed = app_settings.get(PUBLIC_KEYS_SETTING, "")
    app_settings[PUBLIC_KEYS_SETTING] = f"{listed}\n{_test_signing_key()[1]}".strip()
    app = TestApp(make_app(app_settings, plugins=plugin_list, engine=engine))
    if edition is not None:
        install_test_license(app, edition)
    return app


PUBLIC_KEYS_SETTING = "frontdesk.license.public_keys"


@cache
def _test_signing_key() -> tuple[Ed25519PrivateKey, Path, tempfile.TemporaryDirectory[str]]:
    """A signing key made once per test run, and its public half's file (in a folder
    removed when the run ends)."""
    private = Ed25519PrivateKey.generate()
    folder = tempfile.TemporaryDirectory(prefix="frontdesk-test-keys-")
    public = Path(folder.name) / "frontdesk-test.pub"
    public.write_text(base64.b64encode(license_tokens.public_bytes(private)).decode() + "\n")
    return private, public, folder


def install_test_license(
    app: Any,
    edition: Edition | str = Edition.ENTERPRISE,
    *,
    seats: int = 50,
    licensee: str = "Test Co",
    expires: dt.date | None = None,
) -> License:
    """Sign a license with the test key and install it in ``app`` (a
    :func:`make_test_app` app), exactly as an administrator installs one."""
    key = license_tokens.issue(
        _test_signing_key()[0],
        licensee=licensee,
        edition=Edition(edition),
        seats=seats,
        expires=expires or dt.date.today() + dt.timedelta(days=365),
    )
    registry = app.app.registry
    with db_session(engine_of(app)) as db:
        return install_license(db, registry.frontdesk_plugins, registry.settings, key)


@contextmanager
def db_session(engine: Engine) -> Iterator[Session]:
    """A session committed at the end of the block (as another process would write)."""
    with new_session(engine) as db:
        yield db


@contextmanager
def app_request(app: Any, path: str = "/", **environ: Any) -> Iterator[Request]:
    """A request to ``app`` (a TestApp) with every request method set up and its
    transaction open, for testing helpers that take a request; commits on exit."""
    from pyramid.scripting import prepare

    request = Request.blank(path, environ=environ or None)
    env = prepare(request=request, registry=app.app.registry)
    try:
        with request.tm:
            yield request
    finally:
        env["closer"]()


def engine_of(app: Any) -> Engine:
    return app.app.registry["dbengine"]


def set_plugin_enabled(app: Any, name: str, enabled: bool) -> None:
    """Switch a plugin through the database, exactly as the CLI or another process does."""
    with db_session(engine_of(app)) as db:
        state.switch_plugin(db, name, enabled)


#: The password every factory-made user gets (unless given one), for :func:`log_in`.
TEST_PASSWORD = "test-password-1"


@contextmanager
def _writing(target: Session | Any) -> Iterator[Session]:
    """``target`` itself when it is a session, else a session on the app's database
    committed when the block ends."""
    if isinstance(target, Session):
        yield target
        target.flush()
        return
    with db_session(engine_of(target)) as db:
        yield db


def make_department(
    target: Session | Any, name: str = "Support", *, customer_visible: bool = True
) -> Department:
    """A new active department (``target``: an app or a session)."""
    with _writing(target) as db:
        department = Department(name=name, customer_visible=customer_visible)
        db.add(department)
    return department


def _make_user(target: Session | Any, role: str, username: str, **fields: Any) -> User:
    fields.setdefault("password", TEST_PASSWORD)
    fields.setdefault("display_name", username.capitalize())
    fields.setdefault("email", f"{username}@example.com")
    preferences = {key: fields.pop(key) for key in ("locale", "time_zone") if key in fields}
    with _writing(target) as db:
        user = create_user(db, username=username, role=role, **fields)
        for key, value in preferences.items():
            setattr(user, key, value)
        return user


def make_customer(target: Session | Any, username: str = "casey", **fields: Any) -> User:
    """A new customer with password :data:`TEST_PASSWORD`; ``fields`` as for
    :func:`frontdesk.identity.accounts.create_user` (``display_name``, ``email`` ...), plus the
    preferences ``locale`` and ``time_zone``."""
    return _make_user(target, "customer", username, **fields)


def make_agent(
    target: Session | Any, username: str = "alex", *, departments: Iterable[str] = (), **fields: Any
) -> User:
    """A new agent of the named ``departments`` (see :func:`make_customer`)."""
    return _make_user(target, "agent", username, departments=list(departments), **fields)


def make_administrator(target: Session | Any, username: str = "ada", **fields: Any) -> User:
    """A new administrator (see :func:`make_customer`)."""
    return _make_user(target, "administrator", username, **fields)


def make_ticket(
    target: Session | Any,
    *,
    requester: User,
    department: Department,
    subject: str = "Printer on fire",
    body: str = "Help!",
    **fields: Any,
) -> Ticket:
    """A new ticket through the ticket service (no events are sent); ``fields`` as for
    :func:`frontdesk.tickets.create_ticket` (``priority``, ``author`` ...)."""
    with _writing(target) as db:
        return create_ticket(
            db,
            requester=db.merge(requester, load=False),
            subject=subject,
            body=body,
            department_id=department.id,
            **fields,
        )


def log_in(
    app: Any, user: User | str, *, interface: str = "portal", password: str = TEST_PASSWORD
) -> Any:
    """Log ``user`` into ``interface`` (``portal``, ``management``, ``mobile``) through
    its login form, as a person would; returns the response. Each interface keeps its
    own login, so a test may log into several. Fails the test if the login is refused."""
    username = user if isinstance(user, str) else user.username
    route = app.app.registry.getUtility(IRoutesMapper).get_route(f"{interface}.login")
    if route is None:
        raise ValueError(f"no {interface!r} login page: is its plugin loaded and on?")
    form = app.get(route.generate({})).forms["login-form"]
    form["username"] = username
    form["password"] = password
    response = form.submit(expect_errors=True)
    if response.status_int != 303:
        raise AssertionError(f"{username} could not log into {interface}: {response.status}")
    return response


def run_jobs(target: Any, *, include_delayed: bool = True, rounds: int = 100) -> int:
    """Run the jobs waiting in the outbox of ``target`` (a :func:`make_test_app` app, a
    registry or an engine whose app was built), including those a job enqueues, until
    none is left; with ``include_delayed``, delayed jobs and retries waiting for their
    backoff run now too. Returns how many runs were made."""
    from sqlalchemy import select, update

    from frontdesk.db.jobs import OutboxEntry
    from frontdesk.db.meta import utcnow

    queue: JobQueue | None = queue_for(target)
    if queue is None:
        raise ValueError(f"no job queue for {target!r}: build its app first")
    runs = 0
    for _round in range(rounds):
        with db_session(queue.engine) as db:
            waiting = OutboxEntry.status.in_(("pending", "queued"))
            if include_delayed:
                db.execute(update(OutboxEntry).where(waiting).values(run_after=utcnow()))
            else:
                waiting = waiting & (OutboxEntry.run_after <= utcnow())
            ids = list(db.scalars(select(OutboxEntry.id).where(waiting).order_by(OutboxEntry.id)))
        if not ids:
            return runs
        for entry_id in ids:
            queue.execute(entry_id)
            runs += 1
    raise AssertionError(f"jobs still waiting after {rounds} rounds")


#: Single-row tables the migrations create: reset, never emptied.
COUNTERS = {"state_version", "ticket_counter"}
#: What the migrations record about themselves: kept, like ``alembic_version``.
MIGRATION_RECORDS = {"plugin_revisions"}


def clear_database(engine: Engine) -> None:
    """Delete every row but the counters the migrations create; bump the state version so
    every app's plugin-state cache reloads, and restart ticket numbers at 1001."""
    with engine.begin() as conn:
        present = set(inspect(conn).get_table_names())
        tables = [
            t
            for t in reversed(Base.metadata.sorted_tables)
            if t.name in present and t.name not in COUNTERS | MIGRATION_RECORDS
        ]
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())
        conn.execute(text("UPDATE state_version SET version = version + 1"))
        conn.execute(text("UPDATE ticket_counter SET last = 1000"))


__all__ = [
    "TEST_PASSWORD",
    "app_request",
    "clear_database",
    "db_session",
    "install_test_license",
    "log_in",
    "make_administrator",
    "make_agent",
    "make_customer",
    "make_department",
    "make_engine",
    "make_test_app",
    "make_ticket",
    "migrate_database",
    "run_jobs",
    "set_plugin_enabled",
]
