"""Schema changes go through Alembic, and the migrations match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from frontdesk import migrate
from frontdesk.db import Base
from frontdesk.pluginmanager import make_plugins
from frontdesk.testing import make_engine


def test_migrations_run_from_an_empty_database_to_head(database_url):
    # A database of its own, so this test sees a truly empty schema on both backends.
    engine = make_engine(database_url)
    url = engine.url
    if url.get_backend_name() == "sqlite":
        fresh = make_engine(f"sqlite:///{url.database}.fresh")
    else:
        from sqlalchemy import create_engine, text

        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        name = f"{url.database}_fresh"
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        fresh = make_engine(url.set(database=name).render_as_string(hide_password=False))
    assert inspect(fresh).get_table_names() == []

    plugins = make_plugins({})
    migrate.upgrade(fresh, plugins)
    migrate.upgrade(fresh, plugins)  # running it again is harmless

    heads = ScriptDirectory.from_config(migrate.alembic_config(plugins)).get_heads()
    assert set(migrate.current_heads(fresh)) == set(heads)
    with fresh.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"
    fresh.dispose()
    engine.dispose()
