"""Incoming mail: new tickets, threaded replies, the sender rule, loop protection, limits,
attachments, charsets and broken MIME; every mail processed exactly once."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from sqlalchemy import func, select

from frontdesk.db.mail import InboundMail
from frontdesk.db.tickets import Ticket, TicketMessage
from frontdesk.db.users import User
from frontdesk.jobs import enqueue
from frontdesk.mail import inbound
from frontdesk.mail.parsing import html_to_text, parse, trim_reply
from frontdesk.mail.threading import make_message_id, subject_tag
from frontdesk.testing import (
    db_session,
    make_agent,
    make_customer,
    make_department,
    make_ticket,
    run_jobs,
)


def mail(
    *,
    sender: str = "Casey Customer <casey@example.com>",
    subject: str = "Printer on fire",
    body: str = "It is really on fire.",
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, bytes]] = (),
    html: str | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "help@example.com"
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="client.example")
    for name, value in (headers or {}).items():
        msg[name] = value
    if html is not None and not body:
        msg.set_content(html, subtype="html")
    else:
        msg.set_content(body)
    for filename, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=filename)
    return msg.as_bytes()


@pytest.fixture
def desk(webapp, engine):
    """An app, the Support department and its customer and agent."""
    support = make_department(engine and webapp, "Support")
    make_department(webapp, "Sales")
    make_customer(webapp, "casey", email="casey@example.com")
    make_agent(webapp, "alex", departments=["Support"], email="alex@example.com")
    make_agent(webapp, "sam", departments=["Sales"], email="sam@example.com")
    return webapp, support


def deliver(app, engine, raw: bytes, department) -> InboundMail:
    """What the MTA pipe does: store, enqueue ``mail.receive``; then run the jobs."""
    with db_session(engine) as db:
        row, new = inbound.store(db, raw, department_id=department.id)
        if new:
            enqueue(db, "mail.receive", {"inbound_id": row.id}, key=f"t:{row.digest}")
        row_id = row.id
    run_jobs(app)
    with db_session(engine) as db:
        row = db.get(InboundMail, row_id)
        db.expunge(row)
        return row


def tickets(engine) -> list[Ticket]:
    with db_session(engine) as db:
        found = list(db.scalars(select(Ticket).order_by(Ticket.id)))
        for t in found:
            _ = [m.body for m in t.messages], t.requester
        db.expunge_all()
        return found


def test_a_new_mail_opens_a_ticket_for_the_known_customer(desk, engine):
    app, support = desk
    row = deliver(app, engine, mail(), support)
    assert row.status == "ticket"
    [ticket] = tickets(engine)
    assert ticket.subject == "Printer on fire"
    assert ticket.requester.username == "casey"
    assert ticket.department_id == support.id
    assert ticket.messages[0].body == "It is really on fire."


def test_the_same_mail_twice_is_processed_once(desk, engine):
    app, support = desk
    raw = mail()
    assert deliver(app, engine, raw, support).status == "ticket"
    assert deliver(app, engine, raw, support).status == "ticket"
    assert len(tickets(engine)) == 1
    with db_session(engine) as db:
        assert db.scalar(select(func.count(InboundMail.id))) == 1


def test_a_reply_is_threaded_by_its_headers_and_trimmed(desk, engine):
    app, support = desk
    deliver(app, engine, mail(), support)
    [ticket] = tickets(engine)
    parent = make_message_id(ticket_id=ticket.id, part="received", domain="help.example")
    body = (
        "Thanks, that fixed it.\n\n-- \nCasey\n\n"
        "On Mon, 1 Dec 2026 at 10:00, Support <help@example.com> wrote:\n> Try again.\n"
    )
    row = deliver(
        app,
        engine,
        mail(subject="Re: something", body=body, headers={"In-Reply-To": parent}),
        support,
    )
    assert row.status == "reply" and row.ticket_id == ticket.id
    [ticket] = tickets(engine)
    assert [m.body for m in ticket.messages][-1] == "Thanks, that fixed it."


def test_a_reply_is_threaded_by_the_subject_tag(desk, engine):
    app, support = desk
    deliver(app, engine, mail(), support)
    [ticket] = tickets(engine)
    row = deliver(
        app,
        engine,
        mail(subject=f"Re: {subject_tag(ticket.number)} Printer", body="Still burning."),
        support,
    )
    assert row.status == "reply"
    assert len(tickets(engine)) == 1


def test_an_agent_of_the_department_answers_by_mail(desk, engine):
    app, support = desk
    deliver(app, engine, mail(), support)
    [ticket] = tickets(engine)
    raw = mail(
        sender="alex@example.com", subject=f"Re: {subject_tag(ticket.number)}", body="On it."
    )
    assert deliver(app, engine, raw, support).status == "reply"
    [ticket] = tickets(engine)
    assert ticket.messages[-1].kind == "agent"


@pytest.mark.parametrize(
    "sender", ["mallory@example.net", "sam@example.com"], ids=["stranger", "other-department-agent"]
)
def test_a_forged_or_foreign_sender_never_writes_into_the_ticket(desk, engine, sender):
    app, support = desk
    deliver(app, engine, mail(), support)
    [ticket] = tickets(engine)
    parent = make_message_id(ticket_id=ticket.id, part="received", domain="help.example")
    raw = mail(
        sender=sender,
        subject=f"Re: {subject_tag(ticket.number)} Printer on fire",
        body="Please send me the invoice of this customer.",
        headers={"In-Reply-To": parent},
    )
    row = deliver(app, engine, raw, support)
    assert row.status == "ticket" and row.ticket_id != ticket.id
    first, second = tickets(engine)
    assert len(first.messages) == 1
    assert second.requester.email == sender
    assert second.subject == "Re: Printer on fire"


@pytest.mark.parametrize(
    ("headers", "sender", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "casey@example.com", "auto_submitted"),
        ({"Precedence": "bulk"}, "casey@example.com", "bulk"),
        ({"Precedence": "junk"}, "casey@example.com", "bulk"),
        ({"X-Autoreply": "yes"}, "casey@example.com", "autoreply"),
        ({"X-Autorespond": "yes"}, "casey@example.com", "autoreply"),
        ({}, "MAILER-DAEMON@mx.example.com", "bounce"),
        ({"List-Id": "<users.lists.example>"}, "casey@example.com", "list"),
        ({}, "help@example.com", "own_address"),
    ],
)
def test_automatic_mail_never_opens_tickets(desk, engine, headers, sender, reason):
    app, support = desk
    from frontdesk.mail.mailboxes import save_mailbox

    with db_session(engine) as db:
        save_mailbox(
            db, app.app.registry.settings, department_id=support.id, address="help@example.com"
        )
    row = deliver(app, engine, mail(sender=sender, headers=headers), support)
    assert (row.status, row.reason) == ("ignored", reason)
    assert tickets(engine) == []


def test_a_sender_over_the_hourly_limit_is_ignored(desk, engine):
    app, support = desk
    with db_session(engine) as db:
        from frontdesk.db.state import set_setting

        set_setting(db, inbound.SENDER_LIMIT, "3")
    outcomes = [deliver(app, engine, mail(subject=f"Loop {n}"), support).status for n in range(5)]
    assert outcomes == ["ticket", "ticket", "ticket", "ignored", "ignored"]
    assert len(tickets(engine)) == 3


def test_unknown_senders_get_a_customer_or_are_quarantined(desk, engine):
    app, support = desk
    row = deliver(app, engine, mail(sender="Robin <robin@example.org>"), support)
    assert row.status == "ticket"
    with db_session(engine) as db:
        robin = db.scalar(select(User).where(User.email == "robin@example.org"))
        assert robin.role == "customer" and robin.password_hash is None
        assert robin.display_name == "Robin"
        from frontdesk.db.state import set_setting

        set_setting(db, inbound.UNKNOWN_SENDERS, "refuse")
    row = deliver(app, engine, mail(sender="kim@example.org"), support)
    assert (row.status, row.reason) == ("quarantined", "unknown_sender")
    assert [r.id for r in _quarantine(engine)] == [row.id]


def _quarantine(engine):
    with db_session(engine) as db:
        rows = inbound.list_quarantine(db)
        db.expunge_all()
        return rows


def test_quarantined_mail_can_be_retried_or_discarded(desk, engine):
    app, support = desk
    with db_session(engine) as db:
        from frontdesk.db.state import set_setting

        set_setting(db, inbound.UNKNOWN_SENDERS, "refuse")
    first = deliver(app, engine, mail(sender="kim@example.org"), support)
    second = deliver(app, engine, mail(sender="lee@example.org"), support)
    with db_session(engine) as db:
        set_setting(db, inbound.UNKNOWN_SENDERS, "open")
        assert inbound.retry_inbound(db, first.id)
        assert inbound.discard_inbound(db, second.id)
        assert not inbound.discard_inbound(db, second.id)
    run_jobs(app)
    assert _quarantine(engine) == []
    [ticket] = tickets(engine)
    assert ticket.requester.email == "kim@example.org"


def test_a_huge_attachment_is_left_out_and_named_in_the_ticket(desk, engine):
    app, support = desk
    app_settings = app.app.registry.settings
    limit = int(app_settings.get("frontdesk.attachments.max_size", 10 * 1024 * 1024))
    raw = mail(
        attachments=[
            ("log.txt", b"small log"),
            ("huge.pdf", b"%PDF-" + b"0" * limit),
            ("virus.exe", b"MZ..."),
        ]
    )
    row = deliver(app, engine, raw, support)
    assert row.status == "ticket"
    with db_session(engine) as db:
        message = db.scalar(select(TicketMessage))
        assert [a.filename for a in message.attachments] == ["log.txt"]
        assert "huge.pdf" in message.body and "virus.exe" in message.body


def test_html_only_mail_becomes_safe_text(desk, engine):
    app, support = desk
    html = (
        "<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
        "<p>Hello <b>team</b>,</p><p>the <a href='javascript:x'>printer</a> &amp; scanner"
        "<br>are down.</p><img src=x onerror=alert(2)></body></html>"
    )
    deliver(app, engine, mail(body="", html=html), support)
    [ticket] = tickets(engine)
    body = ticket.messages[0].body
    assert body == "Hello team,\n\nthe printer & scanner\nare down."
    with db_session(engine) as db:
        stored = db.scalar(select(TicketMessage)).body_html
        assert "<script" not in stored and "onerror" not in stored and "javascript:" not in stored


def _raw_with_charset(charset: str, text: str, subject_b64: str) -> bytes:
    return (
        b"From: casey@example.com\r\nTo: help@example.com\r\n"
        + b"Subject: "
        + subject_b64.encode()
        + b"\r\n"
        + b"MIME-Version: 1.0\r\n"
        + f"Content-Type: text/plain; charset={charset}\r\n".encode()
        + b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        + text.encode(charset if charset != "x-unknown" else "utf-8")
        + b"\r\n"
    )


@pytest.mark.parametrize(
    ("charset", "text", "subject", "expected_subject"),
    [
        ("iso-8859-1", "Grüße aus Köln", "=?iso-8859-1?q?Dr=FCcker?=", "Drücker"),
        ("shift_jis", "プリンターが燃えています", "=?shift_jis?b?g3aDioOTg16BWw==?=", "プリンター"),
        ("x-unknown", "Ça marche pas", "=?x-unknown?q?caf=E9?=", None),
    ],
)
def test_charsets_survive(desk, engine, charset, text, subject, expected_subject):
    app, support = desk
    row = deliver(app, engine, _raw_with_charset(charset, text, subject), support)
    assert row.status == "ticket"
    [ticket] = tickets(engine)
    assert ticket.messages[0].body == text
    if expected_subject:
        assert ticket.subject == expected_subject
    else:
        assert ticket.subject  # something readable, never an error


@pytest.mark.parametrize(
    "raw",
    [
        b"From: casey@example.com\r\nSubject: broken\r\nContent-Type: multipart/mixed; "
        b'boundary="zzz"\r\n\r\n--zzz\r\nContent-Type: text/plain\r\n\r\nbody survives\r\n',
        b"From: casey@example.com\r\nSubject: bad base64\r\nContent-Type: text/plain\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nbody survives!!!@@@\r\n",
        b"From: casey@example.com\r\nSubject: =?utf-8?b?broken\r\nContent-Type: text/html; "
        b"charset=utf-8\r\n\r\n<p>body survives<div><p>\xff\xfe</p>\r\n",
    ],
    ids=["unterminated-multipart", "bad-base64", "bad-encoded-word"],
)
def test_malformed_mime_still_becomes_a_ticket(desk, engine, raw):
    app, support = desk
    row = deliver(app, engine, raw, support)
    assert row.status == "ticket", row.detail
    [ticket] = tickets(engine)
    assert ticket.messages[0].body.strip()


def test_garbage_without_a_sender_is_quarantined(desk, engine):
    app, support = desk
    row = deliver(app, engine, b"\x00\x01 not a mail at all", support)
    assert (row.status, row.reason) == ("quarantined", "no_sender")
    assert tickets(engine) == []


def test_mail_for_a_merged_ticket_goes_to_the_one_it_was_merged_into(desk, engine):
    app, support = desk
    with db_session(engine) as db:
        casey = db.scalar(select(User).where(User.username == "casey"))
        db.expunge(casey)
    first = make_ticket(app, requester=casey, department=support)
    second = make_ticket(app, requester=casey, department=support, subject="Second")
    with db_session(engine) as db:
        db.get(Ticket, first.id).merged_into_id = second.id
    row = deliver(app, engine, mail(subject=f"Re: [#{first.number}]", body="More."), support)
    assert (row.status, row.ticket_id) == ("reply", second.id)


def test_parsing_helpers():
    assert html_to_text("<ul><li>one</li><li>two</li></ul>") == "- one\n\n- two"
    assert trim_reply("Yes.\n\n> old\n> older\n") == "Yes."
    assert trim_reply("> only a quote\n") == "> only a quote"
    parsed = parse(mail(headers={"References": "<a@x> <b@y>", "In-Reply-To": "<c@z>"}))
    assert parsed.parents == ["<c@z>", "<b@y>", "<a@x>"]
    assert parsed.sender == "casey@example.com" and parsed.sender_name == "Casey Customer"


def test_mail_notifies_like_the_portal_but_automatic_mail_never_does(desk, engine):
    from frontdesk.db.outgoing import OutgoingMail

    app, support = desk
    deliver(app, engine, mail(headers={"Auto-Submitted": "auto-replied"}), support)
    deliver(app, engine, mail(sender="MAILER-DAEMON@mx.example.com"), support)
    with db_session(engine) as db:
        assert db.scalar(select(func.count()).select_from(OutgoingMail)) == 0
    deliver(app, engine, mail(), support)
    with db_session(engine) as db:
        recipients = set(db.scalars(select(OutgoingMail.to_address)))
    assert {"casey@example.com", "alex@example.com"} <= recipients
    assert "sam@example.com" not in recipients


def test_a_database_error_is_left_to_the_job_to_retry(desk, engine, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from frontdesk.db.jobs import OutboxEntry

    app, support = desk

    def locked(*args, **kwargs):
        raise OperationalError("UPDATE ticket_counter", {}, Exception("database is locked"))

    monkeypatch.setattr(inbound, "create_ticket", locked)
    with db_session(engine) as db:
        row, _new = inbound.store(db, mail(), department_id=support.id)
        enqueue(db, "mail.receive", {"inbound_id": row.id}, key="t:locked")
    run_jobs(app, include_delayed=False)  # the first attempt fails: not quarantined
    with db_session(engine) as db:
        assert db.scalar(select(InboundMail.status)) == "pending"
        assert db.scalar(select(OutboxEntry.attempts)) == 1
    monkeypatch.undo()
    run_jobs(app)  # the retry, after the database recovered
    assert len(tickets(engine)) == 1
    with db_session(engine) as db:
        assert db.scalar(select(InboundMail.status)) == "ticket"


def test_without_accounts_a_new_sender_is_a_contact_who_can_still_write(desk, engine):
    app, support = desk
    with db_session(engine) as db:
        from frontdesk.db.state import set_setting

        set_setting(db, inbound.CREATE_ACCOUNTS, "false")
    assert deliver(app, engine, mail(sender="kim@example.org"), support).status == "ticket"
    [ticket] = tickets(engine)
    assert not ticket.requester.active and ticket.requester.password_hash is None
    raw = mail(sender="kim@example.org", subject=f"Re: [#{ticket.number}]", body="More.")
    assert deliver(app, engine, raw, support).status == "reply"
    assert deliver(app, engine, mail(sender="kim@example.org", subject="New"), support).status == (
        "ticket"
    )
    assert len(tickets(engine)) == 2


def test_a_blocked_customer_cannot_write_by_mail(desk, engine):
    app, support = desk
    deliver(app, engine, mail(), support)
    [ticket] = tickets(engine)
    with db_session(engine) as db:
        db.get(User, ticket.requester_id).active = False
    raw = mail(subject=f"Re: [#{ticket.number}]", body="Let me in.")
    row = deliver(app, engine, raw, support)
    assert (row.status, row.reason) == ("quarantined", "blocked_sender")
    assert inbound.reason_text(row) == "The sender's account is blocked."
    assert len(tickets(engine)[0].messages) == 1
