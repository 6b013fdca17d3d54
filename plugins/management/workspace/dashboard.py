"""The dashboard (counts that lead into the queue) and the agent's own profile page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.i18n import TranslationString
from pyramid.request import Request
from pyramid.view import view_config
from sqlalchemy import case, func, select

from frontdesk.account.profile import PROFILE_FIELD_IDS, profile_form, update_profile
from frontdesk.db.meta import utcnow
from frontdesk.db.tickets import Ticket, TicketStatus
from frontdesk.db.users import Department
from frontdesk.identity.access import TicketPermission, ticket_filter
from frontdesk.plugin_platform.permissions import Role, allowed
from frontdesk.plugins.management.admin.common import role_title
from frontdesk.plugins.management.i18n import _
from frontdesk.plugins.management.permissions import P
from frontdesk.plugins.management.workspace.common import (
    ACTIVE_STATUSES,
    page_assets,
    status_title,
    template,
)
from frontdesk.plugins.management.workspace.queue import QueueFilters, run_queue
from frontdesk.web.forms import ErrorSummary


@dataclass(frozen=True, kw_only=True)
class Tile:
    key: str
    label: TranslationString
    count: int
    href: str


def dashboard_counts(request: Request) -> dict[str, int]:
    """Not-closed tickets the agent may see: assigned to them, unassigned, waiting on the
    customer, and past their due time (one query)."""
    user = request.user
    now = utcnow()

    def count(condition: Any) -> Any:
        return func.count(case((condition, 1)))

    row = request.dbsession.execute(
        select(
            count(Ticket.assignee_id == user.id).label("mine"),
            count(Ticket.assignee_id.is_(None)).label("unassigned"),
            count(Ticket.status == TicketStatus.WAITING.value).label("waiting"),
            count(Ticket.due_at < now).label("overdue"),
        ).where(
            ticket_filter(request, TicketPermission.VIEW),
            Ticket.status.in_([s.value for s in ACTIVE_STATUSES]),
        )
    ).one()
    return dict(row._mapping)


@view_config(
    route_name="management.home",
    renderer=template("dashboard.pt"),
    permission=P.DashboardView,
)
def dashboard(request: Request) -> dict[str, Any]:
    counts = dashboard_counts(request)

    def queue_url(**params: str) -> str:
        return request.route_path("management.tickets", _query=params)

    tiles = [
        Tile(
            key="mine",
            label=_("My open tickets"),
            count=counts["mine"],
            href=queue_url(assignee="me"),
        ),
        Tile(
            key="unassigned",
            label=_("Unassigned in my departments"),
            count=counts["unassigned"],
            href=queue_url(assignee="unassigned"),
        ),
        Tile(
            key="waiting",
            label=_("Waiting on customer"),
            count=counts["waiting"],
            href=queue_url(status=TicketStatus.WAITING.value),
        ),
        Tile(
            key="overdue",
            label=_("Overdue"),
            count=counts["overdue"],
            href=queue_url(due="overdue"),
        ),
    ]
    recent = run_queue(request, QueueFilters(assignee="me"), per_page=5)
    return {
        **page_assets(request),
        "tiles": tiles,
        "recent": recent.tickets,
        "status_title": status_title,
        "ticket_url": lambda t: request.route_path("management.ticket", number=t.number),
        "mine_url": queue_url(assignee="me"),
    }


@dataclass(frozen=True, kw_only=True)
class PermissionRow:
    """One department of the profile's table: which ticket permissions I hold there."""

    department: Department
    see: bool
    reply: bool
    note: bool
    status: bool
    assign: bool


@view_config(
    route_name="management.profile",
    renderer=template("workspace/profile.pt"),
    permission=P.DashboardView,
    request_method=("GET", "POST"),
)
def profile(request: Request) -> Any:
    """Who I am here, what I may do in each of my departments, and my profile fields
    (name, email, language and time zone, notifications, signature; the form posts here,
    a refused value comes back beside its field)."""
    user = request.user
    errors: dict[str, TranslationString] = {}
    if request.method == "POST":
        errors = update_profile(request, user, request.POST)
        if not errors:
            request.session.flash(_("Your profile is saved."), "success")
            return HTTPSeeOther(request.route_url("management.profile"))
        request.response.status_int = 400
    held = request.permissions
    if user.role == Role.ADMINISTRATOR:
        departments = list(
            request.dbsession.scalars(
                select(Department).where(Department.active.is_(True)).order_by(Department.name)
            )
        )
    else:
        departments = sorted((d for d in user.departments if d.active), key=lambda d: d.name)
    rows = [
        PermissionRow(
            department=department,
            see=held.holds(TicketPermission.VIEW, department.id),
            reply=held.holds(TicketPermission.REPLY, department.id),
            note=held.holds(TicketPermission.NOTE, department.id),
            status=held.holds(TicketPermission.STATUS, department.id),
            assign=held.holds(TicketPermission.ASSIGN, department.id),
        )
        for department in departments
    ]
    return {
        **page_assets(request),
        "rows": rows,
        "role_title": role_title(user.role),
        "is_admin": user.role == Role.ADMINISTRATOR,
        "may_share": allowed(request, P.CannedManageShared),
        "canned_url": request.route_path("management.canned"),
        "password_url": request.route_path("management.password"),
        "profile": profile_form(request, user, request.POST, errors),
        "summary": ErrorSummary.build(request, errors, PROFILE_FIELD_IDS),
    }
