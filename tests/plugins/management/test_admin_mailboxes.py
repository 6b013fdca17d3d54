"""Mailboxes per department: set up, change (the password never shown back, blank keeps
it), deactivate, test the connection against a real IMAP server (dovecot); the
permission is per department."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.db.auth import PermissionGrant
from frontdesk.db.mail import Mailbox
from tests.mailservers import imap_server  # noqa: F401  (fixture)
from tests.plugins.management.test_admin_fixtures import (  # noqa: F401  (fixtures)
    ADMIN,
    admin_fixture,
    app_fixture,
    audit_log,
    desk_fixture,
    error,
    flashes,
    login,
    token,
)

SECRET = "imap-Secret-4711"
GOOD = {
    "address": "sales@example.com",
    "imap_host": "imap.example.com",
    "imap_port": "",
    "imap_security": "tls",
    "imap_folder": "INBOX",
    "imap_username": "sales",
    "imap_password": SECRET,
}


def mailbox_url(department_id):
    return f"{ADMIN}/mail/mailboxes/{department_id}"


def fill(app, department_id, **values):
    form = app.get(mailbox_url(department_id)).forms["mailbox-form"]
    for name, value in {**GOOD, **values}.items():
        form[name] = value
    return form.submit(status="*")


def stored(engine, department_id):
    with Session(engine) as db:
        mailbox = db.scalar(select(Mailbox).where(Mailbox.department_id == department_id))
        if mailbox is not None:
            db.expunge(mailbox)
        return mailbox


def test_set_up_a_mailbox_then_the_password_is_never_shown(admin, desk, engine):
    page = fill(admin, desk.sales)
    assert page.status_int == 303
    page = page.follow()
    assert flashes(page) == ["Mailbox of Sales saved."]
    row = page.html.select_one(f"#mailbox-{desk.sales}")
    assert "sales@example.com" in row.get_text() and "Active" in row.get_text()
    mailbox = stored(engine, desk.sales)
    assert mailbox.imap_port == 993 and mailbox.imap_folder == "INBOX" and mailbox.active
    assert SECRET not in str(mailbox.imap_password)  # encrypted at rest
    edit = admin.get(mailbox_url(desk.sales))
    assert SECRET not in edit.text
    assert edit.forms["mailbox-form"]["imap_password"].value == ""
    assert audit_log(engine)[-1] == (
        "ada",
        "mailbox.create",
        "mailbox of department Sales",
        "sales@example.com on imap.example.com:993",
    )
    assert SECRET not in repr(audit_log(engine))


def test_a_blank_password_keeps_the_stored_one(admin, desk, engine):
    fill(admin, desk.sales)
    before = stored(engine, desk.sales).imap_password
    page = fill(admin, desk.sales, imap_folder="Support", imap_password="")
    assert page.status_int == 303
    after = stored(engine, desk.sales)
    assert after.imap_folder == "Support" and after.imap_password == before
    assert audit_log(engine)[-1][1:] == (
        "mailbox.update",
        "mailbox of department Sales",
        "imap_folder 'INBOX' → 'Support'",
    )
    fill(admin, desk.sales, imap_folder="Support", imap_password="")  # nothing changed
    assert len(audit_log(engine)) == 2
    fill(admin, desk.sales, imap_folder="Support", imap_password="a-new-one")
    assert stored(engine, desk.sales).imap_password != before
    assert audit_log(engine)[-1][3] == "password changed"


def test_errors_beside_the_fields_input_kept_password_not(admin, desk, engine):
    page = fill(
        admin,
        desk.sales,
        address="not an address",
        imap_host="imap example com",
        imap_port="99999",
        imap_username="",
    )
    assert page.status_int == 400
    assert error(page, "address") == "Enter an e-mail address such as support@example.com."
    assert error(page, "imap_host") == "Enter a server name only, such as imap.example.com."
    assert error(page, "imap_port") == "Enter a port number from 1 to 65535."
    assert error(page, "imap_username") == "Enter the login name for the IMAP server."
    form = page.forms["mailbox-form"]
    assert form["address"].value == "not an address" and form["imap_port"].value == "99999"
    assert form["imap_password"].value == "" and SECRET not in page.text
    assert stored(engine, desk.sales) is None and audit_log(engine) == []


def test_a_new_mailbox_needs_a_password(admin, desk, engine):
    page = fill(admin, desk.sales, imap_password="")
    assert page.status_int == 400
    assert error(page, "imap_password") == "Enter the password for the IMAP server."
    assert stored(engine, desk.sales) is None


def test_a_forged_security_value_is_refused(admin, desk, engine):
    page = admin.post(
        mailbox_url(desk.sales),
        {**GOOD, "imap_security": "ssl3", "csrf_token": token(admin)},
        status=400,
    )
    assert error(page, "imap_security") == "Choose one of the answers in the list."
    assert stored(engine, desk.sales) is None


def test_deactivate_asks_first_and_reactivate(admin, desk, engine):
    fill(admin, desk.sales)
    page = admin.get(mailbox_url(desk.sales))
    confirm = page.forms["state-form"].submit("change", value="deactivate", status=200)
    assert "Stop fetching mail for Sales?" in confirm.text
    assert stored(engine, desk.sales).active
    page = confirm.forms["confirm-form"].submit(status=303).follow()
    assert flashes(page) == ["Mail for Sales is no longer fetched."]
    assert not stored(engine, desk.sales).active
    page = (
        admin.get(mailbox_url(desk.sales))
        .forms["state-form"]
        .submit("change", value="reactivate", status=303)
    )
    assert stored(engine, desk.sales).active
    assert [e[1] for e in audit_log(engine)[-2:]] == ["mailbox.deactivate", "mailbox.reactivate"]


def test_test_connection_without_a_server_says_why(admin, desk, engine):
    fill(admin, desk.sales, imap_host="127.0.0.1", imap_port="1", imap_security="none")
    page = admin.get(mailbox_url(desk.sales)).forms["test-form"].submit(status=303).follow()
    [message] = flashes(page)
    assert message.startswith("The connection failed:")
    assert SECRET not in page.text
    assert len(audit_log(engine)) == 1  # testing changes nothing


def _imap_settings(imap_server):  # noqa: F811
    return {
        "imap_host": imap_server.host,
        "imap_port": str(imap_server.port),
        "imap_security": "none",
        "imap_username": imap_server.username,
    }


def _test_connection(admin, desk, imap_server):  # noqa: F811
    page = admin.get(mailbox_url(desk.sales)).forms["test-form"].submit(status=303).follow()
    assert imap_server.password not in page.text
    return flashes(page)


def test_test_connection_refused_by_a_real_imap_server(admin, desk, engine, imap_server):  # noqa: F811
    fill(admin, desk.sales, **_imap_settings(imap_server), imap_password="not-the-password")
    [refused] = _test_connection(admin, desk, imap_server)
    assert refused.startswith("The connection failed: The server refused:")
    assert [e[1] for e in audit_log(engine)] == ["mailbox.create"]  # testing changes nothing


def test_test_connection_to_a_real_imap_server(admin, desk, imap_server):  # noqa: F811
    imap_server.append(b"From: ann@example.org\r\nSubject: hello\r\n\r\nHi\r\n")
    settings = _imap_settings(imap_server)
    fill(admin, desk.sales, **settings, imap_password=imap_server.password)
    assert _test_connection(admin, desk, imap_server) == [
        f"Connected: {imap_server.host} accepted the login and has the folder INBOX."
    ]
    fill(admin, desk.sales, **settings, imap_folder="Nowhere", imap_password="")
    [no_folder] = _test_connection(admin, desk, imap_server)
    assert no_folder.startswith("The connection failed:") and "Nowhere" in no_folder


def test_unknown_departments_and_absent_mailboxes_answer_404(admin, desk):
    admin.get(mailbox_url(999999), status=404)
    for action in ("state", "test"):
        admin.post(
            f"{mailbox_url(desk.sales)}/{action}",
            {"change": "reactivate", "csrf_token": token(admin)},
            status=404,
        )


@pytest.fixture(name="sales_mailbox_agent")
def sales_mailbox_agent_fixture(app, desk, commit):
    """Agent alex (Sales and Billing) granted the mailbox permission in Sales only."""
    with commit() as db:
        db.add(
            PermissionGrant(
                user_id=desk.alex, department_id=None, permission="management:dashboard:view"
            )
        )
        db.add(
            PermissionGrant(
                user_id=desk.alex,
                department_id=desk.sales,
                permission="management:mailboxes:manage",
            )
        )
    login(app, "alex")
    return app


def test_a_departmental_grant_reaches_that_department_only(sales_mailbox_agent, desk, engine):
    app = sales_mailbox_agent
    listing = app.get(f"{ADMIN}/mail/mailboxes")
    assert [th.get_text(strip=True) for th in listing.html.select("#mailboxes tbody th")] == [
        "Sales"
    ]
    assert fill(app, desk.sales).status_int == 303
    app.get(mailbox_url(desk.billing), status=403)
    app.post(mailbox_url(desk.billing), {**GOOD, "csrf_token": token(app)}, status=403)
    for action in ("state", "test"):
        app.post(
            f"{mailbox_url(desk.billing)}/{action}",
            {"change": "deactivate", "confirmed": "1", "csrf_token": token(app)},
            status=403,
        )
    assert stored(engine, desk.billing) is None
    app.get(f"{ADMIN}/settings", status=403)


def test_agents_without_the_grant_and_customers_are_refused(app, desk):
    login(app, "alex")
    app.get(f"{ADMIN}/mail/mailboxes", status=403)
    app.get(mailbox_url(desk.sales), status=403)
    app.post(mailbox_url(desk.sales), {**GOOD, "csrf_token": token(app)}, status=403)
    customer = app.__class__(app.app)
    login(customer, "casey", status=403)
    assert customer.get(mailbox_url(desk.sales), status=303).location.startswith(
        "http://localhost/management/login"
    )
