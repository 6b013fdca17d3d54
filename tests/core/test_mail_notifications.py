"""Notifications and outgoing mail end to end: ticket events in a real request
transaction, the job queue, and a real SMTP server (aiosmtpd) receiving the mail.

Runs on SQLite and PostgreSQL (``FRONTDESK_TEST_DATABASE_URL``).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from frontdesk import tickets
from frontdesk.db.outgoing import OutgoingMail
from frontdesk.db.state import set_setting
from frontdesk.db.tickets import Ticket
from frontdesk.db.users import User
from frontdesk.mail import outgoing_log, queue_mail, send_test_mail
from frontdesk.mail.notifications import KINDS, set_user_choice, user_choices
from frontdesk.mail.threading import ticket_id_from_message_id
from frontdesk.plugin_platform.events import notifier
from frontdesk.testing import (
    app_request,
    db_session,
    engine_of,
    make_agent,
    make_customer,
    make_department,
    run_jobs,
)
from tests.mailservers import smtp_server  # noqa: F401  (the fixture)


@pytest.fixture
def mail_settings(smtp_server):  # noqa: F811
    return {
        "frontdesk.mail.transport": "smtp",
        "frontdesk.mail.smtp_host": smtp_server.host,
        "frontdesk.mail.smtp_port": str(smtp_server.port),
        "frontdesk.mail.smtp_security": "none",
        "frontdesk.mail.smtp_timeout": "5",
        "frontdesk.mail.from": "Help Desk <help@help.example>",
        "frontdesk.mail.domain": "help.example",
    }


@pytest.fixture
def app(make_webapp, mail_settings):
    return make_webapp(**mail_settings)


@pytest.fixture
def people(app):
    support = make_department(app, "Support")
    make_department(app, "Sales")
    return {
        "support": support,
        "casey": make_customer(app, "casey"),
        "alex": make_agent(app, "alex", departments=["Support"]),
        "bo": make_agent(app, "bo", departments=["Sales"]),
    }


def act(app, change):
    """Run ``change(db, request)`` in a real request transaction, events and all."""
    with app_request(app) as request:
        result = change(request.dbsession, request)
        request.dbsession.flush()
        return getattr(result, "id", result)


def open_ticket(app, people, requester="casey", author=None):
    def change(db, request):
        user = db.scalar(select(User).where(User.username == requester))
        return tickets.create_ticket(
            db,
            requester=user,
            author=db.scalar(select(User).where(User.username == author)) if author else None,
            subject="Printer on fire",
            body="It <b>burns</b>!",
            department_id=people["support"].id,
            notify=notifier(request),
        )

    return act(app, change)


def user(db, name):
    return db.scalar(select(User).where(User.username == name))


def reply(app, ticket_id, author, body, note=False):
    def change(db, request):
        return tickets.add_message(
            db,
            db.get(Ticket, ticket_id),
            author=user(db, author),
            body=body,
            note=note,
            notify=notifier(request),
        )

    return act(app, change)


def recipients(sink):
    return sorted(a for m in sink.messages for a in m.envelope_to)


def test_new_ticket_tells_the_customer_and_the_departments_agents_only(
    app,
    people,
    smtp_server,  # noqa: F811
):
    ticket_id = open_ticket(app, people)
    smtp_server.wait_for(2)
    run_jobs(app)
    assert recipients(smtp_server) == ["alex@example.com", "casey@example.com"]  # not bo
    [received] = smtp_server.to("casey@example.com")
    assert received["Subject"].startswith("[#") and "Printer on fire" in received["Subject"]
    assert received["From"] == "Help Desk <help@help.example>"
    assert ticket_id_from_message_id(received["Message-ID"]) == ticket_id
    assert ticket_id_from_message_id(received["References"]) == ticket_id
    assert received["In-Reply-To"] == received["References"]
    [agent_mail] = smtp_server.to("alex@example.com")
    html = agent_mail.get_body(("html",)).get_content()
    assert "<b>burns</b>" not in html  # the customer's text, sanitised
    assert "burns" in agent_mail.get_body(("plain",)).get_content()


def test_agent_opening_a_ticket_for_a_customer_is_not_told_of_it(
    app,
    people,
    smtp_server,  # noqa: F811
):
    make_agent(app, "sam", departments=["Support"])
    open_ticket(app, people, author="alex")
    smtp_server.wait_for(2)
    run_jobs(app)
    assert recipients(smtp_server) == ["casey@example.com", "sam@example.com"]


def test_agent_reply_reaches_the_customer_with_its_text_and_threads(
    app,
    people,
    smtp_server,  # noqa: F811
):
    ticket_id = open_ticket(app, people)
    smtp_server.wait_for(2)
    smtp_server.clear()
    reply(app, ticket_id, "alex", "Please unplug it.")
    [mail] = smtp_server.wait_for(1)
    run_jobs(app)
    assert recipients(smtp_server) == ["casey@example.com"]  # not alex, the author
    assert "Please unplug it." in mail.get_body(("plain",)).get_content()
    assert "Please unplug it." in mail.get_body(("html",)).get_content()
    assert ticket_id_from_message_id(mail["In-Reply-To"]) == ticket_id


def test_internal_notes_never_reach_the_customer(app, people, smtp_server):  # noqa: F811
    ticket_id = open_ticket(app, people)
    smtp_server.wait_for(2)
    smtp_server.clear()
    reply(app, ticket_id, "alex", "Secret: customer is difficult", note=True)
    run_jobs(app)
    assert smtp_server.messages == []
    with db_session(engine_of(app)) as db:
        assert all("Secret" not in str(row.payload) for row in db.scalars(select(OutgoingMail)))


def test_customer_reply_goes_to_the_assignee_not_the_customer(
    app,
    people,
    smtp_server,  # noqa: F811
):
    ticket_id = open_ticket(app, people)
    act(
        app,
        lambda db, request: tickets.assign(
            db,
            db.get(Ticket, ticket_id),
            user(db, "alex"),
            by=user(db, "alex"),
            notify=notifier(request),
        ),
    )
    run_jobs(app)
    smtp_server.wait_for(2)
    assert len(smtp_server.to("alex@example.com")) == 1  # self-assignment: no mail for it
    smtp_server.clear()
    reply(app, ticket_id, "casey", "Still burning.")
    [mail] = smtp_server.wait_for(1)
    run_jobs(app)
    assert recipients(smtp_server) == ["alex@example.com"]
    assert "Still burning." in mail.get_body(("plain",)).get_content()


def test_assignment_by_someone_else_and_closing(app, people, smtp_server):  # noqa: F811
    make_agent(app, "sam", departments=["Support"])
    ticket_id = open_ticket(app, people)
    smtp_server.wait_for(3)
    smtp_server.clear()
    act(
        app,
        lambda db, request: tickets.assign(
            db,
            db.get(Ticket, ticket_id),
            user(db, "alex"),
            by=user(db, "sam"),
            notify=notifier(request),
        ),
    )
    [assigned] = smtp_server.wait_for(1)
    assert assigned.envelope_to == ["alex@example.com"]
    assert "Sam" in assigned.get_body(("plain",)).get_content()
    smtp_server.clear()
    act(
        app,
        lambda db, request: tickets.change_status(
            db, db.get(Ticket, ticket_id), "closed", by=user(db, "alex"), notify=notifier(request)
        ),
    )
    [closed] = smtp_server.wait_for(1)
    run_jobs(app)
    assert recipients(smtp_server) == ["casey@example.com"]
    assert "Closed" in closed["Subject"]


def test_switches_and_admin_defaults(app, people, smtp_server):  # noqa: F811
    with db_session(engine_of(app)) as db:
        set_user_choice(db, user(db, "casey"), "ticket_received", False)
        set_setting(db, KINDS["new_ticket"].setting, "false")
    with db_session(engine_of(app)) as db:
        assert user_choices(db, user(db, "casey"))["ticket_received"] is False
        assert user_choices(db, user(db, "alex"))["new_ticket"] is False
        assert "new_ticket" not in user_choices(db, user(db, "casey"))  # agents' kinds
        set_user_choice(db, user(db, "bo"), "new_ticket", True)  # outside the department
        with pytest.raises(KeyError):
            set_user_choice(db, user(db, "casey"), "everything", True)
    open_ticket(app, people)
    run_jobs(app)
    assert smtp_server.messages == []


def test_german_user_gets_german_mail(app, people, smtp_server):  # noqa: F811
    with db_session(engine_of(app)) as db:
        user(db, "casey").locale = "de"
    open_ticket(app, people)
    smtp_server.wait_for(2)
    run_jobs(app)
    [german] = smtp_server.to("casey@example.com")
    [english] = smtp_server.to("alex@example.com")
    assert "Ihre Anfrage ist eingegangen" in german["Subject"]
    assert german["Content-Language"] == "de"
    assert "Guten Tag Casey," in german.get_body(("plain",)).get_content()
    assert "Hello Alex," in english.get_body(("plain",)).get_content()


def test_smtp_down_retries_then_fails_with_the_reason_and_never_duplicates(
    app,
    people,
    smtp_server,  # noqa: F811
):
    smtp_server.refuse = "451 4.3.0 Mailbox busy, try later"
    with db_session(engine_of(app)) as db:
        queue_mail(db, to="ann@example.com", subject="Hi", body="Body", locale=None, key="k1")
    [entry] = log_of(app)
    assert entry.status == "retrying" and "Mailbox busy" in entry.error and entry.attempts == 1
    smtp_server.refuse = None
    run_jobs(app)
    [entry] = log_of(app)
    assert entry.status == "sent" and entry.attempts == 2
    assert len(smtp_server.messages) == 1
    # the same key again, and the job once more: nothing more leaves
    with db_session(engine_of(app)) as db:
        queue_mail(db, to="ann@example.com", subject="Hi", body="Body", locale=None, key="k1")
    run_jobs(app)
    assert len(smtp_server.messages) == 1


def test_unreachable_server_ends_failed(make_webapp, mail_settings, people):
    app = make_webapp(**{**mail_settings, "frontdesk.mail.smtp_port": "1"})
    with db_session(engine_of(app)) as db:
        send_test_mail(db, "ann@example.com", None)
    run_jobs(app)
    [entry] = log_of(app)
    assert entry.status == "failed" and entry.attempts == 6
    assert "ConnectionRefusedError" in entry.error


def test_worker_died_mid_send_sends_on_retry_with_the_same_message_id(
    app,
    people,
    smtp_server,  # noqa: F811
):
    smtp_server.refuse = "451 4.3.0 later"
    with db_session(engine_of(app)) as db:
        queue_mail(db, to="ann@example.com", subject="Hi", body="Body", locale=None, key="k2")
    with db_session(engine_of(app)) as db:
        row = db.scalar(select(OutgoingMail).where(OutgoingMail.key == "k2"))
        row.status = "sending"  # as a worker killed inside the SMTP transaction leaves it
        first_id = row.message_id
    smtp_server.refuse = None
    run_jobs(app)
    [mail] = smtp_server.wait_for(1)
    assert mail["Message-ID"] == first_id
    run_jobs(app)
    assert len(smtp_server.messages) == 1


def test_rolled_back_request_sends_nothing(app, people, smtp_server):  # noqa: F811
    with pytest.raises(RuntimeError), app_request(app) as request:
        db = request.dbsession
        tickets.create_ticket(
            db,
            requester=user(db, "casey"),
            subject="Never",
            body="x",
            department_id=people["support"].id,
            notify=notifier(request),
        )
        raise RuntimeError("the request fails after the event")
    run_jobs(app)
    assert smtp_server.messages == []


def test_test_mail_and_log(app, people, smtp_server):  # noqa: F811
    with db_session(engine_of(app)) as db:
        send_test_mail(db, "ops@example.com", "en")
    [mail] = smtp_server.wait_for(1)
    assert mail["Subject"] == "Test mail from your help desk"
    [entry] = log_of(app)
    assert (entry.to, entry.status, entry.error) == ("ops@example.com", "sent", None)


def log_of(app):
    """The outgoing log, read in a transaction of its own (closed at once)."""
    with db_session(engine_of(app)) as db:
        return outgoing_log(db)
