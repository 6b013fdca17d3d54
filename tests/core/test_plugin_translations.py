"""A third-party plugin's own translations: shipped in its package's ``locale/`` folder,
loaded by core without any wiring, used beside core's on the same page."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontdesk.i18n.catalogs import Domain, problems
from frontdesk.testing import log_in, make_customer, make_test_app
from tests.sample_plugins import greeter, polyglot

PACKAGE = Path(polyglot.__file__).parent


@pytest.fixture
def app(tmp_path):
    app = make_test_app(plugins=["portal", polyglot, greeter], tmp_path=tmp_path)
    log_in(app, make_customer(app, "carol", display_name="Carol"))
    return app


def page_in(app, language, path="/parcels/"):
    return app.get(path, headers={"Accept-Language": language})


def text_of(page, selector):
    return page.html.select_one(selector).get_text(" ", strip=True)


def test_the_plugins_page_renders_its_german_strings(app):
    page = page_in(app, "de-DE,de;q=0.9")
    assert text_of(page, "h1") == "Ihre Pakete"
    assert text_of(page, "#status") == "3 Pakete sind auf dem Weg zu Carol."
    assert text_of(page, "#count") == "Pakete in der Liste: 3"
    assert page.html.select_one("#search")["placeholder"] == "Paketnummer"
    assert page.html.title.get_text(strip=True) == "Pakete · frontdesk"
    assert "Paketliste aktualisiert." in text_of(page, ".flashes")
    assert "Pakete" in [a.get_text(strip=True) for a in page.html.select(".main-nav a")]
    assert "Passwort ändern Abmelden" in text_of(page, ".user-menu__items")  # core's items


def test_and_its_french_ones(app):
    page = page_in(app, "fr")
    assert text_of(page, "h1") == "Vos colis"
    assert text_of(page, "#status") == "3 colis sont en route vers Carol."


def test_english_stays_the_source(app):
    page = page_in(app, "en")
    assert text_of(page, "h1") == "Your parcels"
    assert text_of(page, "#status") == "3 parcels are on their way to Carol."


def test_its_slot_on_cores_login_page_speaks_the_same_language(tmp_path):
    app = make_test_app(plugins=["portal", polyglot], tmp_path=tmp_path)
    page = page_in(app, "de", "/login")
    assert text_of(page, 'label[for="username"]') == "Benutzername"  # core's domain
    assert text_of(page, ".polyglot-hint") == "Verfolgen Sie ein Paket ohne Anmeldung."


def test_a_plugin_without_catalogs_stays_english_among_translated_pages(app):
    page = page_in(app, "de", "/")
    assert "Greeting" in [a.get_text(strip=True) for a in page.html.select(".main-nav a")]


def test_the_sample_catalogs_are_complete_and_compiled():
    assert problems(Domain("acme_polyglot", PACKAGE)) == []
