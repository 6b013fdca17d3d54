from frontdesk import PluginInfo, hookimpl
from frontdesk.accounts import create_user, find_user
from frontdesk.testing import db_session, engine_of, make_test_app, set_plugin_enabled
from sqlalchemy import inspect

import frontdesk_hello

AS_CAROL = {"X-Test-User": "carol"}


class HeaderLogin:
    """Test-only plugin: the X-Test-User header names the logged-in user."""

    PLUGIN = PluginInfo(name="test_header_login", title="Header login (tests only)")

    @hookimpl
    def frontdesk_identity_from_request(self, request):
        login = request.headers.get("X-Test-User")
        return find_user(request.dbsession, login) if login else None


def make_app(tmp_path):
    """The portal, hello and HeaderLogin on a fresh database, with the customer carol."""
    app = make_test_app(plugins=["portal", frontdesk_hello, HeaderLogin()], tmp_path=tmp_path)
    with db_session(engine_of(app)) as db:  # committed at the end of the block
        create_user(db, username="carol", role="customer", password=None)
    return app


def test_greets_the_user(tmp_path):
    app = make_app(tmp_path)
    assert "Hello, carol!" in app.get("/hello/", headers=AS_CAROL).text


def test_serves_the_stylesheet(tmp_path):
    app = make_app(tmp_path)
    assert 'href="/static/hello/hello.css"' in app.get("/hello/", headers=AS_CAROL).text
    assert ".hello" in app.get("/static/hello/hello.css").text


def test_portal_menu_links_to_the_page(tmp_path):
    app = make_app(tmp_path)
    assert 'href="/hello/"' in app.get("/", headers=AS_CAROL).text


def test_disabled_plugin_answers_404_and_leaves_the_menu(tmp_path):
    app = make_app(tmp_path)
    set_plugin_enabled(app, "hello", False)
    app.get("/hello/", headers=AS_CAROL, status=404)
    assert 'href="/hello/"' not in app.get("/", headers=AS_CAROL).text


def test_needs_the_portal(tmp_path):
    app = make_test_app(plugins=[frontdesk_hello], tmp_path=tmp_path)
    assert "needs plugin" in app.get("/hello/", status=404).text


def test_migrations_create_the_table(tmp_path):
    app = make_app(tmp_path)
    assert "hello_greetings" in inspect(engine_of(app)).get_table_names()
