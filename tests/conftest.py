"""Shared fixtures: one migrated database per backend and xdist worker, real commits.

Every test that asks for ``engine`` (directly or through ``db``, ``webapp`` ...) runs on
SQLite and on PostgreSQL. PostgreSQL is used when ``FRONTDESK_TEST_DATABASE_URL`` names a
server database to create per-worker databases from; with
``FRONTDESK_REQUIRE_POSTGRESQL=1`` (CI) an unreachable server fails the run instead of
skipping those tests.

Tests commit for real (through pyramid_tm, like production) and the tables are emptied
after each test: the code under test runs its true transaction path, and separate
processes (CLI, waitress) see the same data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from frontdesk.identity.passwords import configure_hasher
from frontdesk.testing import (
    clear_database,
    db_session,
    make_engine,
    make_test_app,
    migrate_database,
)

BUILTIN_PLUGINS = ("portal", "management", "mobile", "kb", "chat")
#: Cheap argon2 parameters: the suite hashes hundreds of passwords.
TEST_HASHING = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
configure_hasher(**TEST_HASHING)
PG_URL_VAR = "FRONTDESK_TEST_DATABASE_URL"
REQUIRE_PG_VAR = "FRONTDESK_REQUIRE_POSTGRESQL"


def _worker(request: pytest.FixtureRequest) -> str:
    """Unique per xdist worker *and* per test run, so two runs never share a database."""
    workerinput = getattr(request.config, "workerinput", {})
    run = workerinput.get("testrun_uid") or uuid.uuid4().hex
    return f"{run[:8]}_{workerinput.get('workerid', 'main')}"


def _postgresql_url(worker: str) -> str:
    admin_url = os.environ.get(PG_URL_VAR)
    if not admin_url:
        if os.environ.get(REQUIRE_PG_VAR) == "1":
            pytest.fail(f"{REQUIRE_PG_VAR}=1 but {PG_URL_VAR} is not set")
        pytest.skip(f"PostgreSQL tests need {PG_URL_VAR}")
    name = f"frontdesk_test_{worker}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:
        message = f"PostgreSQL at {make_url(admin_url).render_as_string()} unreachable: {exc}"
        if os.environ.get(REQUIRE_PG_VAR) == "1":
            pytest.fail(message)
        pytest.skip(message)
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _drop_postgresql(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(os.environ[PG_URL_VAR], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh, empty database for this backend and worker (dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'frontdesk.sqlite'}"
        return
    url = _postgresql_url(_worker(request))
    yield url
    _drop_postgresql(url)


@contextmanager
def separate_database(database_url: str, suffix: str, folder: Path) -> Iterator[Engine]:
    """An empty database of its own on ``database_url``'s backend (a SQLite file in
    ``folder``, or ``<database>_<suffix>`` on the same server), dropped afterwards."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        engine = make_engine(f"sqlite:///{folder / f'{suffix}.sqlite'}")
        yield engine
        engine.dispose()
        return
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"{url.database}_{suffix}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(url.set(database=name).render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate_database(engine, BUILTIN_PLUGINS)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(migrated_engine: Engine) -> Iterator[Engine]:
    """The backend's migrated engine; every row is removed after the test."""
    yield migrated_engine
    clear_database(migrated_engine)


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A plain session for arranging and checking data; call ``db.commit()`` to publish."""
    session = Session(engine, expire_on_commit=False)
    yield session
    session.rollback()
    session.close()


@pytest.fixture
def racing_writers(engine: Engine) -> None:
    """For tests that commit from a second connection in the middle of a request, to
    stage a race between two writers. SQLite's writers take turns (requests that write
    begin with ``BEGIN IMMEDIATE``), so there the race cannot happen: skipped."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite writers take turns (BEGIN IMMEDIATE): this race cannot happen")


@pytest.fixture
def commit(engine: Engine) -> Callable[..., Any]:
    """``with commit() as s:`` writes in a transaction of its own, like another process."""
    return lambda: db_session(engine)


_APPS: dict[tuple[Any, ...], Any] = {}


@pytest.fixture
def make_webapp(engine: Engine) -> Callable[..., Any]:
    """Build (and cache per session) a TestApp with the given plugins and settings."""

    def factory(plugins: tuple[Any, ...] | list[Any] = BUILTIN_PLUGINS, **settings: Any) -> Any:
        key = (id(engine), tuple(plugins), tuple(sorted(settings.items())))
        if key not in _APPS:
            app = make_test_app(
                plugins=list(plugins), engine=engine, settings=settings, migrate_first=False
            )
            _APPS[key] = (app, dict(app.extra_environ))
        app, environ = _APPS[key]
        # Shared between tests: no cookie and no header (a language...) a test set lives on.
        app.reset()
        app.extra_environ = dict(environ)
        return app

    return factory


@pytest.fixture
def webapp(make_webapp: Callable[..., Any]) -> Any:
    """A TestApp with every built-in plugin."""
    return make_webapp()


@pytest.fixture
def fresh(database_url: str, tmp_path: Any) -> Iterator[Engine]:
    """An empty database of its own on the same backend (for migrations and removals)."""
    with separate_database(database_url, "fresh", tmp_path) as engine:
        yield engine
