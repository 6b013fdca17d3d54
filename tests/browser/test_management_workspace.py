"""The agents' workspace in Chromium: an agent answers a ticket a customer submitted and
the customer sees the answer in the portal; conflicts; canned replies; phone width."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from frontdesk.db.users import Department
from frontdesk.identity.accounts import create_user, find_user
from frontdesk.plugins.management.workspace.models import CannedReply
from frontdesk.tickets import add_message, create_ticket, find_ticket
from tests.browser.conftest import ACTION_TIMEOUT_MS, ARTIFACTS, page_width, screenshot
from tests.servers import threaded_server

SUBJECT = "The printer on the second floor prints only blank pages"


@pytest.fixture
def site(make_webapp, commit):
    with commit() as db:
        db.add_all([Department(name="Support"), Department(name="Billing")])
        db.flush()
        casey = create_user(
            db,
            username="casey",
            role="customer",
            password="casey-password",
            display_name="Casey Customer",
            email="casey@example.com",
        )
        for username, name in (("alex", "Alex Agent"), ("sam", "Sam Agent")):
            create_user(
                db,
                username=username,
                role="agent",
                password=f"{username}-password",
                display_name=name,
                departments=["Support"],
            )
        alex = find_user(db, "alex")
        for i in range(6):
            create_ticket(
                db,
                requester=casey,
                subject=f"Older question number {i}",
                body="Earlier.",
                department_id=1 + i % 2,
            )
        # The customer's ticket, submitted through the portal's service.
        create_ticket(
            db,
            requester=casey,
            subject=SUBJECT,
            body="Since this morning every page comes out **blank**.",
            department_id=1,
        )
        db.add(
            CannedReply(
                owner_id=alex.id,
                title="Toner check",
                body="Could you check whether the toner cartridge is empty?",
            )
        )
    app = make_webapp(["portal", "management"])
    with threaded_server(app.app) as url:
        yield url


def log_in(page, username):
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"{username}-password")
    page.get_by_role("button", name="Login").click()


def number_of(page):
    return re.search(r"/management/tickets/(\d+)", page.url).group(1)


def test_agent_replies_and_the_customer_sees_it_in_the_portal(browser, desktop, site):
    page = desktop
    page.goto(site + "/management/")
    log_in(page, "alex")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Tickets").click()
    expect(page.get_by_role("heading", name="Tickets")).to_be_visible()
    screenshot(page, "management-queue-desktop")
    assert page_width(page) <= 1280

    page.get_by_role("link", name=SUBJECT).click()
    number = number_of(page)
    expect(page.get_by_text("every page comes out blank")).to_be_visible()

    # The canned reply goes into the box by script (no page load), then the agent adds to it.
    page.get_by_label("Canned reply").select_option(label="Toner check")
    page.get_by_role("button", name="Insert").click()
    box = page.get_by_label("Message")
    expect(box).to_have_value("Could you check whether the toner cartridge is empty?")
    assert re.search(rf"/management/tickets/{number}$", page.url), "inserted without a POST"
    box.press("End")
    box.press_sequentially(" Thanks, Alex")
    page.get_by_role("button", name="Send reply").click()

    expect(page.get_by_role("status").filter(has_text="Reply sent.")).to_be_visible()
    expect(page.locator(".message--agent")).to_contain_text(
        "toner cartridge is empty? Thanks, Alex"
    )
    expect(page.locator(".ticket-meta")).to_contain_text("Waiting on customer")
    screenshot(page, "management-ticket-replied-desktop")

    # The customer, in a browser of their own (a phone), reads the answer in the portal.
    customer = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    try:
        portal = customer.new_page()
        portal.set_default_timeout(ACTION_TIMEOUT_MS)
        portal.goto(site + "/login")
        log_in(portal, "casey")
        portal.goto(f"{site}/tickets/{number}")
        expect(
            portal.get_by_text("Could you check whether the toner cartridge is empty?")
        ).to_be_visible()
        expect(portal.get_by_text("Thanks, Alex")).to_be_visible()
        screenshot(portal, "portal-ticket-sees-agent-reply-390")
        assert page_width(portal) <= 390
    finally:
        customer.close()


def test_internal_notes_never_reach_the_customer(browser, desktop, site):
    page = desktop
    page.goto(site + "/management/login")
    log_in(page, "alex")
    page.goto(site + "/management/tickets/?q=blank")
    page.get_by_role("link", name=SUBJECT).click()
    number = number_of(page)
    page.get_by_label("Note for agents").fill("Customer's printer is under warranty until May.")
    page.get_by_role("button", name="Add note").click()
    note = page.locator(".message--note")
    expect(note).to_contain_text("Internal note")
    expect(note).to_contain_text("under warranty")

    customer = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        portal = customer.new_page()
        portal.goto(site + "/login")
        log_in(portal, "casey")
        portal.goto(f"{site}/tickets/{number}")
        expect(portal.get_by_text("every page comes out")).to_be_visible()
        assert portal.get_by_text("under warranty").count() == 0
    finally:
        customer.close()


def test_a_reply_written_while_someone_else_answered_asks_first(phone, site, commit):
    page = phone
    page.goto(site + "/management/login")
    log_in(page, "alex")
    page.goto(site + "/management/tickets/?q=blank")
    page.get_by_role("link", name=SUBJECT).click()
    page.get_by_label("Message").fill("Please restart the printer.")
    with commit() as db:  # Sam answers first, from another browser
        add_message(
            db,
            find_ticket(db, number_of(page)),
            author=find_user(db, "sam"),
            body="I replaced the toner; try again please.",
        )
    page.get_by_role("button", name="Send reply").click()

    notice = page.get_by_role("alert")
    expect(notice).to_contain_text("This ticket changed since you opened it")
    expect(notice).to_contain_text("I replaced the toner")
    expect(page.get_by_label("Message")).to_have_value("Please restart the printer.")
    screenshot(page, "management-ticket-conflict-390")
    assert page_width(page) <= 390

    page.get_by_role("button", name="Send anyway").click()
    expect(page.get_by_role("status").filter(has_text="Reply sent.")).to_be_visible()
    expect(page.locator(".message")).to_have_count(3)


def test_a_refused_form_far_down_the_page_takes_the_agent_to_the_error(phone, site):
    page = phone
    page.goto(site + "/management/login")
    log_in(page, "alex")
    page.goto(site + "/management/tickets/1007")
    page.get_by_role("button", name="Transfer", exact=True).click()  # no department chosen

    field = page.get_by_label("Move to department")
    expect(field).to_be_focused()
    expect(field).to_be_in_viewport()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Choose another active department.")
    page.screenshot(path=str(ARTIFACTS / "management-ticket-refused-transfer-390.png"))
    summary.get_by_role("link").click()
    expect(field).to_be_focused()

    page.goto(page.url)  # the address of the refused form, opened again
    expect(page.locator(".ticket-number")).to_have_text("#1007")
    assert page.url.endswith("/management/tickets/1007#transfer-form")


@pytest.mark.parametrize("where", ["dashboard", "queue", "ticket", "canned", "profile"])
def test_workspace_pages_fit_a_phone(phone, site, where):
    page = phone
    page.goto(site + "/management/login")
    log_in(page, "alex")
    paths = {
        "dashboard": "/management/",
        "queue": "/management/tickets/?status=any",
        "ticket": "/management/tickets/1007",
        "canned": "/management/canned/",
        "profile": "/management/profile",
    }
    page.goto(site + paths[where])
    expect(page.locator("h1")).to_be_visible()
    screenshot(page, f"management-{where}-390")
    assert page_width(page) <= 390
