"""The seed's login flows, clicked through in Chromium by their visible labels."""

from __future__ import annotations

import re

import pytest

from frontdesk.identity.accounts import create_user
from tests.browser.conftest import page_width, screenshot
from tests.servers import threaded_server


@pytest.fixture
def site(make_webapp, commit):
    with commit() as db:
        create_user(
            db, username="alex", role="agent", password="alex-password", display_name="Alex Agent"
        )
        create_user(
            db,
            username="casey",
            role="customer",
            password="casey-password",
            display_name="Casey Customer",
        )
    app = make_webapp(["portal", "management", "mobile", "kb", "chat"])
    with threaded_server(app.app) as url:
        yield url


def log_in(page, username, password):
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Login").click()


def test_agent_logs_into_portal_then_management(desktop, site):
    page = desktop
    page.goto(site + "/")
    page.get_by_role("link", name="Login").click()
    log_in(page, "alex", "alex-password")

    page.get_by_text("Alex Agent").click()
    page.get_by_role("link", name="Management Interface").click()
    # The management interface asks for credentials again.
    assert page.get_by_role("heading", name="Login to the management interface").is_visible()
    log_in(page, "alex", "alex-password")
    assert re.search(r"/management/$", page.url)
    screenshot(page, "login-management-dashboard")

    page.get_by_text("Alex Agent").click()
    with page.context.expect_page() as portal_tab:
        page.get_by_role("link", name="Portal").click()
    assert portal_tab.value.url.rstrip("/") == site
    portal_tab.value.close()

    page.get_by_text("Alex Agent").click()
    page.get_by_role("button", name="Log out").click()
    # Logging out of one interface ends the other's session in this browser too.
    assert page.get_by_text(
        "You are logged out of the portal and the management interface."
    ).is_visible()
    page.goto(site + "/")
    assert page.get_by_role("link", name="Login").is_visible()
    assert page.get_by_text("Alex Agent").count() == 0


def test_customer_dropdown_has_no_management_interface(phone, site):
    page = phone
    page.goto(site + "/login")
    log_in(page, "casey", "casey-password")
    page.locator("summary.user-menu__name").tap()
    assert page.get_by_role("button", name="Log out").is_visible()
    assert page.get_by_role("link", name="Management Interface").count() == 0
    screenshot(page, "login-customer-dropdown-390")
    assert page_width(page) <= 390


def test_wrong_password_keeps_the_username(phone, site):
    page = phone
    page.goto(site + "/login")
    log_in(page, "casey", "not-the-password")
    assert page.get_by_role("alert").inner_text() == "Wrong username or password."
    assert page.get_by_label("Username").input_value() == "casey"
    assert page_width(page) <= 390


def test_root_aspx_leads_to_the_management_login_then_the_interface(desktop, site):
    page = desktop
    page.goto(site + "/management/root.aspx")
    assert page.get_by_role("heading", name="Login to the management interface").is_visible()
    log_in(page, "alex", "alex-password")
    assert page.url.rstrip("/").endswith("/management")
    page.goto(site + "/management/root.aspx")
    assert page.url.rstrip("/").endswith("/management")


@pytest.mark.parametrize("who", [None, "alex"])
@pytest.mark.parametrize(
    "path", ["/management/", "/management/tickets/", "/management/profile", "/", "/tickets/"]
)
def test_pages_fit_a_phone_logged_in_and_out(phone, site, who, path):
    page = phone
    if who:
        page.goto(site + ("/management/login" if path.startswith("/management") else "/login"))
        log_in(page, who, f"{who}-password")
    page.goto(site + path)
    assert page_width(page) <= 390, path
