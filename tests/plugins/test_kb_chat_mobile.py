"""Knowledge base, live chat and mobile: their pages, menus and names in every language.

Their strings are covered like every plugin's: tests/test_catalogs.py checks their
catalogs (frontdesk_kb, frontdesk_chat, frontdesk_mobile) are complete in German and
French, and tests/test_pseudo_locale.py that every string on their pages is translated.
"""

from __future__ import annotations

import pytest

from frontdesk.testing import install_test_license, log_in, make_agent


@pytest.fixture
def app(make_webapp):
    return make_webapp()


@pytest.mark.parametrize(
    ("language", "kb", "chat", "tile"),
    [
        ("en", "Knowledge base", "Live chat", "Search the knowledge base"),
        ("de", "Wissensdatenbank", "Live-Chat", "Wissensdatenbank durchsuchen"),
        (
            "fr",
            "Base de connaissances",
            "Chat en direct",
            "Rechercher dans la base de connaissances",
        ),
    ],
)
def test_pages_menus_and_tiles_in_the_visitors_language(app, language, kb, chat, tile):
    headers = {"Accept-Language": language}
    assert app.get("/kb/", headers=headers).html.select_one("h1").text == kb
    assert app.get("/chat/", headers=headers).html.select_one("h1").text == chat
    menu = [a.text for a in app.get("/", headers=headers).html.select("nav.main-nav a")]
    assert kb in menu and chat in menu
    assert tile in app.get("/", headers=headers).text


def test_the_mobile_interface_in_the_agents_language(app):
    agent = make_agent(app, "mia", locale="de")
    install_test_license(app, "enterprise")
    log_in(app, agent, interface="mobile")
    page = app.get("/m/")
    assert page.html.html["lang"] == "de"
    assert page.html.select_one(".brand__interface").text.strip() == "Mobil"
