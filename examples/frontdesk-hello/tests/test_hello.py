from pathlib import Path

from frontdesk.i18n.catalogs import Domain, problems
from frontdesk.testing import (
    engine_of,
    log_in,
    make_agent,
    make_customer,
    make_department,
    make_test_app,
    make_ticket,
    set_plugin_enabled,
)
from sqlalchemy import inspect

import frontdesk_hello


def make_app(tmp_path):
    """The portal, management and hello on a fresh database, with the customer carol
    logged into the portal."""
    app = make_test_app(plugins=["portal", "management", frontdesk_hello], tmp_path=tmp_path)
    log_in(app, make_customer(app, "carol", display_name="Carol"))
    return app


def test_greets_the_user(tmp_path):
    app = make_app(tmp_path)
    assert "Hello, Carol!" in app.get("/hello/").text


def test_greets_in_the_browsers_language(tmp_path):
    app = make_app(tmp_path)
    german = app.get("/hello/", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert "Hallo, Carol!" in german.text
    assert ">Hallo</a>" in german.text  # the menu item
    french = app.get("/hello/", headers={"Accept-Language": "fr"})
    assert "Bonjour, Carol !" in french.text


def test_serves_the_stylesheet(tmp_path):
    app = make_app(tmp_path)
    assert 'href="/static/hello/hello.css"' in app.get("/hello/").text
    assert ".hello" in app.get("/static/hello/hello.css").text


def test_portal_menu_links_to_the_page(tmp_path):
    app = make_app(tmp_path)
    assert 'href="/hello/"' in app.get("/").text


def test_agents_see_the_note_beside_a_ticket(tmp_path):
    app = make_app(tmp_path)
    support = make_department(app, "Support")
    carol = make_customer(app, "carol2", display_name="Carol Two")
    ticket = make_ticket(app, requester=carol, department=support)
    log_in(app, make_agent(app, "alex", departments=["Support"]), interface="management")
    page = app.get(f"/management/tickets/{ticket.number}")
    assert "Say hello to Carol Two!" in page.text
    page = app.get(f"/management/tickets/{ticket.number}", headers={"Accept-Language": "de"})
    assert "Sagen Sie Carol Two Hallo!" in page.text


def test_disabled_plugin_answers_404_and_leaves_the_menu(tmp_path):
    app = make_app(tmp_path)
    set_plugin_enabled(app, "hello", False)
    app.get("/hello/", status=404)
    assert 'href="/hello/"' not in app.get("/").text


def test_needs_the_portal(tmp_path):
    app = make_test_app(plugins=[frontdesk_hello], tmp_path=tmp_path)
    assert "needs plugin" in app.get("/hello/", status=404).text


def test_migrations_create_the_table(tmp_path):
    app = make_app(tmp_path)
    assert "hello_greetings" in inspect(engine_of(app)).get_table_names()


def test_translations_are_complete_and_compiled():
    package = Path(frontdesk_hello.__file__).parent
    assert problems(Domain("frontdesk_hello", package)) == []
