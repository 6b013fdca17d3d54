"""The portal's home page: welcome text, start tiles from every active plugin, menus."""

from __future__ import annotations

from frontdesk.db.state import set_setting
from frontdesk.testing import set_plugin_enabled
from tests.plugins.portal.conftest import login

ALL = ["portal", "kb", "chat"]


def tiles(page):
    return [a.text for a in page.html.select("nav.tiles a.tile")]


def test_welcome_text_comes_from_the_setting_and_is_escaped(make_webapp, desk, commit):
    app = make_webapp(["portal"])
    assert app.get("/").html.select_one("h1").text == "How can we help you today?"

    with commit() as db:
        set_setting(db, "portal.welcome", "Welcome to <script>alert(1)</script> Acme support")

    page = app.get("/")
    assert page.html.select_one("h1").text == "Welcome to <script>alert(1)</script> Acme support"
    assert "Welcome to &lt;script&gt;alert(1)&lt;/script&gt; Acme support" in page.text


def test_anonymous_visitors_see_the_plugins_tiles_and_a_login_hint(make_webapp, desk):
    page = make_webapp(ALL).get("/")
    assert tiles(page) == ["Search the knowledge base", "Start a live chat"]
    assert page.html.select_one(".hero__account a")["href"] == "/login"


def test_customers_get_ticket_tiles(make_webapp, desk):
    app = make_webapp(ALL)
    page = login(app, "casey").follow()
    assert tiles(page) == [
        "Submit a ticket",
        "My tickets",
        "Search the knowledge base",
        "Start a live chat",
    ]
    links = {a.text: a["href"] for a in page.html.select("nav.tiles a.tile")}
    assert links["Submit a ticket"] == "/tickets/new"
    assert links["My tickets"] == "/tickets/"
    assert page.html.select_one(".hero__account") is None


def test_tiles_of_plugins_that_are_off_vanish(make_webapp, desk):
    app = make_webapp(ALL)
    login(app, "casey")

    set_plugin_enabled(app, "kb", False)
    assert tiles(app.get("/")) == ["Submit a ticket", "My tickets", "Start a live chat"]

    set_plugin_enabled(app, "chat", False)
    assert tiles(app.get("/")) == ["Submit a ticket", "My tickets"]

    set_plugin_enabled(app, "kb", True)
    assert "Search the knowledge base" in tiles(app.get("/"))


def test_without_the_plugins_installed_only_the_portal_tiles_show(make_webapp, desk):
    app = make_webapp(["portal"])
    login(app, "casey")
    assert tiles(app.get("/")) == ["Submit a ticket", "My tickets"]


def test_display_name_dropdown_offers_my_tickets(app):
    page = login(app, "casey").follow()
    items = [li.text.strip() for li in page.html.select(".user-menu__items li")]
    assert items == ["My tickets", "Profile", "Change password", "Log out"]
    assert page.html.select_one('.user-menu__items a[href="/tickets/"]').text == "My tickets"
    # The main navigation stays as it was.
    assert [a.text for a in page.html.select("nav.main-nav a")] == ["Home"]


def test_the_portal_stylesheet_is_served(app):
    page = app.get("/")
    assert page.html.select_one('link[href="/static/portal/portal.css"]') is not None
    assert ".tile" in app.get("/static/portal/portal.css").text


def test_a_longer_welcome_text_is_a_heading_and_paragraphs(app, commit):
    with commit() as db:
        set_setting(db, "portal.welcome", "Hello!\nWe answer within a day.\n\nCall <us>.")
    hero = app.get("/").html.select_one(".hero")
    assert hero.select_one("h1").text == "Hello!"
    assert [p.text for p in hero.select("p")][:2] == ["We answer within a day.", "Call <us>."]
