"""Department mailboxes: saving, the password encrypted and kept, the department address."""

import pytest

from frontdesk.db.mail import Mailbox
from frontdesk.identity.accounts import ValidationError
from frontdesk.mail.mailboxes import (
    address_for_department,
    decrypt_password,
    list_mailboxes,
    save_mailbox,
)
from frontdesk.mail.mailboxes import (
    test_connection as check_connection,
)
from frontdesk.testing import make_department

SETTINGS = {"frontdesk.session.secret": "test-secret-for-mailboxes"}


def test_a_saved_mailbox_keeps_its_password_encrypted_and_unchanged_when_left_blank(db):
    support = make_department(db, "Support")
    box = save_mailbox(
        db,
        SETTINGS,
        department_id=support.id,
        address="help@example.com",
        imap_host="imap.example.com",
        imap_security="tls",
        imap_username="help",
        imap_password="s3cret-pw",
    )
    assert box.imap_port == 993
    assert "s3cret-pw" not in box.imap_password
    assert decrypt_password(SETTINGS, box) == "s3cret-pw"
    save_mailbox(
        db, SETTINGS, department_id=support.id, address="Help@Example.com", imap_password=None
    )
    assert db.query(Mailbox).count() == 1
    assert decrypt_password(SETTINGS, box) == "s3cret-pw"
    assert decrypt_password({"frontdesk.session.secret": "another-secret"}, box) == ""
    assert address_for_department(db, support.id) == "Help@Example.com"
    assert address_for_department(db, None) is None
    assert [m.address for m in list_mailboxes(db)] == ["Help@Example.com"]
    box.active = False
    db.flush()
    assert address_for_department(db, support.id) is None


def test_invalid_values_are_refused_field_by_field(db):
    support = make_department(db, "Support")
    with pytest.raises(ValidationError) as caught:
        save_mailbox(
            db,
            SETTINGS,
            department_id=support.id,
            address="not an address",
            imap_host="bad host",
            imap_port=70000,
            imap_security="ssl3",
        )
    assert set(caught.value.errors) == {"address", "imap_host", "imap_port", "imap_security"}


def test_connection_problems_are_explained(db):
    support = make_department(db, "Support")
    box = save_mailbox(db, SETTINGS, department_id=support.id, address="help@example.com")
    assert "No IMAP server" in str(check_connection(box, SETTINGS))
    box.imap_host, box.imap_port, box.imap_security = "127.0.0.1", 1, "none"
    assert "Cannot reach" in check_connection(box, SETTINGS).interpolate()
