"""Slots and ticket-list columns: each audience sees only its own, and a plugin that is
off contributes nothing."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from frontdesk import PluginInfo, Slot, hookimpl
from frontdesk.plugin_platform.hookspecs import FrontdeskDeprecationWarning
from frontdesk.plugin_platform.slots import render_slot
from frontdesk.testing import app_request, set_plugin_enabled
from tests.plugins.management.workspace_support import PLUGINS, build_desk, login
from tests.sample_plugins import greeter

CASEY = {"X-Test-User": "casey"}  # greeter's header authenticator
ALEX = {"X-Test-User": "alex"}


@pytest.fixture
def app(make_webapp, commit):
    build_desk(commit)  # #1001 is casey's ticket in Sales, where alex works
    return make_webapp([*PLUGINS, greeter])


def test_staff_side_panel_never_reaches_the_customer(app):
    staff = app.get("/management/tickets/1001", headers=ALEX).html
    assert staff.select_one(".ticket-side #greeter-internal").text == (
        "Internal: Casey Customer is grumpy"
    )
    assert staff.select_one("#greeter-hello") is None

    customer = app.get("/tickets/1001", headers=CASEY)
    assert customer.html.select_one("aside #greeter-hello").text == "Hello from ticket #1001"
    assert "grumpy" not in customer.text


class OldSidePanel:
    """Written against the slot names before they said their audience."""

    PLUGIN = PluginInfo(name="old_panel", title="Old panel")

    @hookimpl
    def frontdesk_ui_slot(self, slot, context):
        if slot == Slot.TICKET_SIDE_PANEL:
            return Markup('<section id="old-panel">Margin on #{}: 12%</section>').format(
                context.number
            )
        if slot == Slot.DASHBOARD_WIDGETS:
            return Markup('<section id="old-widget">Revenue this week</section>')
        return None


def test_a_renamed_slot_still_fills_staff_pages_only_with_a_warning(make_webapp, commit):
    build_desk(commit)
    app = make_webapp([*PLUGINS, greeter, OldSidePanel()])

    with pytest.warns(FrontdeskDeprecationWarning, match="'old_panel' fills slot 'ticket_side"):
        staff = app.get("/management/tickets/1001", headers=ALEX)
    assert staff.html.select_one(".ticket-side #old-panel").text == "Margin on #1001: 12%"
    with pytest.warns(FrontdeskDeprecationWarning, match="'old_panel' fills slot 'dashboard"):
        assert app.get("/management/", headers=ALEX).html.select_one("#old-widget")

    assert "12%" not in app.get("/tickets/1001", headers=CASEY).text
    assert "Revenue" not in app.get("/", headers=CASEY).text


def test_a_page_cannot_render_another_audiences_slot(app):
    staff_only = pytest.raises(ValueError, match="not rendered on portal pages")
    with app_request(app, "/tickets/1001") as request, staff_only:
        render_slot(request, Slot.MANAGEMENT_TICKET_SIDE_PANEL)
    customers_only = pytest.raises(ValueError, match="not rendered on management pages")
    with app_request(app, "/management/") as request, customers_only:
        render_slot(request, "portal.home.widgets")


def test_slot_content_vanishes_when_its_plugin_is_off(app):
    set_plugin_enabled(app, "greeter", False)  # its header authenticator too: log in

    login(app, "alex")
    staff = app.get("/management/tickets/1001")
    assert staff.html.select_one(".ticket-side") is not None
    assert "grumpy" not in staff.text
    login(app, "casey", prefix="")
    customer = app.get("/tickets/1001")
    assert customer.html.select_one("aside") is not None
    assert "Hello from ticket" not in customer.text


def test_columns_are_staff_only_unless_they_name_the_portal(app):
    portal = app.get("/tickets/", headers=CASEY).html
    assert [th.text for th in portal.select(".ticket-table th")][-1] == "Greeting"
    assert "Mood" not in portal.text
    cells = {td.text for td in portal.select(".ticket-table tbody td:last-child")}
    assert cells == {"Hi #1001", "Hi #1002"}

    staff = app.get("/management/tickets/", headers=ALEX).html
    assert [th.text for th in staff.select(".queue-table th")][-2:] == ["Mood", "Greeting"]


def test_columns_vanish_when_their_plugin_is_off(app):
    set_plugin_enabled(app, "greeter", False)

    login(app, "alex")
    staff = app.get("/management/tickets/").html
    assert "Subject" in {th.text for th in staff.select(".queue-table th")}
    assert not {"Mood", "Greeting"} & {th.text for th in staff.select(".queue-table th")}
    login(app, "casey", prefix="")
    portal = app.get("/tickets/").html
    assert portal.select(".ticket-table tbody tr")
    assert "Greeting" not in {th.text for th in portal.select(".ticket-table th")}
