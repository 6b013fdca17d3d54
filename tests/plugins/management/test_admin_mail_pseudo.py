"""Every string of the mail pages goes through translation, with rows in every table
(the pseudo-locale crawler sees them empty): mailboxes, the outgoing log, the
quarantine, failed jobs and the Settings page, rendered in the pseudo-locale."""

from __future__ import annotations

import datetime as dt

import pytest

from frontdesk.db.jobs import OutboxEntry
from frontdesk.db.mail import InboundMail, InboundStatus, Mailbox
from frontdesk.db.outgoing import OutgoingMail
from frontdesk.i18n import LOCALE_COOKIE, PSEUDO_LOCALE
from tests.plugins.management.test_admin_fixtures import (  # noqa: F401  (fixtures)
    ADMIN,
    BUILTIN,
    desk_fixture,
    login,
)
from tests.translations import untranslated

#: What users typed or servers said: it cannot carry the pseudo-locale's markers.
DATA = [
    "Sales",
    "Billing",
    "sales@example.com",
    "imap.example.com",
    "ops@example.com",
    "stranger@example.org",
    "Help with my order",
    "Test",
    "451 busy",
    "IMAP down",
    "ada",
    "Ada Admin",
]


@pytest.fixture(name="pseudo")
def pseudo_fixture(make_webapp, desk, commit):
    now = dt.datetime(2026, 1, 5, 9, 30)
    with commit() as db:
        db.add(
            Mailbox(
                department_id=desk.sales,
                address="sales@example.com",
                imap_host="imap.example.com",
                imap_username="sales",
                imap_password="encrypted",
                last_checked_at=now,
                last_error="IMAP down",
            )
        )
        for status in ("sent", "retrying", "failed"):
            db.add(
                OutgoingMail(
                    key=f"k-{status}",
                    to_address="ops@example.com",
                    subject="Test",
                    status=status,
                    attempts=2,
                    last_error="451 busy",
                    created_at=now,
                    updated_at=now,
                )
            )
        db.add(OutboxEntry(name="mail.send", status="failed", last_error="451 busy", attempts=5))
        raw = b"From: stranger@example.org\r\nSubject: Help with my order\r\n\r\nHi\r\n"
        inbound = InboundMail(
            digest="d" * 64,
            department_id=desk.sales,
            sender="stranger@example.org",
            subject="Help with my order",
            raw=raw,
            status=InboundStatus.QUARANTINED.value,
            reason="unknown_sender",
            received_at=now,
        )
        db.add(inbound)
        db.flush()
        inbound_id = inbound.id
    app = make_webapp(
        BUILTIN, **{"frontdesk.i18n.pseudo_locale": "true", "frontdesk.product_name": "⟦Acme⟧"}
    )
    login(app, "ada")
    app.set_cookie(LOCALE_COOKIE, PSEUDO_LOCALE)
    return app, inbound_id


@pytest.mark.parametrize(
    "path",
    [
        "/mail/mailboxes",
        "/mail/mailboxes/{sales}",
        "/mail/mailboxes/{billing}",
        "/mail/outgoing",
        "/mail/quarantine",
        "/mail/quarantine/{inbound}",
        "/jobs",
        "/settings",
    ],
)
def test_the_mail_pages_are_translated(pseudo, desk, path):
    app, inbound_id = pseudo
    page = app.get(ADMIN + path.format(inbound=inbound_id, **vars(desk)))
    assert "⟦" in page.text
    assert untranslated(page.text, DATA) == []
