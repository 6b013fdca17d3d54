"""Schema changes go through Alembic, and the migrations match the models."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import column, inspect, table, text

from frontdesk.app import make_plugins
from frontdesk.db import Base
from frontdesk.migrations import runner as migrate
from frontdesk.plugin_platform.pluginmanager import PluginInfo


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


def test_upgrades_keep_conversations_render_them_and_clean_file_names(fresh):
    # From before 0004, which rebuilds the tickets table on SQLite (dropping the old one
    # must not cascade to the messages), to 0006, which renders every message once.
    plugins = make_plugins({}, plugins=[])
    migrate.upgrade(fresh, plugins, target="0003")
    now = dt.datetime.now(dt.UTC)
    with fresh.begin() as conn:
        conn.execute(
            table("tickets", *map(column, ("id", "number", "subject", "status", "priority",
                                           "created_at", "updated_at"))).insert(),
            [{"id": 1, "number": "1001", "subject": "Old", "status": "open",
              "priority": "normal", "created_at": now, "updated_at": now}],
        )  # fmt: skip
        conn.execute(
            table("ticket_messages", *map(column, ("id", "ticket_id", "kind", "body",
                                                   "created_at"))).insert(),
            [{"id": n, "ticket_id": 1, "kind": "customer", "body": f"Old **{n}**",
              "created_at": now} for n in range(1, 1200)],
        )  # fmt: skip
        conn.execute(
            table("attachments", *map(column, ("id", "message_id", "filename", "content_type",
                                               "size", "data", "created_at"))).insert(),
            [{"id": 1, "message_id": 1, "filename": "inv\u202egpj.txt",
              "content_type": "text/plain", "size": 1, "data": b"x", "created_at": now}],
        )  # fmt: skip

    migrate.upgrade(fresh, plugins)

    with fresh.connect() as conn:
        html = dict(conn.execute(text("SELECT id, body_html FROM ticket_messages")).all())
        names = conn.execute(text("SELECT filename FROM attachments")).scalars().all()
    assert len(html) == 1199 and html[1199] == "<p>Old <strong>1199</strong></p>\n"
    assert names == ["invgpj.txt"]


def test_0007_keeps_address_locks_and_drops_account_wide_ones(fresh):
    """Old rows locked an account from everywhere; they cannot be split by address."""
    core_only = make_plugins({}, plugins=[])
    migrate.upgrade(fresh, core_only, target="0004")
    with fresh.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO login_throttle (key, failures, last_failure) VALUES "
                "('account:ada', 9, CURRENT_TIMESTAMP), "
                "('address:203.0.113.9', 21, CURRENT_TIMESTAMP)"
            )
        )

    migrate.upgrade(fresh, core_only, target="0007")

    with fresh.connect() as conn:
        rows = conn.execute(text("SELECT key, failures, account FROM login_throttle")).all()
    assert [tuple(r) for r in rows] == [("address:203.0.113.9", 21, None)]


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


@pytest.fixture
def late(tmp_path):
    """A plugin whose branch ``depends_on`` core's head: Alembic then records the plugin's
    revision *instead of* core's head, so core's position rests on the plugin's row."""
    folder = tmp_path / "late_versions"
    folder.mkdir()
    head = migrate.scripts(make_plugins({}, plugins=[])).get_current_head()
    (folder / "late_0001.py").write_text(
        '"""late: things"""\n'
        "import sqlalchemy as sa\nfrom alembic import op\n"
        'revision = "late_0001"\ndown_revision = None\nbranch_labels = ("late",)\n'
        f"depends_on = {head!r}\n\n"
        "def upgrade():\n"
        '    op.create_table("late_things", sa.Column("id", sa.Integer(), primary_key=True))\n\n'
        "def downgrade():\n"
        '    op.drop_table("late_things")\n'
    )
    return SimpleNamespace(PLUGIN=PluginInfo(name="late", title="Late", migrations=str(folder)))


def test_a_removed_plugin_that_stood_for_cores_head_leaves_core_up_to_date(fresh, late):
    core_only = make_plugins({}, plugins=[])
    with_late = make_plugins({}, plugins=[late])
    migrate.upgrade(fresh, core_only)
    migrate.upgrade(fresh, with_late)
    with fresh.begin() as conn:
        conn.execute(text("INSERT INTO late_things (id) VALUES (7)"))

    # Uninstalled: core is up to date, nothing is re-run, the plugin's table is kept.
    assert migrate.absent_plugins(fresh, core_only) == {"late": ["late_0001"]}
    assert migrate.is_up_to_date(fresh, core_only)
    assert migrate.upgrade(fresh, core_only) == []
    assert set(migrate.current_heads(fresh)) == {"late_0001"}
    with fresh.connect() as conn:
        assert conn.execute(text("SELECT id FROM late_things")).scalar() == 7

    # Back again: nothing to do; purged: its table goes and core keeps its place.
    assert migrate.upgrade(fresh, with_late) == []
    undone = migrate.downgrade_branch(fresh, with_late, "late")
    assert [r.revision for r in undone] == ["late_0001"]
    assert "late_things" not in inspect(fresh).get_table_names()
    assert migrate.is_up_to_date(fresh, core_only) and migrate.absent_plugins(fresh) == {}
