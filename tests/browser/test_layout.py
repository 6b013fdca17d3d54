"""The base layout in a real browser: phone width, the display-name dropdown, errors."""

from __future__ import annotations

import pytest

from frontdesk.identity.accounts import create_user
from tests.browser.conftest import page_width, screenshot
from tests.sample_plugins import greeter
from tests.servers import threaded_server


@pytest.fixture
def site(make_webapp, commit):
    with commit() as db:
        create_user(
            db,
            username="casey",
            role="customer",
            password=None,
            display_name="Casey Customer-With-A-Rather-Long-Display-Name",
        )
    app = make_webapp(["portal", "management", "mobile", "kb", "chat", greeter])
    with threaded_server(app.app) as url:
        yield url


@pytest.mark.parametrize("path", ["/", "/kb/", "/no/such/page", "/m/"])
def test_pages_fit_a_390_pixel_phone(phone, site, path):
    phone.set_extra_http_headers({"X-Test-User": "casey"})
    phone.goto(site + path)
    name = path.strip("/").replace("/", "-") or "home"
    screenshot(phone, f"layout-390-{name}")
    assert page_width(phone) <= 390


def test_display_name_opens_the_user_dropdown(desktop, site):
    desktop.set_extra_http_headers({"X-Test-User": "casey"})
    desktop.goto(site + "/")
    menu_item = desktop.get_by_role("link", name="Say hello")
    assert not menu_item.is_visible()

    desktop.get_by_text("Casey Customer-With-A-Rather-Long-Display-Name").click()
    assert menu_item.is_visible()
    screenshot(desktop, "layout-dropdown-open")

    desktop.keyboard.press("Escape")
    assert not menu_item.is_visible()


def test_dropdown_stays_on_a_phone_screen(phone, site):
    phone.set_extra_http_headers({"X-Test-User": "casey"})
    phone.goto(site + "/")
    phone.locator("summary.user-menu__name").tap()
    box = phone.locator(".user-menu__items").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page_width(phone) <= 390


def test_anonymous_visitor_sees_no_user_menu(desktop, site):
    desktop.goto(site + "/")
    assert desktop.locator(".user-menu").count() == 0
    assert desktop.get_by_role("link", name="Knowledge base", exact=True).is_visible()
