"""The quarantine: incoming mail that could not be processed, with its reason and
headers (never its body as HTML); retry and discard."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from frontdesk.db.mail import InboundMail, InboundStatus
from frontdesk.db.tickets import Ticket
from frontdesk.mail.inbound import digest
from tests.plugins.management.test_admin_fixtures import (  # noqa: F401  (fixtures)
    ADMIN,
    admin_fixture,
    app_fixture,
    audit_log,
    desk_fixture,
    flashes,
    login,
    token,
)

HOSTILE = "<script>alert(1)</script>"


def raw_mail(sender="stranger@example.org", subject="Help with my order"):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "sales@example.com"
    message["Subject"] = subject
    message["Message-ID"] = "<abc@example.org>"
    message["X-Odd"] = HOSTILE
    message.set_content(f"Please help. {HOSTILE}")
    return message.as_bytes()


@pytest.fixture(name="quarantined")
def quarantined_fixture(commit, desk):
    """A mail from an unknown sender, refused into the quarantine."""
    raw = raw_mail()
    with commit() as db:
        row = InboundMail(
            digest=digest(raw),
            department_id=desk.sales,
            sender="stranger@example.org",
            subject="Help with my order",
            message_id="<abc@example.org>",
            raw=raw,
            status=InboundStatus.QUARANTINED.value,
            reason="unknown_sender",
            detail="",
        )
        db.add(row)
        db.flush()
        return row.id


def status(engine, entry_id):
    with Session(engine) as db:
        row = db.get(InboundMail, entry_id)
        return None if row is None else row.status


def test_the_list_and_the_mail_show_reason_and_headers_escaped(admin, quarantined):
    listing = admin.get(f"{ADMIN}/mail/quarantine")
    row = listing.html.select_one(f"#inbound-{quarantined}")
    text = row.get_text(" ", strip=True)
    assert "stranger@example.org" in text and "Help with my order" in text and "Sales" in text
    assert "unknown senders may not open tickets" in text
    page = admin.get(f"{ADMIN}/mail/quarantine/{quarantined}")
    headers = dict(
        (tr.select_one("th").get_text(), tr.select_one("td").get_text())
        for tr in page.html.select("#headers tr")
    )
    assert headers["From"] == "stranger@example.org" and headers["X-Odd"] == HOSTILE
    assert HOSTILE not in page.text  # escaped, never markup
    assert "Please help" not in page.text  # the body is not shown


def test_discard_asks_first_then_deletes_with_an_audit_entry(admin, engine, quarantined):
    page = admin.get(f"{ADMIN}/mail/quarantine/{quarantined}")
    confirm = page.forms["quarantine-form"].submit("change", value="discard", status=200)
    assert "Discard this mail?" in confirm.text
    assert status(engine, quarantined) == "quarantined"
    page = confirm.forms["confirm-form"].submit(status=303).follow()
    assert flashes(page) == ["The mail was discarded."]
    assert status(engine, quarantined) == "discarded"
    assert page.html.select_one(f"#inbound-{quarantined}") is None
    assert audit_log(engine)[-1] == (
        "ada",
        "mail.inbound_discard",
        f"inbound mail {quarantined}",
        "",
    )


def test_retry_after_the_cause_is_fixed_opens_the_ticket(admin, engine, commit, quarantined):
    with commit() as db:  # the desk's tickets took their numbers outside the counter
        db.execute(delete(Ticket))
    page = admin.get(f"{ADMIN}/mail/quarantine/{quarantined}")
    page = page.forms["quarantine-form"].submit("change", value="retry", status=303).follow()
    assert flashes(page) == ["The mail is processed again."]
    assert audit_log(engine)[-1][1:3] == ("mail.inbound_retry", f"inbound mail {quarantined}")
    with Session(engine) as db:
        row = db.get(InboundMail, quarantined)
        # Unknown senders may open tickets (the default): this time it becomes one.
        assert row.status == InboundStatus.TICKET.value
        assert db.get(Ticket, row.ticket_id).subject == "Help with my order"


def test_entries_that_are_not_quarantined_answer_404(admin, commit, desk):
    raw = raw_mail(subject="fine")
    with commit() as db:
        row = InboundMail(
            digest=digest(raw), raw=raw, status=InboundStatus.TICKET.value, department_id=None
        )
        db.add(row)
        db.flush()
        done_id = row.id
    admin.get(f"{ADMIN}/mail/quarantine/{done_id}", status=404)
    admin.get(f"{ADMIN}/mail/quarantine/999999", status=404)
    admin.post(
        f"{ADMIN}/mail/quarantine/{done_id}",
        {"change": "discard", "confirmed": "1", "csrf_token": token(admin)},
        status=404,
    )


def test_agents_customers_and_forged_requests_are_refused(app, engine, quarantined):
    login(app, "alex")
    app.get(f"{ADMIN}/mail/quarantine", status=403)
    app.get(f"{ADMIN}/mail/quarantine/{quarantined}", status=403)
    app.post(
        f"{ADMIN}/mail/quarantine/{quarantined}",
        {"change": "discard", "confirmed": "1", "csrf_token": token(app)},
        status=403,
    )
    customer = app.__class__(app.app)
    login(customer, "casey", status=403)
    customer.get(f"{ADMIN}/mail/quarantine/{quarantined}", status=303)
    admin = app.__class__(app.app)
    login(admin, "ada")
    admin.post(
        f"{ADMIN}/mail/quarantine/{quarantined}",
        {"change": "discard", "confirmed": "1"},
        status=400,
    )
    admin.post(
        f"{ADMIN}/mail/quarantine/{quarantined}",
        {"change": "explode", "csrf_token": token(admin)},
        status=400,
    )
    assert status(engine, quarantined) == "quarantined"
    assert audit_log(engine) == []
