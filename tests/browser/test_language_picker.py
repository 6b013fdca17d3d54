"""The language picker and the time zone report, in Chromium with and without JavaScript."""

from __future__ import annotations

import pytest

from frontdesk import i18n
from frontdesk.db.users import User
from frontdesk.testing import TEST_PASSWORD, db_session, engine_of, make_customer
from tests.browser.conftest import screenshot
from tests.servers import threaded_server
from tests.translations import write_core_catalogs


@pytest.fixture
def app(make_webapp, tmp_path, monkeypatch):
    """Portal with German and French (stand-in catalogs, whatever core's hold)."""
    monkeypatch.setattr(i18n, "CORE_LOCALE_DIR", write_core_catalogs(tmp_path / "locale"))
    return make_webapp(["portal"], **{"frontdesk.i18n.offered_locales": "en de fr"})


@pytest.fixture
def site(app):
    with threaded_server(app.app) as url:
        yield url


def test_choosing_a_language_switches_at_once_and_stays_on_the_page(desktop, site):
    desktop.goto(site + "/login?next=/tickets/")
    button = desktop.get_by_role("button", name="Change language")
    assert not button.is_visible(), "the script submits on change; the button is for no-JS"
    desktop.get_by_label("Language").select_option("de")
    desktop.wait_for_url("**/login?next=/tickets/")
    desktop.locator("html[lang=de]").wait_for()
    assert desktop.locator(".skip-link").text_content() == "Zum Inhalt springen"
    assert desktop.get_by_label("Sprache").input_value() == "de"
    screenshot(desktop, "language-picker-de")


def test_the_picker_works_without_javascript(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(site + "/login")
        page.get_by_label("Language").select_option("fr")
        page.get_by_role("button", name="Change language").click()
        page.locator("html[lang=fr]").wait_for()
        assert page.url.endswith("/login")
        assert page.locator(".skip-link").text_content() == "Aller au contenu"
    finally:
        context.close()


def test_the_first_login_saves_the_browsers_time_zone(browser, app, site):
    user = make_customer(app, "tokyo")
    context = browser.new_context(timezone_id="Asia/Tokyo")
    page = context.new_page()
    try:
        page.goto(site + "/login")
        page.get_by_label("Username").fill("tokyo")
        page.get_by_label("Password").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Login").click()
        page.wait_for_url(site + "/")
    finally:
        context.close()
    with db_session(engine_of(app)) as db:
        assert db.get(User, user.id).time_zone == "Asia/Tokyo"
