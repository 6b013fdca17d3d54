"""Fetching department mailboxes over IMAP (a real dovecot) and the MTA pipe command:
each mail processed exactly once, deleted from the mailbox only after its ticket (or its
quarantine entry) committed."""

from __future__ import annotations

import contextlib
import io
import sys

import pytest
from sqlalchemy import func, select, update

from frontdesk.cli import main
from frontdesk.db.jobs import OutboxEntry
from frontdesk.db.mail import InboundMail, Mailbox
from frontdesk.db.tickets import Ticket
from frontdesk.jobs import enqueue
from frontdesk.mail import fetch
from frontdesk.mail.mailboxes import save_mailbox
from frontdesk.mail.mailboxes import test_connection as check_connection
from frontdesk.testing import db_session, make_customer, make_department, run_jobs
from tests.mailservers import imap_server  # noqa: F401  (the fixture)
from tests.test_mail_inbound import mail


@pytest.fixture
def desk(webapp, imap_server):  # noqa: F811
    support = make_department(webapp, "Support")
    make_customer(webapp, "casey", email="casey@example.com")
    settings = webapp.app.registry.settings
    with db_session(_engine(webapp)) as db:
        save_mailbox(
            db,
            settings,
            department_id=support.id,
            address="help@example.com",
            imap_host=imap_server.host,
            imap_port=imap_server.port,
            imap_security="none",
            imap_username=imap_server.username,
            imap_password=imap_server.password,
        )
    return webapp, imap_server


def _engine(app):
    from frontdesk.testing import engine_of

    return engine_of(app)


def fetch_now(app) -> None:
    with db_session(_engine(app)) as db:
        enqueue(db, fetch.FETCH, {})
    run_jobs(app)


def count(engine, model) -> int:
    with db_session(engine) as db:
        return db.scalar(select(func.count()).select_from(model))


def test_the_stored_password_logs_in(desk, engine):
    app, _server = desk
    with db_session(engine) as db:
        box = db.scalar(select(Mailbox))
        assert check_connection(box, app.app.registry.settings) is None
        assert "refused" in str(check_connection(box, app.app.registry.settings, password="wrong"))


def test_fetched_mail_becomes_tickets_and_leaves_the_mailbox(desk, engine):
    app, server = desk
    server.append(mail(subject="First"))
    server.append(mail(subject="Second", sender="robin@example.org"))
    server.append(mail(subject="Out of office", headers={"Auto-Submitted": "auto-replied"}))
    fetch_now(app)
    with db_session(engine) as db:
        assert sorted(db.scalars(select(Ticket.subject))) == ["First", "Second"]
        statuses = sorted(db.scalars(select(InboundMail.status)))
        assert statuses == ["ignored", "ticket", "ticket"]
        box = db.scalar(select(Mailbox))
        assert box.last_error is None and box.last_checked_at is not None
    assert server.count() == 0


def test_a_mail_that_cannot_be_processed_is_quarantined_then_deleted(desk, engine):
    app, server = desk
    server.append(b"Subject: no sender at all\r\n\r\n\xff\xfe broken bytes\r\n")
    fetch_now(app)
    with db_session(engine) as db:
        row = db.scalar(select(InboundMail))
        assert (row.status, row.reason) == ("quarantined", "no_sender")
        assert b"broken bytes" in row.raw  # kept for the administrators
    assert count(engine, Ticket) == 0
    assert server.count() == 0


def test_the_same_mail_delivered_twice_is_processed_once(desk, engine):
    app, server = desk
    raw = mail()
    server.append(raw)
    server.append(raw)
    fetch_now(app)
    fetch_now(app)
    assert count(engine, Ticket) == 1
    assert server.count() == 0


def test_a_run_that_dies_before_commit_leaves_the_mail_for_the_next_run(desk, engine, monkeypatch):
    app, server = desk
    server.append(mail())
    real = fetch.fetch_mailbox

    def dies_after_processing(ctx, mailbox):
        real(ctx, mailbox)
        raise RuntimeError("worker killed before the commit")

    monkeypatch.setattr(fetch, "fetch_mailbox", dies_after_processing)
    with db_session(engine) as db:
        enqueue(db, fetch.FETCH, {})
    run_jobs(app, include_delayed=False)
    assert count(engine, Ticket) == 0
    assert server.count() == 1
    monkeypatch.setattr(fetch, "fetch_mailbox", real)
    with db_session(engine) as db:  # the retry, now
        db.execute(update(OutboxEntry).values(status="done"))
    fetch_now(app)
    assert count(engine, Ticket) == 1
    assert server.count() == 0


def test_killed_between_commit_and_delete_processes_nothing_twice(desk, engine, monkeypatch):
    app, server = desk
    server.append(mail())

    kills = []

    def killed(conn, uids):
        kills.append(uids)
        raise SystemExit("killed after the commit, before the delete")

    monkeypatch.setattr(fetch, "_delete", killed)
    # Test apps run jobs from the transaction's after-commit hook, which logs what
    # escapes a job instead of passing it on: the "kill" ends the job either way.
    with contextlib.suppress(SystemExit):
        fetch_now(app)
    assert kills, "the fetch was killed before deleting"
    assert count(engine, Ticket) == 1  # committed by the first run
    assert server.count() == 1  # still in the mailbox
    monkeypatch.undo()
    with db_session(engine) as db:  # the worker died: its follow-up run is gone too
        db.execute(update(OutboxEntry).values(status="done"))
    fetch_now(app)  # the next periodic run
    assert count(engine, Ticket) == 1
    assert count(engine, InboundMail) == 1
    assert server.count() == 0


def test_an_unreachable_server_is_recorded_on_the_mailbox(desk, engine):
    app, _server = desk
    with db_session(engine) as db:
        db.execute(update(Mailbox).values(imap_port=1))
    fetch_now(app)
    with db_session(engine) as db:
        assert "ConnectionRefused" in db.scalar(select(Mailbox.last_error))


# The MTA pipe -------------------------------------------------------------------------


@pytest.fixture
def ini(tmp_path, engine):
    url = engine.url.render_as_string(hide_password=False)
    path = tmp_path / "frontdesk.ini"
    path.write_text(
        f"[app:main]\nuse = egg:frontdesk\nsqlalchemy.url = {url}\n"
        "frontdesk.session.secret = cli-test\n"
    )
    return str(path)


def receive(monkeypatch, capsys, ini, raw: bytes, department: str = "Support"):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    code = main(["mail", "receive", ini, "--department", department])
    return code, capsys.readouterr().err


def test_mail_receive_stores_the_mail_and_a_job_processes_it(
    webapp, engine, ini, monkeypatch, capsys
):
    make_department(webapp, "Support")
    raw = mail()
    assert receive(monkeypatch, capsys, ini, raw) == (0, "")
    assert receive(monkeypatch, capsys, ini, raw) == (0, "")  # the MTA delivered it twice
    run_jobs(webapp)
    assert count(engine, Ticket) == 1


def test_mail_receive_exit_codes(webapp, engine, ini, tmp_path, monkeypatch, capsys):
    make_department(webapp, "Support")
    assert receive(monkeypatch, capsys, ini, b"")[0] == 65
    assert receive(monkeypatch, capsys, ini, b"just words, no header\n")[0] == 65
    code, err = receive(monkeypatch, capsys, ini, mail(), department="Nowhere")
    assert code == 64 and "Nowhere" in err
    down = tmp_path / "down.ini"
    down.write_text(
        "[app:main]\nuse = egg:frontdesk\n"
        "sqlalchemy.url = postgresql+psycopg://nobody@127.0.0.1:1/none\n"
    )
    code, err = receive(monkeypatch, capsys, str(down), mail())
    assert code == 75 and "try again later" in err
    assert receive(monkeypatch, capsys, str(tmp_path / "missing.ini"), mail())[0] == 78
    assert count(engine, InboundMail) == 0
