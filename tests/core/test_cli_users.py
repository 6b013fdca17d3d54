"""``frontdesk user password|deactivate|activate`` and ``frontdesk access explain``."""

from __future__ import annotations

import datetime as dt
import io
import sys

import pytest
from webtest import TestApp

from frontdesk.app import make_plugins
from frontdesk.cli import build_parser, main
from frontdesk.db.tickets import Ticket
from frontdesk.db.users import Department
from frontdesk.identity.accounts import create_user, find_user
from frontdesk.identity.passwords import verify_password
from frontdesk.licensing import Edition
from frontdesk.licensing.installed import install_license
from frontdesk.licensing.tokens import issue, read_private_key, write_keypair

OLD, NEW = "the-old-password", "a-brand-new-password"


@pytest.fixture
def signer(tmp_path):
    """A key pair whose public half the test config trusts."""
    private = tmp_path / "keys" / "test-vendor.key"
    write_keypair(private)
    return private


@pytest.fixture
def ini(tmp_path, engine, signer):
    """A config file for the test database (already migrated) that trusts ``signer``."""
    url = engine.url.render_as_string(hide_password=False)
    path = tmp_path / "frontdesk.ini"
    path.write_text(
        f"[app:main]\nuse = egg:frontdesk\nsqlalchemy.url = {url}\n"
        "frontdesk.session.secret = cli-test\n"
        f"frontdesk.license.public_keys = {signer.with_suffix('.pub')}\n"
    )
    return str(path)


def run(capsys, *argv, stdin=None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code, out, err, words):
    assert code == 2, (out, err)
    assert err.startswith("frontdesk: error: ") and err.count("\n") == 1, err
    assert words in err, err
    assert out == ""
    return True


def add_users(db, *specs):
    """``(username, role)`` pairs, each with the password ``OLD``; committed."""
    users = [create_user(db, username=u, role=r, password=OLD) for u, r in specs]
    db.commit()
    return users


def reread(db, user):
    """``user`` as the CLI left it (a new transaction: SQLite's snapshot is per transaction)."""
    db.rollback()
    db.expire_all()
    return find_user(db, user.username)


# --- user password -------------------------------------------------------------------------


def test_password_reset_stores_the_new_hash_and_ends_every_session(capsys, ini, db, monkeypatch):
    (dana,) = add_users(db, ("dana", "agent"))
    generation = dana.session_generation
    code, out, err = run(
        capsys,
        "user",
        "password",
        ini,
        "--username",
        "DANA",
        stdin=f"{NEW}\n",
        monkeypatch=monkeypatch,
    )
    assert code == 0, err
    assert out == "Password of 'dana' changed; every session of theirs has ended.\n"
    dana = reread(db, dana)
    assert verify_password(dana.password_hash, NEW)
    assert not verify_password(dana.password_hash, OLD)
    assert dana.session_generation == generation + 1


@pytest.mark.parametrize(
    ("stdin", "words"),
    [
        ("short\n", "password: Use at least 10 characters."),
        ("", "no password on standard input"),
    ],
)
def test_password_reset_refuses_a_bad_password_and_changes_nothing(
    capsys, ini, db, monkeypatch, stdin, words
):
    (dana,) = add_users(db, ("dana", "agent"))
    before = dana.password_hash, dana.session_generation
    result = run(
        capsys, "user", "password", ini, "--username", "dana", stdin=stdin, monkeypatch=monkeypatch
    )
    assert one_line_error(*result, words)
    dana = reread(db, dana)
    assert (dana.password_hash, dana.session_generation) == before


def test_an_unknown_user_is_reported_before_the_password_is_read(capsys, ini, db, monkeypatch):
    result = run(
        capsys,
        "user",
        "password",
        ini,
        "--username",
        "ghost",
        stdin=f"{NEW}\n",
        monkeypatch=monkeypatch,
    )
    assert one_line_error(*result, "no user named 'ghost'")
    assert sys.stdin.read() == f"{NEW}\n"


# --- user deactivate / activate ------------------------------------------------------------


def test_deactivate_ends_sessions_and_activate_restores_the_account(capsys, ini, db):
    (dana,) = add_users(db, ("dana", "agent"))
    code, out, _ = run(capsys, "user", "deactivate", ini, "--username", "dana")
    assert code == 0 and out == "Deactivated agent 'dana'; every session of theirs has ended.\n"
    dana = reread(db, dana)
    assert not dana.active and dana.session_generation == 1, "old sessions stay dead"

    code, out, _ = run(capsys, "user", "deactivate", ini, "--username", "dana")
    assert code == 0 and out == "Agent 'dana' is inactive already.\n"

    code, out, _ = run(capsys, "user", "activate", ini, "--username", "dana")
    assert code == 0 and out == "Activated agent 'dana'.\n"
    dana = reread(db, dana)
    assert dana.active and dana.session_generation == 1

    code, out, _ = run(capsys, "user", "activate", ini, "--username", "dana")
    assert code == 0 and out == "Agent 'dana' is active already.\n"


def test_the_last_active_administrator_cannot_be_deactivated(capsys, ini, db):
    ada, bo = add_users(db, ("ada", "administrator"), ("bo", "administrator"))
    assert run(capsys, "user", "deactivate", ini, "--username", "ada")[0] == 0
    assert not reread(db, ada).active
    result = run(capsys, "user", "deactivate", ini, "--username", "bo")
    assert one_line_error(*result, "role: 'bo' is the last active administrator")
    assert reread(db, bo).active and reread(db, bo).session_generation == 0

    assert run(capsys, "user", "activate", ini, "--username", "ada")[0] == 0
    assert run(capsys, "user", "deactivate", ini, "--username", "bo")[0] == 0
    assert not reread(db, bo).active


def test_activate_needs_a_free_seat(capsys, ini, db, signer):
    settings = {"frontdesk.license.public_keys": str(signer.with_suffix(".pub"))}
    key = issue(
        read_private_key(signer),
        licensee="Acme Ltd",
        edition=Edition.ENTERPRISE,
        seats=1,
        expires=dt.date.today() + dt.timedelta(days=365),
    )
    install_license(db, make_plugins(settings), settings, key)
    add_users(db, ("first", "agent"), ("second", "agent"), ("casey", "customer"))
    for name in ("second", "casey"):
        assert run(capsys, "user", "deactivate", ini, "--username", name)[0] == 0

    result = run(capsys, "user", "activate", ini, "--username", "second")
    assert one_line_error(*result, "role: All 1 agent seats of the license are in use")
    assert not reread(db, find_user(db, "second")).active

    code, out, _ = run(capsys, "user", "activate", ini, "--username", "casey")
    assert code == 0 and out == "Activated customer 'casey'.\n", "customers take no seat"


# --- user unlock ---------------------------------------------------------------------------


def test_unlock_lets_a_locked_out_administrator_log_in_again(capsys, ini, db, make_webapp):
    add_users(db, ("root", "administrator"))
    shared = make_webapp(["management"])
    app = TestApp(shared.app, extra_environ={**shared.extra_environ, "REMOTE_ADDR": "203.0.113.5"})

    def log_in(password, status):
        form = app.get("/management/login").forms["login-form"]
        form["username"], form["password"] = "root", password
        return form.submit(status=status)

    for _ in range(5):
        log_in("a-wrong-guess", 400)
    log_in(OLD, 429)

    code, out, err = run(capsys, "user", "unlock", ini, "--username", "ROOT")

    assert code == 0, err
    assert out == "Unlocked administrator 'root': they may log in from anywhere.\n"
    log_in(OLD, 303)
    code, out, _ = run(capsys, "user", "unlock", ini, "--username", "root")
    assert code == 0 and out == "Administrator 'root' was not locked.\n"


@pytest.mark.parametrize("action", ["password", "deactivate", "activate", "unlock"])
def test_unknown_usernames_give_one_line(capsys, ini, action):
    result = run(capsys, "user", action, ini, "--username", "ghost")
    assert one_line_error(*result, "no user named 'ghost'")


# --- access explain ------------------------------------------------------------------------


@pytest.fixture
def desk(db):
    """Sales and Billing; Sam works in Sales, Alex in Billing; Casey and Jordan each have
    a ticket: 1 (Sales, Casey's) and 2 (Billing, Jordan's)."""
    sales, billing = Department(name="Sales"), Department(name="Billing")
    db.add_all([sales, billing])
    db.flush()
    people = {
        "casey": create_user(db, username="casey", role="customer", password=None),
        "jordan": create_user(db, username="jordan", role="customer", password=None),
        "sam": create_user(db, username="sam", role="agent", password=None, departments=["Sales"]),
        "alex": create_user(
            db, username="alex", role="agent", password=None, departments=["Billing"]
        ),
        "ada": create_user(db, username="ada", role="administrator", password=None),
    }
    for number, requester, department in [("1", "casey", sales), ("2", "jordan", billing)]:
        db.add(
            Ticket(
                number=number,
                subject=f"ticket {number}",
                department=department,
                requester=people[requester],
            )
        )
    db.commit()
    return people


def explain(capsys, ini, username, ticket, *extra):
    code, out, err = run(
        capsys, "access", "explain", ini, "--username", username, "--ticket", ticket, *extra
    )
    assert code == 0, err
    return out.splitlines()


def test_a_customer_may_see_their_own_ticket(capsys, ini, desk):
    lines = explain(capsys, ini, "casey", "1")
    assert lines[0].startswith("ALLOWED: casey (customer) may use core:ticket:view on ticket 1")
    assert "department Sales, requester casey" in lines[0]
    assert lines[1:] == [
        "Rules:",
        "  core:requester  matches   customers may use core:ticket:view on their own tickets",
        "Deciding rule: core:requester",
    ]


def test_a_customer_may_not_see_someone_elses_ticket(capsys, ini, desk):
    lines = explain(capsys, ini, "casey", "2")
    assert lines[0].startswith("DENIED: casey (customer) may not use core:ticket:view on ticket 2")
    assert lines[1:] == [
        "Rules:",
        "  core:requester  no match  customers may use core:ticket:view on their own tickets",
        "Deciding rule: none; no rule matches this ticket (core:requester do not)",
    ]


@pytest.mark.parametrize(
    ("agent", "ticket", "verdict"),
    [
        ("sam", "1", "ALLOWED"),
        ("sam", "2", "DENIED"),
        ("alex", "1", "DENIED"),
        ("alex", "2", "ALLOWED"),
    ],
)
def test_agents_see_the_tickets_of_their_departments(capsys, ini, desk, agent, ticket, verdict):
    lines = explain(capsys, ini, agent, ticket)
    assert lines[0].startswith(f"{verdict}: {agent} (agent) ")
    match = "matches " if verdict == "ALLOWED" else "no match"
    assert (
        f"  core:department  {match}  {agent} holds core:ticket:view in the ticket's department"
        in lines
    )
    expected = "core:department" if verdict == "ALLOWED" else "none; no rule matches this ticket"
    assert lines[-1].startswith(f"Deciding rule: {expected}")


def test_administrators_and_other_permissions(capsys, ini, desk):
    lines = explain(capsys, ini, "ADA", "2")
    assert lines[0].startswith("ALLOWED: ada (administrator)")
    assert lines[-1] == "Deciding rule: core:administrator"

    lines = explain(capsys, ini, "casey", "1", "--permission", "core:ticket:note")
    assert lines[0].startswith("DENIED: casey (customer) may not use core:ticket:note")
    assert lines[1:] == [
        "Rules:",
        "  (none)",
        "Deciding rule: none; no rule grants core:ticket:note at all",
    ]


def test_a_deactivated_user_may_do_nothing(capsys, ini, desk):
    run(capsys, "user", "deactivate", ini, "--username", "casey")
    lines = explain(capsys, ini, "casey", "1")
    assert lines[0].startswith("DENIED: casey (customer, deactivated) may not use")


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--username", "ghost", "--ticket", "1"], "no user named 'ghost'"),
        (["--username", "casey", "--ticket", "99"], "no ticket numbered '99'"),
        (
            ["--username", "casey", "--ticket", "1", "--permission", "core:ticket:fly"],
            "no plugin declares the permission 'core:ticket:fly'",
        ),
    ],
)
def test_explain_mistakes_give_one_line_and_status_2(capsys, ini, desk, extra, words):
    assert one_line_error(*run(capsys, "access", "explain", ini, *extra), words)


def test_every_new_command_has_help(capsys):
    for command in (
        ["user", "password"],
        ["user", "deactivate"],
        ["user", "activate"],
        ["user", "unlock"],
        ["access"],
        ["access", "explain"],
    ):
        with pytest.raises(SystemExit) as exit:
            build_parser().parse_args([*command, "--help"])
        assert exit.value.code == 0
        assert "usage: frontdesk" in capsys.readouterr().out
