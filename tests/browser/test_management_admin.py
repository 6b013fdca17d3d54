"""The administration in Chromium: switching a plugin off and on from the Plugins page,
and every administration page on a 390-pixel phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from frontdesk.db.tickets import Ticket
from frontdesk.db.users import Department
from frontdesk.identity.accounts import create_user
from frontdesk.identity.audit import record
from tests.browser.conftest import page_width, screenshot
from tests.servers import threaded_server


@pytest.fixture
def site(make_webapp, commit):
    with commit() as db:
        sales = Department(name="Sales", description="Quotes, orders and discounts")
        db.add_all([sales, Department(name="Billing and Invoicing Department")])
        db.flush()
        ada = create_user(
            db,
            username="ada",
            role="administrator",
            password="ada-password",
            display_name="Ada Administrator",
        )
        create_user(
            db,
            username="alex",
            role="agent",
            password="alex-password",
            display_name="Alex Agent",
            email="alex@example.com",
            departments=["Sales", "Billing and Invoicing Department"],
        )
        casey = create_user(
            db,
            username="casey",
            role="customer",
            password="casey-password",
            display_name="Casey Customer",
            email="casey.customer.with.a.long.address@example.com",
        )
        db.add(Ticket(number="1001", subject="Quote", department=sales, requester=casey))
        record(
            db,
            actor=ada,
            action="department.update",
            target="department Sales",
            details="renamed from 'Sales and Marketing Department of the Northern Region' "
            "to 'Sales'",
        )
    app = make_webapp(["portal", "management", "mobile", "kb", "chat"])
    with threaded_server(app.app) as url:
        yield url


def log_in(page, site):
    page.goto(site + "/management/login")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill("ada-password")
    page.get_by_role("button", name="Login").click()
    page.wait_for_url(site + "/management/")


def test_an_administrator_switches_a_plugin_off_and_its_menu_item_goes(desktop, site):
    page = desktop
    log_in(page, site)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Administration").click()
    page.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="Plugins"
    ).click()
    page.get_by_role("button", name="Disable Knowledge base").click()
    expect(page.get_by_role("heading", name="Disable Knowledge base?")).to_be_visible()
    page.get_by_role("button", name="Disable Knowledge base").click()  # confirmed
    expect(page.get_by_text("Knowledge base is disabled")).to_be_visible()
    kb = page.locator("#plugin-kb")
    expect(kb.get_by_text("disabled by an administrator")).to_be_visible()
    screenshot(page, "admin-plugins-kb-disabled")

    portal = page.context.new_page()
    portal.goto(site + "/")
    nav = portal.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Knowledge base").count() == 0
    assert portal.goto(site + "/kb/").status == 404

    page.get_by_role("button", name="Enable Knowledge base").click()
    expect(page.get_by_text("Knowledge base is enabled and active.")).to_be_visible()
    portal.goto(site + "/")
    assert nav.get_by_role("link", name="Knowledge base").is_visible()
    portal.close()


ADMIN_PAGES = [
    ("", "index"),
    ("departments", "departments"),
    ("agents", "agents"),
    ("agents/new", "agent-new"),
    ("agents/2", "agent"),
    ("customers", "customers"),
    ("permissions", "permissions"),
    ("permissions/agents/2", "grants"),
    ("permissions/explain?username=alex&ticket=1001", "explain"),
    ("plugins", "plugins"),
    ("license", "license"),
    ("settings", "settings"),
    ("audit", "audit"),
]


def test_administration_pages_fit_a_390_pixel_phone(phone, site):
    log_in(phone, site)
    for path, name in ADMIN_PAGES:
        response = phone.goto(f"{site}/management/admin/{path}")
        assert response.status == 200, path
        screenshot(phone, f"admin-390-{name}")
        assert page_width(phone) <= 390, path


def test_errors_show_beside_the_fields_on_a_phone(phone, site):
    log_in(phone, site)
    phone.goto(site + "/management/admin/agents/new")
    phone.get_by_label("Username").fill("alex")
    phone.get_by_label("Initial password").fill("short")
    phone.get_by_role("button", name="Create agent").click()
    assert phone.locator("#username-error").inner_text() == "The username 'alex' is taken."
    assert phone.locator("#password-error").inner_text() == "Use at least 10 characters."
    assert phone.get_by_label("Username").input_value() == "alex"
    screenshot(phone, "admin-390-agent-new-errors")
    assert page_width(phone) <= 390
