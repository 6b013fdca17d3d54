"""The ``frontdesk`` command, as an administrator types it."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from frontdesk.cli import build_parser, main
from frontdesk.db.tickets import Ticket
from frontdesk.db.users import User
from frontdesk.identity.passwords import verify_password
from tests.sample_plugins.entry_points import write_distribution

FRONTDESK = str(Path(sys.executable).with_name("frontdesk"))


@pytest.fixture
def ini(tmp_path, engine):
    """A config file for the test database (already migrated)."""
    url = engine.url.render_as_string(hide_password=False)
    path = tmp_path / "frontdesk.ini"
    path.write_text(
        f"[app:main]\nuse = egg:frontdesk\nsqlalchemy.url = {url}\n"
        "frontdesk.session.secret = cli-test\n"
    )
    return str(path)


def run(capsys, *argv, stdin=None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_demo_is_harmless_twice(capsys, ini, db):
    code, out, _ = run(capsys, "init", ini, "--demo")
    assert code == 0 and "Demo data added." in out
    assert "customer       customer   frontdesk-customer" in out
    tickets = db.scalar(select(func.count(Ticket.id)))
    users = db.scalar(select(func.count(User.id)))

    code, out, _ = run(capsys, "init", ini, "--demo")
    assert code == 0 and "Demo data already present." in out
    assert db.scalar(select(func.count(Ticket.id))) == tickets >= 5
    assert db.scalar(select(func.count(User.id))) == users


def test_init_creates_the_first_administrator_once(capsys, ini, db):
    code, out, _ = run(capsys, "init", ini)
    assert code == 0
    password = out.split("password: ")[1].split()[0]
    admin = db.scalar(select(User).where(User.username == "admin"))
    assert admin.role == "administrator" and verify_password(admin.password_hash, password)

    _, again, _ = run(capsys, "init", ini)
    assert "password:" not in again and "exists already" in again


def test_init_demo_is_refused_in_production(capsys, tmp_path, ini):
    prod = tmp_path / "prod.ini"
    prod.write_text(Path(ini).read_text() + "frontdesk.production = true\n")
    code, _, err = run(capsys, "init", str(prod), "--demo")
    assert code == 2 and err.count("\n") == 1 and "--demo is for development" in err


def test_plugins_list_shows_builtins_with_state_and_reason(capsys, ini):
    code, out, _ = run(capsys, "plugins", "list", ini)
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines()[1:] if line.strip()}
    for name in ("portal", "management", "mobile", "kb", "chat"):
        assert name in rows
    assert "active" in rows["portal"] and "inactive" not in rows["portal"]
    assert "enterprise" in rows["mobile"]
    assert "available in the Enterprise edition" in rows["mobile"]
    assert "Edition in force: Free" in out


def test_plugins_list_explains_inactive_third_party_plugins(capsys, ini, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(
        str(
            write_distribution(
                tmp_path / "site",
                "odd_dist",
                {
                    "enterprise_only": "tests.sample_plugins.odd:enterprise_only",
                    "needs_missing": "tests.sample_plugins.odd:needs_missing",
                },
            )
        )
    )
    _, out, _ = run(capsys, "plugins", "list", ini)
    rows = {line.split()[0]: line for line in out.splitlines()[1:] if line.strip()}
    assert "needs plugin 'absent', which is not installed" in rows["needs_missing"]
    assert "available in the Enterprise edition" in rows["enterprise_only"]


def test_plugins_disable_and_enable(capsys, ini):
    assert run(capsys, "plugins", "disable", ini, "chat")[0] == 0
    _, out, _ = run(capsys, "plugins", "list", ini)
    chat = next(line for line in out.splitlines() if line.startswith("chat"))
    assert "disabled by an administrator" in chat

    code, out, _ = run(capsys, "plugins", "enable", ini, "chat")
    assert code == 0 and "Plugin chat enabled" in out


def test_enabling_a_plugin_that_cannot_run_says_it_stays_inactive_and_why(capsys, ini):
    run(capsys, "plugins", "disable", ini, "mobile")
    code, out, _ = run(capsys, "plugins", "enable", ini, "mobile")
    assert code == 0
    assert out == (
        "Plugin mobile enabled, but inactive: Mobile interface is available in the "
        "Enterprise edition (this installation runs the Free edition).\n"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["plugins", "disable", "{ini}", "nosuch"], "unknown plugin 'nosuch'"),
        (["plugins", "disable", "{ini}", "core"], "the core cannot be switched off"),
        (["plugins", "list", "missing.ini"], "config file missing.ini not found"),
    ],
)
def test_mistakes_give_one_line_and_status_2(capsys, ini, argv, message):
    code, _, err = run(capsys, *[a.format(ini=ini) for a in argv])
    assert code == 2
    assert err.startswith("frontdesk: error:") and message in err and err.count("\n") == 1


def test_unreachable_database_gives_one_line(capsys, tmp_path):
    bad = tmp_path / "bad.ini"
    bad.write_text(
        "[app:main]\nuse = egg:frontdesk\n"
        "sqlalchemy.url = postgresql+psycopg://nobody:secret@127.0.0.1:1/none\n"
    )
    code, _, err = run(capsys, "db", "upgrade", str(bad))
    assert code == 2 and err.count("\n") == 1
    assert "cannot connect to the database" in err and "secret" not in err


def test_malformed_config_gives_one_line(capsys, tmp_path):
    bad = tmp_path / "bad.ini"
    bad.write_text("this is not an ini file\n")
    code, _, err = run(capsys, "init", str(bad))
    assert code == 2 and err.count("\n") == 1 and "cannot load" in err


def test_wrong_arguments_give_one_line(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["user", "create", "x.ini", "--role", "emperor", "--username", "x"])
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "invalid choice: 'emperor'" in err


def test_user_create_reads_the_password_from_stdin(capsys, ini, db, monkeypatch):
    run(capsys, "init", ini, "--demo")
    code, out, _ = run(
        capsys,
        "user",
        "create",
        ini,
        "--username",
        "Dana",
        "--role",
        "agent",
        "--display-name",
        "Dana Scully",
        "--email",
        "dana@example.com",
        "--department",
        "support",
        "--department",
        "Billing",
        stdin="a-long-password\n",
        monkeypatch=monkeypatch,
    )
    assert code == 0 and "Created agent 'Dana'." in out
    dana = db.scalar(select(User).where(User.login_key == "dana"))
    assert dana.display_name == "Dana Scully"
    assert sorted(d.name for d in dana.departments) == ["Billing", "Support"]
    assert verify_password(dana.password_hash, "a-long-password")


@pytest.mark.parametrize(
    ("extra", "stdin", "message"),
    [
        (["--username", "agent"], "a-long-password\n", "username: The username 'agent' is taken."),
        (
            ["--username", "new", "--department", "Nowhere"],
            "a-long-password\n",
            "department: No department named 'Nowhere'.",
        ),
        (["--username", "new"], "short\n", "password: Use at least 10 characters."),
        (["--username", "new", "--email", "not-an-email"], "a-long-password\n", "email:"),
        (["--username", "new"], "", "no password on standard input"),
    ],
)
def test_user_create_refuses_bad_input_and_writes_nothing(
    capsys, ini, db, monkeypatch, extra, stdin, message
):
    run(capsys, "init", ini, "--demo")
    before = db.scalar(select(func.count(User.id)))
    code, _, err = run(
        capsys,
        "user",
        "create",
        ini,
        "--role",
        "agent",
        *extra,
        stdin=stdin,
        monkeypatch=monkeypatch,
    )
    assert code == 2 and message in err and err.count("\n") == 1
    assert db.scalar(select(func.count(User.id))) == before


def test_serve_refuses_a_database_that_was_never_initialised(capsys, tmp_path):
    fresh = tmp_path / "fresh.ini"
    fresh.write_text(
        f"[app:main]\nuse = egg:frontdesk\nsqlalchemy.url = sqlite:///{tmp_path}/x.db\n"
    )
    code, _, err = run(capsys, "serve", str(fresh))
    assert code == 2 and f"run: frontdesk init {fresh}" in err


def test_every_command_has_help(capsys):
    commands = [
        [],
        ["init"],
        ["serve"],
        ["url"],
        ["db"],
        ["db", "upgrade"],
        ["plugins"],
        ["plugins", "list"],
        ["plugins", "enable"],
        ["plugins", "disable"],
        ["plugins", "purge"],
        ["user"],
        ["user", "create"],
    ]
    for command in commands:
        with pytest.raises(SystemExit) as exit:
            build_parser().parse_args([*command, "--help"])
        assert exit.value.code == 0
        assert "usage: frontdesk" in capsys.readouterr().out


def test_console_script_runs(ini):
    result = subprocess.run(
        [FRONTDESK, "plugins", "list", ini], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "portal" in result.stdout

    result = subprocess.run(
        [FRONTDESK, "plugins", "enable", ini, "nope"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr


def test_serve_refuses_the_development_secret_in_production(capsys, tmp_path, ini):
    prod = tmp_path / "prod.ini"
    prod.write_text(
        Path(ini).read_text().replace("frontdesk.session.secret = cli-test\n", "")
        + "frontdesk.production = true\n"
    )
    run(capsys, "db", "upgrade", ini)
    code, _, err = run(capsys, "serve", str(prod))
    assert code == 2 and err.count("\n") == 1
    assert "frontdesk.session.secret is not set" in err


@pytest.mark.parametrize(
    "argv", [["plugins", "list"], ["license", "show"], ["plugins", "disable", "{ini}", "kb"]]
)
def test_commands_on_an_uninitialised_database_give_one_line(capsys, tmp_path, argv):
    fresh = tmp_path / "fresh.ini"
    fresh.write_text(
        f"[app:main]\nuse = egg:frontdesk\nsqlalchemy.url = sqlite:///{tmp_path}/x.db\n"
    )
    args = [a.format(ini=fresh) for a in argv]
    if "{ini}" not in " ".join(argv):
        args.append(str(fresh))
    code, _, err = run(capsys, *args)
    assert code == 2 and err.count("\n") == 1
    assert f"run: frontdesk init {fresh}" in err


@pytest.mark.parametrize(
    ("listen", "url"),
    [
        ("127.0.0.1:7123", "http://127.0.0.1:7123/"),
        ("0.0.0.0:8080", "http://localhost:8080/"),
        ("*:8081 [::]:8081", "http://localhost:8081/"),
    ],
)
def test_url_prints_where_serve_answers(capsys, tmp_path, listen, url):
    ini = tmp_path / "site.ini"
    ini.write_text(
        "[app:main]\nuse = egg:frontdesk\n\n[server:main]\nuse = egg:waitress#main\n"
        f"listen = {listen}\n"
    )
    assert run(capsys, "url", str(ini)) == (0, f"{url}\n", "")


def test_url_of_a_missing_config_is_one_line(capsys, tmp_path):
    code, out, err = run(capsys, "url", str(tmp_path / "nowhere.ini"))
    assert code == 2 and out == "" and err.count("\n") == 1 and "not found" in err
