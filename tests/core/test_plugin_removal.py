"""Removing a plugin whose branch was migrated: the installation keeps working, the
plugin's tables are kept (and named) until ``frontdesk plugins purge`` drops them."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from frontdesk.cli import main
from frontdesk.identity.accounts import create_user
from frontdesk.plugin_platform.permissions import Role
from frontdesk.testing import db_session, make_test_app
from tests.core.test_live_server import status
from tests.sample_plugins.entry_points import write_distribution
from tests.servers import free_port, frontdesk_process

NOTICE = "the database holds tables of plugins that are not installed: notes (notes_0001)"


@pytest.fixture
def site(fresh, tmp_path, monkeypatch):
    """A config on a fresh database, with the notes test plugin installed (entry point)."""
    installed = write_distribution(
        tmp_path / "site", "notes_dist", {"notes": "tests.sample_plugins.notes"}
    )
    monkeypatch.syspath_prepend(str(installed))
    url = fresh.url.render_as_string(hide_password=False)
    ini = tmp_path / "frontdesk.ini"
    port = free_port()

    class Site:
        config = str(ini)
        engine = fresh

        def pin(self, plugins: str) -> None:
            ini.write_text(
                f"[app:main]\nuse = egg:frontdesk\nsqlalchemy.url = {url}\n"
                f"frontdesk.session.secret = removal-test\nfrontdesk.plugins = {plugins}\n"
                f"[server:main]\nuse = egg:waitress#main\nlisten = 127.0.0.1:{port}\n"
            )

        def uninstall(self) -> None:
            monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(installed)])

        def reinstall(self) -> None:
            monkeypatch.setattr(sys, "path", [str(installed), *sys.path])

        def tables(self) -> set[str]:
            return set(inspect(fresh).get_table_names())

        def notes(self) -> list[str]:
            with fresh.connect() as conn:
                return list(conn.execute(text("SELECT text FROM notes_notes")).scalars())

    site = Site()
    site.pin("portal notes")
    return site


def run(capsys, monkeypatch, *argv, stdin=""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def migrated(site, capsys, monkeypatch):
    """``db upgrade`` ran the notes branch and someone wrote a note."""
    code, out, _ = run(capsys, monkeypatch, "db", "upgrade", site.config)
    assert code == 0
    assert "  notes:\n    notes_0001  notes: first table" in out
    assert "  core:\n    0001  core tables" in out
    with db_session(site.engine) as db:
        user = create_user(db, username="ada", role=Role.CUSTOMER, password=None)
        db.flush()
        db.execute(
            text("INSERT INTO notes_notes (user_id, text) VALUES (:u, 'kept')"), {"u": user.id}
        )
    return site


def test_db_upgrade_lists_what_it_applied_then_says_up_to_date(migrated, capsys, monkeypatch):
    code, out, err = run(capsys, monkeypatch, "db", "upgrade", migrated.config)
    assert (code, out, err) == (0, "Database is up to date.\n", "")


@pytest.mark.parametrize("removal", ["uninstalled", "pinned out"])
def test_a_removed_plugin_leaves_every_command_working_and_its_table_kept(
    migrated, capsys, monkeypatch, removal
):
    if removal == "uninstalled":
        migrated.uninstall()
    else:
        migrated.pin("portal")

    for argv in (
        ["db", "upgrade", migrated.config],
        ["init", migrated.config],
        ["plugins", "list", migrated.config],
        ["user", "create", migrated.config, "--username", "bob", "--role", "customer"],
    ):
        code, out, err = run(capsys, monkeypatch, *argv, stdin="a-long-password\n")
        assert code == 0, err
        assert err.count("\n") == 1 and NOTICE in err, argv
        assert f"frontdesk plugins purge {migrated.config} NAME" in err
        assert "Traceback" not in out + err

    app = make_test_app(plugins=["portal"], engine=migrated.engine, migrate_first=False)
    assert app.get("/readyz").json == {"status": "ok"}
    assert app.get("/login").status_code == 200
    assert migrated.notes() == ["kept"]

    # Back again: its data is where it was, and nothing is left to migrate.
    migrated.pin("portal notes")
    migrated.reinstall()
    code, out, err = run(capsys, monkeypatch, "db", "upgrade", migrated.config)
    assert (code, out, err) == (0, "Database is up to date.\n", "")
    assert migrated.notes() == ["kept"]


def test_serve_starts_without_the_removed_plugin_and_is_ready(migrated):
    migrated.pin("portal")
    with frontdesk_process(Path(migrated.config)) as base:
        assert status(f"{base}/readyz") == 200
        assert status(f"{base}/login") == 200
    assert NOTICE in Path(migrated.config).with_suffix(".log").read_text()
    assert migrated.notes() == ["kept"]


def test_purge_asks_refuses_while_enabled_and_drops_the_tables(migrated, capsys, monkeypatch):
    purge = ["plugins", "purge", migrated.config, "notes"]
    code, _, err = run(capsys, monkeypatch, *purge, "--yes")
    assert code == 2 and err.count("\n") == 1
    assert (
        f"plugin 'notes' is enabled; first run: frontdesk plugins disable {migrated.config}" in err
    )

    run(capsys, monkeypatch, "plugins", "disable", migrated.config, "notes")
    for answer in ("", "n\n"):
        code, out, err = run(capsys, monkeypatch, *purge, stdin=answer)
        assert code == 2 and "nothing purged (not confirmed" in err and err.count("\n") == 1
        assert "[y/N]" in out and migrated.notes() == ["kept"]

    code, out, err = run(capsys, monkeypatch, *purge, stdin="y\n")
    assert code == 0, err
    assert "Plugin notes purged: its tables are dropped." in out and "notes_0001" in out
    assert "notes_notes" not in migrated.tables() and "users" in migrated.tables()

    migrated.pin("portal")
    code, out, err = run(capsys, monkeypatch, "db", "upgrade", migrated.config)
    assert (code, out, err) == (0, "Database is up to date.\n", "")


def test_purge_of_a_pinned_out_plugin_needs_no_disabling(migrated, capsys, monkeypatch):
    migrated.pin("portal")
    code, _, err = run(capsys, monkeypatch, "plugins", "purge", migrated.config, "notes", "--yes")
    assert code == 0, err
    assert "notes_notes" not in migrated.tables()
    code, _, err = run(capsys, monkeypatch, "plugins", "list", migrated.config)
    assert code == 0 and err == ""


def test_purge_of_an_uninstalled_plugin_says_its_code_is_needed(migrated, capsys, monkeypatch):
    migrated.uninstall()
    code, _, err = run(capsys, monkeypatch, "plugins", "purge", migrated.config, "notes", "--yes")
    assert code == 2 and err.count("\n") == 1
    assert "plugin 'notes' is not installed" in err and "install it again to purge it" in err
    assert migrated.notes() == ["kept"]
