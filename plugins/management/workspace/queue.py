"""The ticket queue: filters, text search, sorting and pagination over the tickets the
agent may see.

Every query starts from ``ticket_filter(request, VIEW)``, so no filter, search or count
can reach a ticket outside the agent's departments. Sorting always ends on the ticket id,
so pages never repeat or skip a ticket that shares a timestamp with another.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.view import view_config
from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select
from sqlalchemy.orm import selectinload

from frontdesk.db.meta import utcnow
from frontdesk.db.tickets import Ticket, TicketMessage, TicketPriority, TicketStatus
from frontdesk.db.users import Department
from frontdesk.identity.access import TicketPermission, ticket_filter
from frontdesk.plugin_platform.permissions import Role
from frontdesk.plugin_platform.slots import ticket_list_columns
from frontdesk.plugins.management.i18n import DOMAIN, _
from frontdesk.plugins.management.permissions import P
from frontdesk.plugins.management.workspace.common import (
    ACTIVE_STATUSES,
    page_assets,
    priority_title,
    status_title,
    template,
)
from frontdesk.tickets import PRIORITY_TITLES, STATUS_TITLES
from frontdesk.web.request_checks import positive_int

PER_PAGE = 25
MAX_TERMS = 5
MAX_QUERY = 200

STATUS_CHOICES = [
    ("active", _("Not closed")),
    *((s.value, STATUS_TITLES[s]) for s in TicketStatus),
    ("any", _("Any status")),
]
PRIORITY_CHOICES = [
    ("", _("Any priority")),
    *((p.value, PRIORITY_TITLES[p]) for p in TicketPriority),
]
ASSIGNEE_CHOICES = [("anyone", _("Anyone")), ("me", _("Me")), ("unassigned", _("Unassigned"))]
DUE_CHOICES = [("", _("Any due time")), ("overdue", _("Overdue")), ("set", _("Has a due time"))]
SORT_CHOICES = [
    ("updated", _("Last updated")),
    ("created", _("Created")),
    ("priority", _("Priority")),
    ("number", _("Number")),
]
ORDER_CHOICES = [("desc", _("Descending")), ("asc", _("Ascending"))]
PRIORITY_RANK = {"low": 1, "normal": 2, "high": 3, "urgent": 4}


def _choice(value: Any, choices: list[tuple[str, str]], default: str) -> str:
    value = str(value or "")
    return value if value in {key for key, _label in choices} else default


@dataclass(frozen=True, kw_only=True)
class QueueFilters:
    """What the queue shows; unknown values fall back to the defaults, never fail."""

    department: int | None = None
    status: str = "active"
    priority: str = ""
    assignee: str = "anyone"
    due: str = ""
    q: str = ""
    sort: str = "updated"
    order: str = "desc"
    page: int = 1

    @classmethod
    def from_params(cls, params: Mapping[str, Any], departments: set[int]) -> QueueFilters:
        department = positive_int(params.get("department"))
        return cls(
            department=department if department in departments else None,
            status=_choice(params.get("status"), STATUS_CHOICES, "active"),
            priority=_choice(params.get("priority"), PRIORITY_CHOICES, ""),
            assignee=_choice(params.get("assignee"), ASSIGNEE_CHOICES, "anyone"),
            due=_choice(params.get("due"), DUE_CHOICES, ""),
            q=" ".join(str(params.get("q", "")).split())[:MAX_QUERY],
            sort=_choice(params.get("sort"), SORT_CHOICES, "updated"),
            order=_choice(params.get("order"), ORDER_CHOICES, "desc"),
            page=positive_int(params.get("page"), 1) or 1,
        )

    def params(self, **changes: Any) -> dict[str, str]:
        """URL query parameters for these filters (defaults left out), with ``changes``."""
        values = asdict(replace(self, **changes))
        defaults = asdict(QueueFilters())
        return {
            key: str(value)
            for key, value in values.items()
            if value != defaults[key] and value not in (None, "")
        }

    @property
    def filtered(self) -> bool:
        """Whether anything but sorting and paging differs from the defaults."""
        return bool(set(self.params()) - {"sort", "order", "page"})


def escape_like(text: str) -> str:
    """``text`` for a LIKE pattern, with ``\\``, ``%`` and ``_`` matching themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_clause(text: str) -> ColumnElement[bool] | None:
    """Tickets whose subject or any message contains every word of ``text`` (case
    insensitive); a ``#1234``-style word also matches the ticket number."""
    terms = text.split()[:MAX_TERMS]
    if not terms:
        return None
    clauses = []
    for term in terms:
        pattern = f"%{escape_like(term)}%"
        alternatives = [
            Ticket.subject.ilike(pattern, escape="\\"),
            exists().where(
                TicketMessage.ticket_id == Ticket.id,
                TicketMessage.body.ilike(pattern, escape="\\"),
            ),
        ]
        number = term.removeprefix("#")
        if number.isdigit():
            alternatives.append(Ticket.number == number)
        clauses.append(or_(*alternatives))
    return and_(*clauses)


def queue_conditions(
    request: Request, filters: QueueFilters, now: dt.datetime | None = None
) -> list[ColumnElement[bool]]:
    """The WHERE conditions for ``filters``, starting with what the agent may see."""
    user = request.user
    now = now or utcnow()
    conditions = [ticket_filter(request, TicketPermission.VIEW)]
    if filters.department is not None:
        conditions.append(Ticket.department_id == filters.department)
    if filters.status == "active":
        conditions.append(Ticket.status.in_([s.value for s in ACTIVE_STATUSES]))
    elif filters.status != "any":
        conditions.append(Ticket.status == filters.status)
    if filters.priority:
        conditions.append(Ticket.priority == filters.priority)
    if filters.assignee == "me":
        conditions.append(Ticket.assignee_id == user.id)
    elif filters.assignee == "unassigned":
        conditions.append(Ticket.assignee_id.is_(None))
    if filters.due == "overdue":
        conditions.append(Ticket.due_at < now)
        conditions.append(Ticket.status != TicketStatus.CLOSED.value)
    elif filters.due == "set":
        conditions.append(Ticket.due_at.is_not(None))
    if (search := search_clause(filters.q)) is not None:
        conditions.append(search)
    return conditions


def queue_order(filters: QueueFilters) -> list[Any]:
    """ORDER BY for ``filters``: the chosen key, then the id as a tie-breaker."""
    keys: list[Any]
    if filters.sort == "created":
        keys = [Ticket.created_at]
    elif filters.sort == "priority":
        keys = [case(PRIORITY_RANK, value=Ticket.priority, else_=0), Ticket.updated_at]
    elif filters.sort == "number":  # numbers are digit strings: shorter is smaller
        keys = [func.length(Ticket.number), Ticket.number]
    else:
        keys = [Ticket.updated_at]
    keys.append(Ticket.id)
    return [key.asc() if filters.order == "asc" else key.desc() for key in keys]


def visible_departments(request: Request) -> list[Department]:
    """The departments the agent may filter by: those where they hold VIEW (for
    administrators, every active department)."""
    query = select(Department).where(Department.active.is_(True)).order_by(Department.name)
    if request.user.role != Role.ADMINISTRATOR:
        ids = request.permissions.departments_holding(TicketPermission.VIEW)
        query = query.where(Department.id.in_(ids))
    return list(request.dbsession.scalars(query))


@dataclass(frozen=True, kw_only=True)
class QueuePage:
    tickets: list[Ticket]
    total: int
    page: int
    pages: int


def run_queue(request: Request, filters: QueueFilters, per_page: int = PER_PAGE) -> QueuePage:
    """One page of the queue (the page number clamped to the last page).

    Without a text search, the total comes from its own COUNT and the page from an
    index-friendly ORDER BY ... LIMIT. A text search must read message bodies, which
    dominates; there the page and the total come from one query (``count(*) OVER ()``)
    so the bodies are read once, not twice (see bench/queue.py).
    """
    db = request.dbsession
    conditions = queue_conditions(request, filters)

    def fetch(page: int, *, with_total: bool) -> list[Any]:
        columns = [Ticket, func.count().over()] if with_total else [Ticket]
        return list(
            db.execute(
                select(*columns)
                .where(*conditions)
                .options(
                    selectinload(Ticket.department),
                    selectinload(Ticket.requester),
                    selectinload(Ticket.assignee),
                )
                .order_by(*queue_order(filters))
                .limit(per_page)
                .offset((page - 1) * per_page)
            ).all()
        )

    def count() -> int:
        return db.scalar(select(func.count(Ticket.id)).where(*conditions)) or 0

    if filters.q:
        rows = fetch(filters.page, with_total=True)
        if rows or filters.page == 1:
            total = rows[0][1] if rows else 0
            pages = max(1, math.ceil(total / per_page))
            return QueuePage(
                tickets=[r[0] for r in rows], total=total, page=filters.page, pages=pages
            )
        total = count()  # a page past the end: fall back to the last one
    else:
        total = count()
    pages = max(1, math.ceil(total / per_page))
    page = min(filters.page, pages)
    rows = fetch(page, with_total=False)
    return QueuePage(tickets=[r[0] for r in rows], total=total, page=page, pages=pages)


@view_config(route_name="management.tickets_bare", permission=P.DashboardView)
def queue_bare(request: Request) -> HTTPSeeOther:
    return HTTPSeeOther(request.route_url("management.tickets", _query=request.GET))


@view_config(
    route_name="management.tickets",
    renderer=template("workspace/queue.pt"),
    permission=P.DashboardView,
)
def queue(request: Request) -> dict[str, Any]:
    departments = visible_departments(request)
    filters = QueueFilters.from_params(request.GET, {d.id for d in departments})
    result = run_queue(request, filters)
    filters = replace(filters, page=result.page)

    def url(**changes: Any) -> str:
        return request.route_path("management.tickets", _query=filters.params(**changes))

    def sort_url(key: str) -> str:
        """A column heading's link: sort by it, or flip the order if already sorted."""
        order = "asc" if filters.sort == key and filters.order == "desc" else "desc"
        return url(sort=key, order=order, page=1)

    return {
        **page_assets(request),
        "filters": filters,
        "result": result,
        "tickets_found": request.localizer.pluralize(
            "${count} ticket",
            "${count} tickets",
            result.total,
            domain=DOMAIN,
            mapping={"count": request.format_number(result.total)},
        ),
        "departments": departments,
        "status_choices": STATUS_CHOICES,
        "priority_choices": PRIORITY_CHOICES,
        "assignee_choices": ASSIGNEE_CHOICES,
        "due_choices": DUE_CHOICES,
        "sort_choices": SORT_CHOICES,
        "order_choices": ORDER_CHOICES,
        "columns": ticket_list_columns(request),
        "status_title": status_title,
        "priority_title": priority_title,
        "ticket_url": lambda t: request.route_path("management.ticket", number=t.number),
        "sort_url": sort_url,
        "previous_url": url(page=result.page - 1) if result.page > 1 else None,
        "next_url": url(page=result.page + 1) if result.page < result.pages else None,
        "reset_url": request.route_path("management.tickets"),
    }
