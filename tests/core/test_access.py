"""Who may act on which ticket: one rule for lists and single records."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from frontdesk import PluginInfo, hookimpl
from frontdesk.db.auth import PermissionGrant
from frontdesk.db.tickets import Ticket
from frontdesk.db.users import Department
from frontdesk.i18n.messages import plain
from frontdesk.identity.access import (
    AccessRule,
    TicketPermission,
    explain,
    permissions_of,
    ticket_decision,
    ticket_filter,
)
from frontdesk.identity.accounts import create_user, find_user
from frontdesk.testing import app_request

VIEW, REPLY, NOTE = TicketPermission.VIEW, TicketPermission.REPLY, TicketPermission.NOTE


@pytest.fixture
def desk(commit):
    """Sales and Billing; Alex works in both but may only view in Billing."""
    with commit() as db:
        sales, billing = Department(name="Sales"), Department(name="Billing")
        db.add_all([sales, billing])
        db.flush()
        people = {
            "casey": create_user(db, username="casey", role="customer", password=None),
            "jordan": create_user(db, username="jordan", role="customer", password=None),
            "alex": create_user(
                db, username="alex", role="agent", password=None, departments=["Sales", "Billing"]
            ),
            "sam": create_user(
                db, username="sam", role="agent", password=None, departments=["Sales"]
            ),
            "ada": create_user(db, username="ada", role="administrator", password=None),
        }
        db.add(
            PermissionGrant(user_id=people["alex"].id, department_id=billing.id, permission=VIEW)
        )
        for number, requester, department in [
            ("1", "casey", sales),
            ("2", "casey", billing),
            ("3", "jordan", sales),
            ("4", "jordan", None),
        ]:
            db.add(
                Ticket(
                    number=number,
                    subject=f"ticket {number}",
                    department=department,
                    requester=people[requester],
                )
            )


@pytest.fixture
def app(make_webapp, desk):
    return make_webapp(["portal"])


def visible(request, username, permission=VIEW):
    user = find_user(request.dbsession, username)
    query = select(Ticket.number).where(ticket_filter(request, permission, user))
    return sorted(request.dbsession.scalars(query))


def test_customers_see_only_their_own_tickets(app):
    with app_request(app) as request:
        assert visible(request, "casey") == ["1", "2"]
        assert visible(request, "jordan") == ["3", "4"]
        assert visible(request, "casey", NOTE) == [], "customers never write internal notes"


def test_agents_act_per_department_grant(app):
    with app_request(app) as request:
        assert visible(request, "alex", VIEW) == ["1", "2", "3"]
        assert visible(request, "alex", REPLY) == ["1", "3"], "only view in Billing"
        assert visible(request, "sam", VIEW) == ["1", "3"]


def test_administrators_act_on_every_ticket(app):
    with app_request(app) as request:
        assert visible(request, "ada", NOTE) == ["1", "2", "3", "4"]


def test_list_and_single_record_never_disagree(app):
    with app_request(app) as request:
        db = request.dbsession
        tickets = db.scalars(select(Ticket)).all()
        for username in ("casey", "jordan", "alex", "sam", "ada"):
            user = find_user(db, username)
            for permission in TicketPermission:
                listed = set(visible(request, username, permission))
                for ticket in tickets:
                    decision = ticket_decision(request, permission, ticket, user)
                    assert decision.allowed == (ticket.number in listed), (
                        username,
                        permission,
                        ticket.number,
                    )


def test_explain_names_the_deciding_rule(app):
    with app_request(app) as request:
        db = request.dbsession
        alex = find_user(db, "alex")
        billing_ticket = db.scalar(select(Ticket).where(Ticket.number == "2"))

        reply = ticket_decision(request, REPLY, billing_ticket, alex)
        view = ticket_decision(request, VIEW, billing_ticket, alex)

        assert not reply.allowed and "core:department" in plain(reply.reason)
        assert view.allowed and view.rule.name == "core:department"
        assert [(r.name, matched) for r, matched in explain(request, alex, billing_ticket)] == [
            ("core:department", True)
        ]


def test_inactive_departments_grant_nothing(app, commit):
    with commit() as db:
        db.scalar(select(Department).where(Department.name == "Sales")).active = False
    with app_request(app) as request:
        assert visible(request, "sam") == []


def test_grants_replace_role_defaults_only_where_given(app):
    with app_request(app) as request:
        db = request.dbsession
        held = permissions_of(db, find_user(db, "alex"), request.registry["frontdesk_permissions"])
        billing = db.scalar(select(Department.id).where(Department.name == "Billing"))
        sales = db.scalar(select(Department.id).where(Department.name == "Sales"))
        assert held.holds(VIEW, billing) and not held.holds(REPLY, billing)
        assert held.holds(REPLY, sales) and held.holds(REPLY)
        assert held.holds("core:account:manage"), "not departmental: role default"


class Organisations:
    """A plugin rule: Casey manages an organisation that Jordan belongs to."""

    PLUGIN = PluginInfo(name="orgs", title="Organisations")

    @hookimpl
    def frontdesk_ticket_access_rules(self, request, user, permission):
        if user.username != "casey" or permission != VIEW:
            return []
        jordan = find_user(request.dbsession, "jordan")
        return [
            AccessRule(
                name="orgs:manager",
                description="organisation managers see colleagues' tickets",
                clause=Ticket.requester_id == jordan.id,
            )
        ]


def test_hook_frontdesk_ticket_access_rules(make_webapp, desk):
    app = make_webapp(["portal", Organisations()])
    with app_request(app) as request:
        db = request.dbsession
        assert visible(request, "casey") == ["1", "2", "3", "4"]
        assert visible(request, "casey", REPLY) == ["1", "2"], "view only"
        jordans = db.scalar(select(Ticket).where(Ticket.number == "3"))
        decision = ticket_decision(request, VIEW, jordans, find_user(db, "casey"))
        assert decision.rule.name == "orgs:manager"


def test_security_policy_uses_the_same_rules_for_ticket_contexts(app):
    with app_request(app, HTTP_X_IGNORED="1") as request:
        db = request.dbsession
        request.user = find_user(db, "jordan")
        caseys = db.scalar(select(Ticket).where(Ticket.number == "1"))
        jordans = db.scalar(select(Ticket).where(Ticket.number == "3"))
        assert not request.has_permission(VIEW, caseys)
        assert request.has_permission(VIEW, jordans)
