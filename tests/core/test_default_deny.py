"""Default deny: a view is public only when it says ``permission=PUBLIC``."""

from __future__ import annotations

import pytest

from frontdesk.identity.accounts import create_user
from tests.sample_plugins import careless

PASSWORD = "a-long-password"


@pytest.fixture
def app(make_webapp, commit):
    with commit() as db:
        for username, role in (("casey", "customer"), ("alex", "agent"), ("ada", "administrator")):
            create_user(db, username=username, role=role, password=PASSWORD)
    return make_webapp(["portal", "management", careless])


def login(app, username, prefix=""):
    form = app.get(f"{prefix}/login").forms["login-form"]
    form["username"], form["password"] = username, PASSWORD
    form.submit(status=303)


def test_anonymous_visitors_are_sent_to_log_in_not_shown_the_page(app):
    page = app.get("/management/careless/secrets", status=303)
    assert page.location.endswith("/management/login?next=%2Fmanagement%2Fcareless%2Fsecrets")
    page = app.get("/careless/notes", status=303)
    assert page.location.endswith("/login?next=%2Fcareless%2Fnotes")
    assert "management secrets" not in app.get("/management/careless/secrets").text
    api = app.get("/careless/notes", headers={"Accept": "application/json"}, status=403)
    assert "portal notes" not in api.text


@pytest.mark.parametrize("username", ["casey", "alex", "ada"])
def test_nobody_logged_in_may_open_a_view_without_permission(app, username):
    login(app, username)
    page = app.get("/careless/notes", status=403)
    assert "portal notes" not in page.text
    assert page.html.select_one("h1").text == "Access denied"
    if username != "casey":
        login(app, username, prefix="/management")
        assert "management secrets" not in app.get("/management/careless/secrets", status=403).text


def test_a_view_marked_public_is_open_to_everyone(app):
    assert app.get("/careless/open").text == "open to everyone"
    login(app, "casey")
    assert app.get("/careless/open").text == "open to everyone"


def test_the_built_in_public_pages_stay_public(app):
    for path in ("/", "/login", "/management/login", "/static/frontdesk/frontdesk.css"):
        app.get(path, status=200)
    app.get("/management/root.aspx", status=301)
    app.get("/no/such/page", status=404)


def test_every_built_in_page_names_its_permission_or_is_public(app):
    """No built-in view relies on the default: it would be closed to everybody."""
    introspector = app.app.registry.introspector
    silent = {
        view["route_name"]
        for entry in introspector.get_category("views")
        for view in [entry["introspectable"]]
        if view["route_name"]
        and not any(r.category_name == "permissions" for r in entry["related"])
    }
    assert silent == {"careless.secrets", "careless.notes"}
