"""The dashboard, the profile page and who may enter the workspace at all."""

from __future__ import annotations

import datetime as dt

import pytest
from markupsafe import Markup
from sqlalchemy.orm import Session
from webtest import TestApp

from frontdesk import PluginInfo, Slot, hookimpl
from frontdesk.db.tickets import Ticket
from frontdesk.db.users import User
from frontdesk.tickets import assign, change_status, create_ticket, find_ticket, set_due
from tests.plugins.management.workspace_support import PLUGINS, build_desk, login, texts


@pytest.fixture
def desk(commit):
    return build_desk(commit)


@pytest.fixture
def app(make_webapp, desk):
    return make_webapp(PLUGINS)


def counts(page):
    return {
        tile["id"].removeprefix("tile-"): int(tile.select_one(".stat-tile__count").text)
        for tile in page.html.select(".stat-tile")
    }


@pytest.fixture
def busy(commit, desk):
    """Sales: #1001 alex's, #1003 unassigned and overdue, #1004 waiting, #1005 closed
    (overdue, but closed tickets never count); Billing: #1002 unassigned, #1006 overdue."""
    with commit() as db:
        alex, casey = db.get(User, desk["alex"]), db.get(User, desk["casey"])
        past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
        assign(db, find_ticket(db, "1001"), alex, by=alex)
        set_due(db, find_ticket(db, "1001"), past + dt.timedelta(days=3), by=alex)
        set_due(db, find_ticket(db, "1003"), past, by=alex)
        extra = {}
        for subject, department in [
            ("Waiting one", "sales"),
            ("Closed one", "sales"),
            ("Billing overdue", "billing"),
        ]:
            extra[subject] = create_ticket(
                db, requester=casey, subject=subject, body="x", department_id=desk[department]
            )
        change_status(db, extra["Waiting one"], "waiting", by=alex)
        change_status(db, extra["Closed one"], "closed", by=alex)
        set_due(db, extra["Closed one"], past, by=alex)
        set_due(db, extra["Billing overdue"], past, by=alex)
        assign(db, extra["Closed one"], alex, by=alex)


def test_dashboard_counts_only_tickets_in_my_departments(app, busy):
    login(app, "alex")
    page = app.get("/management/")
    assert counts(page) == {"mine": 1, "unassigned": 2, "waiting": 1, "overdue": 1}
    assert texts(page, ".recent-list a") == ["#1001 Printer on fire"]


def test_administrators_count_every_department(app, busy):
    login(app, "ada")
    page = app.get("/management/")
    assert counts(page) == {"mine": 0, "unassigned": 4, "waiting": 1, "overdue": 2}


@pytest.mark.parametrize("tile", ["mine", "unassigned", "waiting", "overdue"])
def test_each_count_links_to_the_queue_showing_exactly_those_tickets(app, busy, tile):
    login(app, "alex")
    page = app.get("/management/")
    link = page.html.select_one(f"#tile-{tile}")
    queue = app.get(link["href"])
    assert queue.request.path == "/management/tickets/"
    assert len(queue.html.select(".queue-table tbody tr")) == counts(page)[tile]


def test_dashboard_widgets_come_from_plugins(make_webapp, desk):
    class ChatLike:
        PLUGIN = PluginInfo(name="chatlike", title="Chat-like")

        @hookimpl
        def frontdesk_ui_slot(self, request, slot, context):
            if slot == Slot.MANAGEMENT_DASHBOARD_WIDGETS:
                return Markup('<section class="card" id="chat-widget">3 chats waiting</section>')
            return None

    app = make_webapp([*PLUGINS, ChatLike()])
    login(app, "alex")
    assert app.get("/management/").html.select_one("#chat-widget").text == "3 chats waiting"


def test_without_widgets_the_dashboard_has_no_empty_widget_area(app):
    login(app, "alex")
    assert app.get("/management/").html.select_one(".dashboard-widgets") is None


def test_menu_has_dashboard_tickets_and_my_profile(app):
    login(app, "alex")
    page = app.get("/management/")
    assert texts(page, ".main-nav a")[:2] == ["Dashboard", "Tickets"]
    assert "My profile" in texts(page, ".user-menu__items li")


def test_profile_lists_what_i_may_do_per_department(app):
    login(app, "sam")
    page = app.get("/management/profile")
    rows = {
        row.select_one("th").text: [cell.text for cell in row.select("td")]
        for row in page.html.select(".profile-permissions tbody tr")
    }
    assert rows == {
        "Billing": ["Yes", "No", "No", "No", "No"],
        "Sales": ["Yes", "Yes", "Yes", "Yes", "Yes"],
    }
    assert page.html.find("a", string="Change password")["href"] == "/management/account/password"


def test_customers_never_get_into_the_workspace(app, desk):
    page = login(app, "casey", status=403)
    assert "Customer accounts cannot use the management interface" in page.text
    for path in ("/management/", "/management/tickets/", "/management/tickets/1001"):
        assert app.get(path, status=303).location.startswith("http://localhost/management/login")


def test_a_portal_session_cannot_act_in_the_workspace(app, desk, engine):
    """A customer logged into the portal forges a reply with a valid portal CSRF token."""
    customer = TestApp(app.app)
    portal = login(customer, "casey", prefix="").follow()
    token = portal.html.select_one('input[name="csrf_token"]')["value"]
    response = customer.post(
        "/management/tickets/1001/reply",
        {"csrf_token": token, "body": "forged", "version": "1", "loaded_at": ""},
        status=303,
    )
    # The management interface has its own session: the customer is simply not logged in.
    assert response.location.startswith("http://localhost/management/login")
    with Session(engine) as db:
        ticket = find_ticket(db, "1001")
        assert [m.body for m in ticket.messages] == ["Smoke everywhere."]


def test_pages_need_a_login(app):
    for path in ("/management/", "/management/profile", "/management/canned/"):
        assert "/management/login" in app.get(path, status=303).location


def test_the_old_bookmark_still_works(app):
    login(app, "alex")
    assert app.get("/management/root.aspx", status=301).follow().request.path == "/management/"


def test_closed_ticket_is_never_overdue_on_the_dashboard(app, busy, engine):
    with Session(engine) as db:
        assert find_ticket(db, "1005").status == "closed"
        assert db.query(Ticket).filter(Ticket.due_at.is_not(None)).count() == 4
    login(app, "ada")
    assert counts(app.get("/management/"))["overdue"] == 2
