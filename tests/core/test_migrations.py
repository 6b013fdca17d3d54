"""Schema changes go through Alembic, and the migrations match the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from frontdesk import migrate
from frontdesk.db import Base
from frontdesk.pluginmanager import make_plugins
from frontdesk.testing import make_engine


@pytest.fixture
def fresh(database_url, tmp_path):
    """An empty database of its own on the same backend."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
        yield engine
        engine.dispose()
        return
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"{url.database}_fresh"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(url.set(database=name).render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migrations_run_from_an_empty_database_to_head(fresh):
    assert inspect(fresh).get_table_names() == []

    plugins = make_plugins({})
    migrate.upgrade(fresh, plugins)
    migrate.upgrade(fresh, plugins)  # running it again is harmless

    assert migrate.is_up_to_date(fresh, plugins)
    # Tables of test-only plugins share Base.metadata but are not migrated here.
    test_tables = {
        m.local_table.name
        for m in Base.registry.mappers
        if m.class_.__module__.startswith("tests.")
    }
    with fresh.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "include_object": lambda obj, name, type_, *_: (
                    type_ != "table" or name not in test_tables
                ),
            },
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_a_plugin_with_tables_brings_its_own_branch(fresh):
    from tests.sample_plugins import notes
    from tests.sample_plugins.notes import models  # noqa: F401  (the table is on Base)

    core_only = make_plugins({}, plugins=[])
    with_notes = make_plugins({}, plugins=[notes])
    migrate.upgrade(fresh, core_only)
    assert migrate.is_up_to_date(fresh, core_only)
    assert not migrate.is_up_to_date(fresh, with_notes), "installing a plugin needs an upgrade"

    migrate.upgrade(fresh, with_notes)

    assert {"users", "notes_notes"} <= set(inspect(fresh).get_table_names())
    assert migrate.is_up_to_date(fresh, with_notes)


def test_departments_differing_only_in_case_survive_the_unique_rule(fresh):
    core_only = make_plugins({}, plugins=[])
    migrate.upgrade(fresh, core_only, target="0004")
    with fresh.begin() as conn:
        for name in ("Sales", "sales", "Sales (2)", "Support"):
            conn.execute(
                text(
                    "INSERT INTO departments (name, description, customer_visible, "
                    "active, created_at) VALUES (:n, '', true, true, "
                    "CURRENT_TIMESTAMP)"
                ),
                {"n": name},
            )

    migrate.upgrade(fresh, core_only)

    with fresh.connect() as conn:
        rows = conn.execute(text("SELECT name, name_key FROM departments ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [
        ("Sales", "sales"),
        ("sales (3)", "sales (3)"),
        ("Sales (2)", "sales (2)"),
        ("Support", "support"),
    ]
