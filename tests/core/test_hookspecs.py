"""The hook API: every spec documented and tested, and each hook doing what its docs say."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest
from pyramid.security import NO_PERMISSION_REQUIRED

from frontdesk import Slot
from frontdesk.db.state import set_setting
from frontdesk.identity.accounts import create_user
from frontdesk.identity.authenticators import authenticate
from frontdesk.licensing.installed import LICENSE_SETTING
from frontdesk.plugin_platform import hookspecs
from frontdesk.plugin_platform.permissions import UNDECLARED
from frontdesk.plugin_platform.slots import ticket_list_columns
from frontdesk.testing import app_request, db_session, engine_of, set_plugin_enabled
from tests.sample_plugins import greeter
from tests.sample_plugins.recorder import SAMPLE_EVENTS, Recorder

ROOT = Path(__file__).resolve().parents[2]
SPECS = {name: fn for name, fn in vars(hookspecs).items() if name.startswith("frontdesk_")}


def test_every_hook_has_a_complete_docstring():
    for name, spec in SPECS.items():
        doc = inspect.getdoc(spec) or ""
        assert ":returns:" in doc, name
        assert re.search(r"Stops at first non-None result|combined|All implementations", doc), name


def test_every_hook_is_documented_with_its_signature():
    reference = (ROOT / "docs/plugin-authors/hooks.rst").read_text()
    for name, spec in SPECS.items():
        params = ", ".join(inspect.signature(spec).parameters)
        assert f"{name}({params})" in reference, f"{name} missing from hooks.rst"


def test_every_hook_has_a_test():
    sources = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("test_*.py"))
    for name in SPECS:
        assert f"def test_hook_{name}" in sources, f"no test_hook_{name}"


def test_plugins_never_import_another_plugin():
    for path in (ROOT / "plugins").rglob("*.py"):
        own = path.relative_to(ROOT / "plugins").parts[0]
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            for module in names:
                match = re.match(r"frontdesk\.plugins\.(\w+)", module)
                assert not match or match[1] == own, f"{path.name} imports {module}"


def test_every_permission_used_by_a_view_is_declared(webapp):
    registry = webapp.app.registry
    declared = registry["frontdesk_permissions"]
    used = {
        entry["introspectable"]["value"]
        for entry in registry.introspector.get_category("permissions") or []
    } - {NO_PERMISSION_REQUIRED, UNDECLARED}  # the default permission is undeclared on purpose
    assert used, "the built-in plugins protect their views"
    assert used <= set(declared), used - set(declared)


# --- one behaviour test per hook -------------------------------------------------------


@pytest.fixture
def customer(commit):
    with commit() as db:
        create_user(db, username="casey", role="customer", password="casey-password-1")
    return {"X-Test-User": "casey"}


def test_hook_frontdesk_configure(make_webapp, customer):
    app = make_webapp(["portal", greeter])
    assert app.app.registry.frontdesk_plugins.route_owner["greeter.greeting"] == "greeter"
    assert app.get("/greeting/", headers=customer).status_int == 200


def test_hook_frontdesk_permissions(make_webapp):
    declared = make_webapp(["portal", greeter]).app.registry["frontdesk_permissions"]
    assert declared[greeter.VIEW].title == "See the greeting"


def test_hook_frontdesk_authenticate(make_webapp, customer):
    app = make_webapp(["portal"])
    with app_request(app) as request:
        assert authenticate(request, "CASEY", "casey-password-1").username == "casey"
        assert authenticate(request, "casey", "wrong-password") is None
        assert authenticate(request, "nobody", "casey-password-1") is None


def test_hook_frontdesk_identity_from_request(make_webapp, customer):
    app = make_webapp(["portal", greeter])
    page = app.get("/", headers=customer)
    assert page.html.select_one(".user-menu__name").text == "casey"
    assert app.get("/").html.select_one(".user-menu") is None


def test_hook_frontdesk_menu_items(make_webapp, customer):
    app = make_webapp(["portal", greeter])
    links = [a.text for a in app.get("/", headers=customer).html.select("nav.main-nav a")]
    assert links == ["Home", "Greeting"]


def test_hook_frontdesk_ui_slot(make_webapp):
    app = make_webapp(["portal", greeter])
    page = app.get("/")
    assert page.html.select_one('head meta[name="greeter"]')["content"] == "on"
    assert "&lt;b&gt;plain text is escaped&lt;/b&gt;" in page.text

    set_plugin_enabled(app, "greeter", False)
    assert 'name="greeter"' not in app.get("/").text


def test_hook_frontdesk_ticket_list_columns(make_webapp):
    app = make_webapp(["portal", greeter])
    with app_request(app) as request:
        columns = ticket_list_columns(request)
    assert [(c.key, c.title) for c in columns] == [("greeting", "Greeting")]
    with app_request(app, "/management/tickets/") as request:
        columns = ticket_list_columns(request)
    assert [(c.key, c.title) for c in columns] == [("mood", "Mood"), ("greeting", "Greeting")]
    assert columns[0].render(None) == "happy"
    assert Slot.MANAGEMENT_TICKET_SIDE_PANEL == "management.ticket.side_panel"


def test_hook_frontdesk_verify_license(make_webapp):
    recorder = Recorder()
    app = make_webapp(["portal", "management", "mobile", recorder])
    assert "Enterprise edition" in app.get("/m/", status=404).text

    with db_session(engine_of(app)) as db:
        set_setting(db, LICENSE_SETTING, "TEST-ENTERPRISE", bumps_state=True)
    assert app.get("/m/", status=303).location.endswith("/m/login?next=%2Fm%2F"), "now on"

    with db_session(engine_of(app)) as db:
        set_setting(db, LICENSE_SETTING, "TEST-EXPIRED", bumps_state=True)
    assert "Enterprise edition" in app.get("/m/", status=404).text


def _event_test(make_webapp, kind):
    recorder = Recorder()
    app = make_webapp(["portal", recorder])
    app.post(f"/recorder/emit/{kind}")
    assert recorder.seen == [(kind, SAMPLE_EVENTS[kind])]


def test_hook_frontdesk_ticket_created(make_webapp):
    _event_test(make_webapp, "ticket_created")


def test_hook_frontdesk_ticket_replied(make_webapp):
    _event_test(make_webapp, "ticket_replied")


def test_hook_frontdesk_ticket_status_changed(make_webapp):
    _event_test(make_webapp, "ticket_status_changed")


def test_hook_frontdesk_ticket_assigned(make_webapp):
    _event_test(make_webapp, "ticket_assigned")


def test_hook_frontdesk_chat_started(make_webapp):
    _event_test(make_webapp, "chat_started")


def test_hook_frontdesk_chat_message(make_webapp):
    _event_test(make_webapp, "chat_message")


def test_hook_frontdesk_chat_ended(make_webapp):
    _event_test(make_webapp, "chat_ended")


def test_hook_frontdesk_article_published(make_webapp):
    _event_test(make_webapp, "article_published")


def test_hook_frontdesk_user_logged_in(make_webapp):
    _event_test(make_webapp, "user_logged_in")
