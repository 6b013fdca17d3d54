"""Departments: list, create, rename, hide from customers, deactivate."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.i18n import TranslationString
from pyramid.request import Request
from pyramid.view import view_config
from sqlalchemy import func, select

from frontdesk.db.tickets import Ticket, TicketStatus
from frontdesk.db.users import Department, agent_departments
from frontdesk.identity.accounts import ValidationError
from frontdesk.plugins.management.admin import services
from frontdesk.plugins.management.admin.common import (
    NOTHING_CHANGED,
    Confirmation,
    ask_first,
    confirmed,
    done,
    invalid,
    matched_id,
    nothing_changed,
    page,
    template,
)
from frontdesk.plugins.management.i18n import _
from frontdesk.plugins.management.permissions import P

LIST = "management.admin.departments"


def _listing(request: Request, form: dict[str, Any]) -> dict[str, Any]:
    db = request.dbsession
    departments = list(db.scalars(select(Department).order_by(func.lower(Department.name))))
    tickets = dict(
        db.execute(select(Ticket.department_id, func.count()).group_by(Ticket.department_id)).all()
    )
    agents = dict(
        db.execute(
            select(agent_departments.c.department_id, func.count()).group_by(
                agent_departments.c.department_id
            )
        ).all()
    )
    rows = [
        {"department": d, "tickets": tickets.get(d.id, 0), "agents": agents.get(d.id, 0)}
        for d in departments
    ]
    return page(request, "departments", rows=rows, form=form)


def _form(request: Request) -> dict[str, Any]:
    return {
        "name": request.POST.get("name", ""),
        "description": request.POST.get("description", ""),
        "customer_visible": request.POST.get("customer_visible") == "1",
    }


@view_config(route_name=LIST, renderer=template("departments"), permission=P.DepartmentsManage)
def departments(request: Request) -> Any:
    if request.method != "POST":
        return _listing(request, {"name": "", "description": "", "customer_visible": True})
    form = _form(request)
    try:
        department = services.create_department(
            request.dbsession,
            request.user,
            name=form["name"],
            description=form["description"],
            customer_visible=form["customer_visible"],
        )
    except ValidationError as exc:
        return {**_listing(request, form), **invalid(request, exc)}
    return done(request, _("Department ${name} created.", mapping={"name": department.name}), LIST)


def _department(request: Request) -> Department:
    department = request.dbsession.get(Department, matched_id(request))
    if department is None:
        raise HTTPNotFound()
    return department


@view_config(
    route_name="management.admin.department",
    renderer=template("department"),
    permission=P.DepartmentsManage,
)
def department(request: Request) -> Any:
    dept = _department(request)
    if request.method != "POST":
        form = {"name": dept.name, "description": dept.description}
        return page(request, "departments", department=dept, form=form)
    form = {
        "name": request.POST.get("name", ""),
        "description": request.POST.get("description", ""),
    }
    try:
        changes = services.update_department(
            request.dbsession,
            request.user,
            dept,
            name=form["name"],
            description=form["description"],
        )
    except ValidationError as exc:
        return {**page(request, "departments", department=dept, form=form), **invalid(request, exc)}
    if not changes:
        return nothing_changed(request, NOTHING_CHANGED, LIST)
    return done(request, _("Department ${name} saved.", mapping={"name": dept.name}), LIST)


#: The state changes of the list's buttons: service, value, what the flash says.
CHANGES = {
    "hide": ("set_department_visible", False, _("${name} is now hidden from customers.")),
    "show": ("set_department_visible", True, _("${name} is now visible to customers.")),
    "deactivate": (
        "set_department_active",
        False,
        _("${name} is deactivated; its tickets keep the department."),
    ),
    "reactivate": ("set_department_active", True, _("${name} is active again.")),
}


def _deactivation(request: Request, dept: Department) -> Confirmation:
    """What deactivating ``dept`` takes away, with today's numbers."""
    db = request.dbsession
    in_dept = Ticket.department_id == dept.id
    tickets = db.scalar(select(func.count()).where(in_dept))
    unfinished = db.scalar(
        select(func.count()).where(in_dept, Ticket.status != TicketStatus.CLOSED.value)
    )
    agents = db.scalar(select(func.count()).where(agent_departments.c.department_id == dept.id))
    name = {"name": dept.name}
    return Confirmation(
        title=_("Deactivate the department ${name}?", mapping=name),
        consequences=[
            _(
                "Customers can no longer choose ${name} for a new ticket, and no ticket "
                "can be transferred to it.",
                mapping=name,
            ),
            _(
                "Its agents (${agents}) lose the permissions they hold in ${name}, so its "
                "tickets leave their queues; administrators still see them.",
                mapping={**name, "agents": request.format_number(agents)},
            ),
            _(
                "Its tickets (${tickets}, ${unfinished} not closed) keep the department.",
                mapping={
                    "tickets": request.format_number(tickets),
                    "unfinished": request.format_number(unfinished),
                },
            ),
            _("You can reactivate it at any time; nothing is deleted."),
        ],
        button=_("Deactivate ${name}", mapping=name),
        fields={"change": "deactivate"},
        cancel_url=request.route_path(LIST),
    )


@view_config(
    route_name="management.admin.department_state",
    permission=P.DepartmentsManage,
    request_method="POST",
)
def department_state(request: Request) -> HTTPSeeOther:
    dept = _department(request)
    change = CHANGES.get(request.POST.get("change", ""))
    if change is None:
        raise HTTPBadRequest(_("Unknown change."))
    function, value, message = change
    if request.POST["change"] == "deactivate" and dept.active and not confirmed(request):
        return ask_first(request, "departments", _deactivation(request, dept))
    if not getattr(services, function)(request.dbsession, request.user, dept, value):
        return nothing_changed(request, NOTHING_CHANGED, LIST)
    return done(request, TranslationString(message, mapping={"name": dept.name}), LIST)
