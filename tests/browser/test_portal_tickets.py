"""A customer's tickets in Chromium: submit with a file, reply, close, reopen; phone width."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from frontdesk.db.users import Department
from frontdesk.identity.accounts import create_user, find_user
from frontdesk.tickets import add_message, create_ticket, find_ticket
from tests.browser.conftest import page_width, screenshot
from tests.servers import threaded_server

LONG_SUBJECT = (
    "The invoice PDF for order ACME-2026-000123456789 cannot be opened on my phone "
    "(https://example.com/a/very/long/link/that/does/not/break/anywhere/at/all)"
)


@pytest.fixture
def site(make_webapp, commit):
    with commit() as db:
        db.add_all([Department(name="Support"), Department(name="Billing")])
        db.flush()
        create_user(
            db,
            username="casey",
            role="customer",
            password="casey-password",
            display_name="Casey Customer",
        )
        create_user(
            db, username="alex", role="agent", password="alex-password", departments=["Support"]
        )
    app = make_webapp(["portal", "management", "kb", "chat"])
    with threaded_server(app.app) as url:
        yield url


def log_in(page, site):
    page.goto(site + "/login")
    page.get_by_label("Username").fill("casey")
    page.get_by_label("Password").fill("casey-password")
    page.get_by_role("button", name="Login").click()
    expect(page.locator(".user-menu__name")).to_be_visible()


def test_submit_with_a_file_reply_close_and_reopen(desktop, site, tmp_path):
    page = desktop
    log_in(page, site)
    page.get_by_role("link", name="Submit a ticket").click()
    expect(page.get_by_role("heading", name="Submit a ticket")).to_be_visible()

    page.get_by_label("Department").select_option(label="Support")
    page.get_by_label("Subject").fill("Printer on fire")
    page.get_by_label("Message").fill("It **smokes** when I print.")
    log = tmp_path / "error-log.txt"
    log.write_text("paper jam at 10:42\n")
    page.get_by_label("Attachments").set_input_files(str(log))
    page.get_by_role("button", name="Submit ticket").click()

    expect(page.get_by_text("Ticket #1001 was created.")).to_be_visible()
    expect(page.locator(".ticket-number")).to_have_text("#1001")
    assert re.search(r"/tickets/1001$", page.url)
    with page.expect_download() as download:
        page.get_by_role("link", name="error-log.txt").click()
    assert download.value.suggested_filename == "error-log.txt"
    screenshot(page, "portal-ticket-created")

    page.get_by_label("Your message").fill("Here is more detail: it happens every time.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Your reply was sent.")).to_be_visible()
    expect(page.locator(".message__body").last).to_have_text(
        "Here is more detail: it happens every time."
    )
    assert re.search(r"/tickets/1001#message-\d+$", page.url)

    page.get_by_role("button", name="Close ticket").click()
    expect(page.get_by_text("Ticket #1001 was closed.")).to_be_visible()
    expect(page.locator(".ticket-header .badge")).to_have_text("Closed")
    screenshot(page, "portal-ticket-closed")

    page.get_by_role("button", name="Reopen ticket").click()
    expect(page.get_by_text("Ticket #1001 was reopened.")).to_be_visible()
    expect(page.locator(".ticket-header .badge")).to_have_text("Open")

    page.locator("summary.user-menu__name").click()
    page.locator(".user-menu__items").get_by_role("link", name="My tickets").click()
    expect(page.locator(".ticket-table__number")).to_have_text(["#1001"])
    screenshot(page, "portal-my-tickets")


def test_errors_show_beside_the_fields(desktop, site):
    page = desktop
    log_in(page, site)
    page.goto(site + "/tickets/new")
    page.get_by_label("Subject").fill("Kept subject")
    page.get_by_role("button", name="Submit ticket").click()
    expect(page.locator("#department-error")).to_have_text("Choose a department.")
    expect(page.locator("#body-error")).to_have_text("Write a message.")
    expect(page.get_by_label("Subject")).to_have_value("Kept subject")
    screenshot(page, "portal-ticket-form-errors")


@pytest.fixture
def busy_site(site, commit):
    """Casey has a page of tickets with long subjects and a conversation with a file."""
    with commit() as db:
        casey, alex = find_user(db, "casey"), find_user(db, "alex")
        support = db.query(Department).filter_by(name="Support").one()
        for i in range(22):
            create_ticket(
                db,
                requester=casey,
                subject=LONG_SUBJECT if i % 3 == 0 else f"Question number {i}",
                body="A question.",
                department_id=support.id,
            )
        ticket = find_ticket(db, "1001")
        add_message(
            db,
            ticket,
            author=alex,
            body="Try this:\n\n```\n" + "x" * 200 + "\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |",
        )
    return site


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/", "home"),
        ("/tickets/", "my-tickets"),
        ("/tickets/1001", "ticket"),
        ("/tickets/new", "new-ticket"),
    ],
)
def test_portal_pages_fit_a_390_pixel_phone(phone, busy_site, path, name):
    log_in(phone, busy_site)
    phone.goto(busy_site + path)
    screenshot(phone, f"portal-390-{name}")
    assert page_width(phone) <= 390
