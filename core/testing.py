"""Helpers for testing frontdesk and its plugins (needs the ``test`` extra: WebTest).

A plugin's test suite typically needs three lines::

    from frontdesk.testing import make_test_app, set_plugin_enabled

    def test_greeting(tmp_path):
        app = make_test_app(plugins=["portal", my_plugin], tmp_path=tmp_path)
        assert "Hello" in app.get("/hello/").text
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import transaction
from pyramid.request import Request
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

from frontdesk import migrate
from frontdesk.app import make_app
from frontdesk.db import Base, state
from frontdesk.db.session import engine_from_settings, session_factory, tm_session, writing
from frontdesk.pluginmanager import make_plugins

TEST_SETTINGS: dict[str, Any] = {
    "frontdesk.session.secret": "test-secret",
    "frontdesk.state_check_interval": "0",
    "retry.attempts": "3",
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
) -> Any:
    """A WebTest ``TestApp`` on a migrated database (a new SQLite file under ``tmp_path``
    unless ``engine`` is given) with exactly ``plugins`` loaded."""
    from webtest import TestApp

    if engine is None:
        if tmp_path is None:
            raise TypeError("make_test_app needs tmp_path or engine")
        engine = make_engine(f"sqlite:///{tmp_path / 'frontdesk-test.sqlite'}")
    plugin_list = list(plugins) if plugins is not None else None
    if migrate_first:
        migrate_database(engine, plugin_list)
    app = make_app({**TEST_SETTINGS, **(settings or {})}, plugins=plugin_list, engine=engine)
    return TestApp(app)


@contextmanager
def db_session(engine: Engine) -> Iterator[Session]:
    """A session committed at the end of the block (as another process would write)."""
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        yield tm_session(session_factory(engine), manager, bind=writing(engine))


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
    "app_request",
    "clear_database",
    "db_session",
    "make_engine",
    "make_test_app",
    "migrate_database",
    "set_plugin_enabled",
]
