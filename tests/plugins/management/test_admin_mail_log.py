"""The outgoing mail log with its test mail, and the failed jobs page, against a real
SMTP server (aiosmtpd): a refusing server leaves a retried, then failed mail whose job an
administrator retries once the server accepts again."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.db.auth import PermissionGrant
from frontdesk.db.jobs import OutboxEntry
from frontdesk.testing import run_jobs
from tests.mailservers import smtp_server  # noqa: F401  (fixture)
from tests.plugins.management.test_admin_fixtures import (  # noqa: F401  (fixtures)
    ADMIN,
    BUILTIN,
    audit_log,
    desk_fixture,
    error,
    flashes,
    login,
    token,
)

REFUSAL = "451 4.3.0 mailbox busy, try later"


@pytest.fixture(name="app")
def app_fixture(make_webapp, desk, smtp_server):  # noqa: F811
    return make_webapp(
        BUILTIN,
        **{
            "frontdesk.mail.transport": "smtp",
            "frontdesk.mail.smtp_host": smtp_server.host,
            "frontdesk.mail.smtp_port": str(smtp_server.port),
            "frontdesk.mail.smtp_security": "none",
            "frontdesk.mail.smtp_timeout": "5",
            "frontdesk.mail.from": "Support <support@help.example>",
        },
    )


def send_test_mail(app, to):
    form = app.get(f"{ADMIN}/mail/outgoing").forms["test-mail-form"]
    form["to"] = to
    return form.submit(status="*")


def log_rows(page):
    return [
        [cell.get_text(" ", strip=True) for cell in row.select("td")]
        for row in page.html.select("#mail-log tbody tr")
    ]


def test_a_test_mail_arrives_and_is_logged_as_sent(app, engine, smtp_server):  # noqa: F811
    login(app, "ada")
    page = send_test_mail(app, "ops@example.com")
    assert page.status_int == 303
    [mail] = smtp_server.wait_for(1)
    assert mail.envelope_to == ["ops@example.com"]
    page = page.follow()
    assert flashes(page)[0].startswith("A test mail to ops@example.com is on its way")
    [row] = log_rows(page)
    assert row[1] == "ops@example.com" and row[3] == "sent" and row[4] == "1"
    assert audit_log(engine)[-1] == ("ada", "mail.test", "address ops@example.com", "")


def test_a_wrong_address_is_refused_beside_the_field_and_kept(app, engine, smtp_server):  # noqa: F811
    login(app, "ada")
    page = send_test_mail(app, "not an address")
    assert page.status_int == 400
    assert error(page, "to") == "Enter an e-mail address such as someone@example.com."
    assert page.forms["test-mail-form"]["to"].value == "not an address"
    with Session(engine) as db:
        assert db.scalars(select(OutboxEntry)).all() == []
    assert audit_log(engine) == []


def test_a_refused_mail_is_retried_then_failed_and_a_retry_sends_it_once(
    app,
    engine,
    smtp_server,  # noqa: F811
):
    smtp_server.refuse = REFUSAL
    login(app, "ada")
    send_test_mail(app, "ops@example.com")
    page = app.get(f"{ADMIN}/mail/outgoing")
    [row] = log_rows(page)
    assert row[3].startswith("waiting for a retry") and "451" in row[3]

    run_jobs(app)  # the backoff is skipped: every retry fails
    [row] = log_rows(app.get(f"{ADMIN}/mail/outgoing"))
    assert row[3].startswith("failed") and "mailbox busy" in row[3]

    jobs = app.get(f"{ADMIN}/jobs")
    [job] = jobs.html.select("#jobs tbody tr")
    assert job.select_one("th").get_text(strip=True) == "mail.send"
    assert "mailbox busy" in job.get_text()

    smtp_server.refuse = None
    form = jobs.forms[f"job-form-{job['id'][4:]}"]
    page = form.submit("change", value="retry", status=303).follow()
    assert flashes(page) == ["The job mail.send is queued again."]
    smtp_server.wait_for(1)
    run_jobs(app)
    assert len(smtp_server.messages) == 1
    assert app.get(f"{ADMIN}/jobs").html.select("#jobs tbody tr") == []
    [row] = log_rows(app.get(f"{ADMIN}/mail/outgoing"))
    assert row[3] == "sent"
    assert audit_log(engine)[-1][1:3] == ("job.retry", f"job {job['id'][4:]} mail.send")


def test_discarding_a_failed_job_asks_first(app, engine, commit):
    with commit() as db:
        entry = OutboxEntry(name="mail.send", payload={}, status="failed", last_error="boom")
        db.add(entry)
        db.flush()
        entry_id = entry.id
    login(app, "ada")
    jobs = app.get(f"{ADMIN}/jobs")
    confirm = jobs.forms[f"job-form-{entry_id}"].submit("change", value="discard", status=200)
    assert "Discard the job mail.send?" in confirm.text
    with Session(engine) as db:
        assert db.get(OutboxEntry, entry_id) is not None
    page = confirm.forms["confirm-form"].submit(status=303).follow()
    assert flashes(page) == ["The job mail.send was discarded."]
    with Session(engine) as db:
        assert db.get(OutboxEntry, entry_id) is None
    assert audit_log(engine)[-1] == ("ada", "job.discard", f"job {entry_id} mail.send", "boom")


def test_only_failed_jobs_can_be_retried_or_discarded(app, engine, commit):
    with commit() as db:
        done = OutboxEntry(name="mail.send", payload={}, status="done")
        db.add(done)
        db.flush()
        done_id = done.id
    login(app, "ada")
    for change in ("retry", "discard"):
        app.post(
            f"{ADMIN}/jobs/{done_id}",
            {"change": change, "confirmed": "1", "csrf_token": token(app)},
            status=404,
        )
        app.post(f"{ADMIN}/jobs/999999", {"change": change, "csrf_token": token(app)}, status=404)
    assert audit_log(engine) == []


def test_agents_and_customers_are_refused(app, desk, commit):
    login(app, "alex")
    for path in ("/mail/outgoing", "/jobs"):
        app.get(ADMIN + path, status=403)
    app.post(
        f"{ADMIN}/mail/outgoing", {"to": "x@example.com", "csrf_token": token(app)}, status=403
    )
    customer = app.__class__(app.app)
    login(customer, "casey", status=403)
    for path in ("/mail/outgoing", "/jobs"):
        assert customer.get(ADMIN + path, status=303).location.startswith(
            "http://localhost/management/login"
        )


def test_an_agent_granted_the_mail_log_sees_it_but_not_the_jobs(app, desk, commit):
    with commit() as db:
        for permission in ("management:dashboard:view", "management:mail:manage"):
            db.add(PermissionGrant(user_id=desk.alex, department_id=None, permission=permission))
    login(app, "alex")
    index = app.get(f"{ADMIN}/")
    assert [a.text for a in index.html.select("nav.admin-nav a")] == [
        "Outgoing mail",
        "Quarantine",
    ]
    app.get(f"{ADMIN}/mail/outgoing")
    app.get(f"{ADMIN}/jobs", status=403)
