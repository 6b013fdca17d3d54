# ruff: noqa: RUF001 (French text has typographic apostrophes)
"""The login flows in Chromium set to German and to French: the browser's language
chooses the labels, and a person logs in by them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from frontdesk.identity.accounts import create_user
from tests.browser.conftest import ACTION_TIMEOUT_MS, screenshot
from tests.servers import threaded_server


@pytest.fixture
def site(make_webapp, commit):
    with commit() as db:
        create_user(
            db, username="alex", role="agent", password="alex-password", display_name="Alex Agent"
        )
    app = make_webapp(["portal", "management"])
    with threaded_server(app.app) as url:
        yield url


def browser_in(browser: Any, locale: str) -> Iterator[Any]:
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    yield page
    context.close()


@pytest.fixture
def german(browser: Any) -> Iterator[Any]:
    yield from browser_in(browser, "de-DE")


@pytest.fixture
def french(browser: Any) -> Iterator[Any]:
    yield from browser_in(browser, "fr-FR")


def test_a_german_browser_logs_into_the_portal_and_out(german, site):
    page = german
    page.goto(site + "/")
    page.get_by_role("link", name="Anmelden").click()
    assert page.get_by_role("heading", name="Anmelden").is_visible()
    assert page.locator("html").get_attribute("lang") == "de"
    page.get_by_label("Benutzername").fill("alex")
    page.get_by_label("Passwort").fill("wrong password")
    page.get_by_role("button", name="Anmelden").click()
    assert page.get_by_text("Benutzername oder Passwort ist falsch.").is_visible()

    page.get_by_label("Passwort").fill("alex-password")
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_text("Alex Agent").click()
    screenshot(page, "languages-de-user-menu")
    page.get_by_role("button", name="Abmelden").click()
    assert page.get_by_text("Sie sind vom Portal abgemeldet.").is_visible()


def test_a_french_browser_logs_into_the_management_interface(french, site):
    page = french
    page.goto(site + "/management/")
    assert page.get_by_role("heading", name="Connexion à l’interface de gestion").is_visible()
    page.get_by_label("Nom d’utilisateur").fill("alex")
    page.get_by_label("Mot de passe").fill("alex-password")
    screenshot(page, "languages-fr-management-login")
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(re.compile(r"/management/$"))
    page.get_by_text("Alex Agent").click()
    assert page.get_by_role("button", name="Se déconnecter").is_visible()
