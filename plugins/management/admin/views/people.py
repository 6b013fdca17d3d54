"""Agents and administrators (with the license's seats), and customers."""

from __future__ import annotations

from typing import Any

from pyramid.i18n import TranslationString
from pyramid.request import Request
from pyramid.view import view_config
from sqlalchemy import func, not_, or_, select
from sqlalchemy.orm import selectinload

from frontdesk.db.tickets import Ticket
from frontdesk.db.users import Department, User
from frontdesk.i18n import translate
from frontdesk.identity.access import TicketPermission, ticket_filter
from frontdesk.identity.accounts import ValidationError
from frontdesk.identity.throttle import locked_until
from frontdesk.plugin_platform.permissions import Role
from frontdesk.plugins.management.admin import services
from frontdesk.plugins.management.admin.common import (
    NOTHING_CHANGED,
    done,
    invalid,
    nothing_changed,
    page,
    seat_limit,
    seats,
    template,
    user_or_404,
)
from frontdesk.plugins.management.i18n import DOMAIN, _
from frontdesk.plugins.management.permissions import P
from frontdesk.web.request_checks import positive_int

AGENTS = "management.admin.agents"
AGENT = "management.admin.agent"
CUSTOMERS = "management.admin.customers"
CUSTOMER = "management.admin.customer"
PAGE_SIZE = 50
STAFF = (Role.AGENT.value, Role.ADMINISTRATOR.value)


ALREADY_INACTIVE = _("${username} was already inactive.")
DEACTIVATED = _("${username} is deactivated and logged out everywhere.")
ALREADY_ACTIVE = _("${username} was already active.")
REACTIVATED = _("${username} is active again.")
PASSWORD_RESET = _("The password of ${username} was reset; every session of theirs has ended.")
NOT_LOCKED = _("${username} was not locked.")
UNLOCKED = _("${username} may log in again from anywhere.")


def _about(message: str, user: User) -> TranslationString:
    """``message`` (one of the above) naming ``user``."""
    return TranslationString(message, mapping={"username": user.username})


# --- agents and administrators -------------------------------------------------------------


@view_config(route_name=AGENTS, renderer=template("agents"), permission=P.AgentsManage)
def agents(request: Request) -> dict[str, Any]:
    staff = request.dbsession.scalars(
        select(User)
        .where(User.role.in_(STAFF))
        .options(selectinload(User.departments))
        .order_by(User.active.desc(), User.login_key)
    ).all()
    return page(request, "agents", staff=staff, seats=seats(request))


def _department_choices(request: Request, user: User | None = None) -> list[Department]:
    """Active departments, plus inactive ones ``user`` still belongs to."""
    mine = {d.id for d in user.departments} if user is not None else set()
    return [
        d
        for d in request.dbsession.scalars(select(Department).order_by(func.lower(Department.name)))
        if d.active or d.id in mine
    ]


def _chosen_departments(request: Request) -> list[Department]:
    return services.departments_by_id(request.dbsession, request.POST.getall("department"))


@view_config(
    route_name="management.admin.agent_new",
    renderer=template("agent_new"),
    permission=P.AgentsManage,
)
def agent_new(request: Request) -> Any:
    values = {"departments": _department_choices(request), "seats": seats(request)}
    if request.method != "POST":
        form = {
            "username": "",
            "display_name": "",
            "email": "",
            "role": "agent",
            "department": [],
        }
        return page(request, "agents", form=form, **values)
    post = request.POST
    form = {
        "username": post.get("username", "").strip(),
        "display_name": post.get("display_name", ""),
        "email": post.get("email", "").strip(),
        "role": post.get("role", ""),
        "department": post.getall("department"),
    }
    try:
        chosen = _chosen_departments(request)
        user = services.create_staff(
            request.dbsession,
            request.user,
            username=form["username"],
            display_name=form["display_name"],
            email=form["email"],
            role=form["role"],
            departments=chosen,
            password=post.get("password", ""),
            seat_limit=seat_limit(request),
            declared=request.registry["frontdesk_permissions"],
        )
    except ValidationError as exc:
        return {**page(request, "agents", form=form, **values), **invalid(request, exc)}
    created = (
        _("Administrator ${username} created.")
        if user.role == Role.ADMINISTRATOR
        else _("Agent ${username} created.")
    )
    return done(request, _about(created, user), AGENTS)


def _agent_page(request: Request, user: User, form: dict[str, Any], **values: Any) -> dict:
    return page(
        request,
        "agents",
        person=user,
        form=form,
        departments=_department_choices(request, user),
        seats=seats(request),
        is_self=user.id == request.user.id,
        locked_until=locked_until(request.dbsession, user.login_key),
        unlock_action=request.route_path("management.admin.agent_unlock", id=user.id),
        **values,
    )


@view_config(route_name=AGENT, renderer=template("agent"), permission=P.AgentsManage)
def agent(request: Request) -> Any:
    user = user_or_404(request, staff=True)
    if request.method != "POST":
        form = {
            "display_name": user.display_name,
            "email": user.email or "",
            "role": user.role,
            "department": [str(d.id) for d in user.departments],
        }
        return _agent_page(request, user, form)
    post = request.POST
    form = {
        "display_name": post.get("display_name", ""),
        "email": post.get("email", ""),
        "role": post.get("role", ""),
        "department": post.getall("department"),
    }
    try:
        chosen = _chosen_departments(request)
        changes = services.update_staff(
            request.dbsession,
            request.user,
            user,
            display_name=form["display_name"],
            email=form["email"],
            role=form["role"],
            departments=chosen,
            declared=request.registry["frontdesk_permissions"],
        )
    except ValidationError as exc:
        return {**_agent_page(request, user, form), **invalid(request, exc)}
    if not changes:
        return nothing_changed(request, NOTHING_CHANGED, AGENT, id=user.id)
    return done(request, _about(_("${username} saved."), user), AGENT, id=user.id)


def _saved_form(user: User) -> dict[str, Any]:
    return {
        "display_name": user.display_name,
        "email": user.email or "",
        "role": user.role,
        "department": [str(d.id) for d in user.departments],
    }


def _refused(request: Request, user: User, exc: ValidationError) -> dict[str, Any]:
    """The agent page again, saying why an action was refused (a password problem
    beside the password field, anything else at the top)."""
    invalid(request, exc)
    return _agent_page(request, user, _saved_form(user), **_beside_or_above(request, exc))


def _beside_or_above(request: Request, exc: ValidationError) -> dict[str, Any]:
    """A password problem goes beside the password field, anything else at the top."""
    others = [translate(request, m) for field, m in exc.errors.items() if field != "password"]
    return {
        "errors": {k: v for k, v in exc.errors.items() if k == "password"},
        "message": " ".join(others) or None,
    }


@view_config(
    route_name="management.admin.agent_deactivate",
    renderer=template("agent"),
    permission=P.AgentsManage,
    request_method="POST",
)
def agent_deactivate(request: Request) -> Any:
    user = user_or_404(request, staff=True)
    try:
        changed = services.deactivate(request.dbsession, request.user, user)
    except ValidationError as exc:
        return _refused(request, user, exc)
    if not changed:
        return nothing_changed(request, _about(ALREADY_INACTIVE, user), AGENTS)
    return done(request, _about(DEACTIVATED, user), AGENTS)


@view_config(
    route_name="management.admin.agent_reactivate",
    renderer=template("agent"),
    permission=P.AgentsManage,
    request_method="POST",
)
def agent_reactivate(request: Request) -> Any:
    user = user_or_404(request, staff=True)
    try:
        changed = services.reactivate(
            request.dbsession, request.user, user, seat_limit=seat_limit(request)
        )
    except ValidationError as exc:
        return _refused(request, user, exc)
    if not changed:
        return nothing_changed(request, _about(ALREADY_ACTIVE, user), AGENTS)
    return done(request, _about(REACTIVATED, user), AGENTS)


@view_config(
    route_name="management.admin.agent_password",
    renderer=template("agent"),
    permission=P.AgentsManage,
    request_method="POST",
)
def agent_password(request: Request) -> Any:
    user = user_or_404(request, staff=True)
    try:
        services.reset_password(
            request.dbsession,
            request.user,
            user,
            request.POST.get("password", ""),
            declared=request.registry["frontdesk_permissions"],
        )
    except ValidationError as exc:
        return _refused(request, user, exc)
    return done(request, _about(PASSWORD_RESET, user), AGENT, id=user.id)


@view_config(
    route_name="management.admin.agent_unlock",
    renderer=template("agent"),
    permission=P.AgentsManage,
    request_method="POST",
)
def agent_unlock(request: Request) -> Any:
    user = user_or_404(request, staff=True)
    try:
        changed = services.unlock_login(request.dbsession, request.user, user)
    except ValidationError as exc:
        return _refused(request, user, exc)
    return _unlocked(request, user, changed, AGENT)


def _unlocked(request: Request, user: User, changed: bool, route: str) -> Any:
    if not changed:
        return nothing_changed(request, _about(NOT_LOCKED, user), route, id=user.id)
    return done(request, _about(UNLOCKED, user), route, id=user.id)


# --- customers -----------------------------------------------------------------------------


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@view_config(route_name=CUSTOMERS, renderer=template("customers"), permission=P.CustomersManage)
def customers(request: Request) -> dict[str, Any]:
    db = request.dbsession
    q = request.GET.get("q", "").strip()[:200]
    number = positive_int(request.GET.get("page"), 1) or 1
    query = select(User).where(User.role == Role.CUSTOMER.value)
    if q:
        pattern = _like(q.casefold())
        query = query.where(
            or_(
                User.login_key.like(pattern, escape="\\"),
                func.lower(User.display_name).like(pattern, escape="\\"),
                func.lower(func.coalesce(User.email, "")).like(pattern, escape="\\"),
            )
        )
    total = db.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    number = min(number, pages)
    found = db.scalars(
        query.order_by(User.login_key, User.id).limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)
    ).all()

    def link(n: int) -> str:
        return request.route_path(CUSTOMERS, _query={k: v for k, v in (("q", q), ("page", n)) if v})

    return page(
        request,
        "customers",
        customers=found,
        q=q,
        count=request.localizer.pluralize(
            "${count} customer",
            "${count} customers",
            total,
            domain=DOMAIN,
            mapping={"count": request.format_number(total)},
        ),
        page_number=number,
        pages=pages,
        previous_url=link(number - 1) if number > 1 else None,
        next_url=link(number + 1) if number < pages else None,
    )


def _customer_page(request: Request, user: User, **values: Any) -> dict[str, Any]:
    return page(
        request,
        "customers",
        person=user,
        locked_until=locked_until(request.dbsession, user.login_key),
        unlock_action=request.route_path("management.admin.customer_unlock", id=user.id),
        **values,
    )


@view_config(route_name=CUSTOMER, renderer=template("customer"), permission=P.CustomersManage)
def customer(request: Request) -> dict[str, Any]:
    return _customer_page(request, user_or_404(request, staff=False))


def _customer_refused(request: Request, user: User, exc: ValidationError) -> dict[str, Any]:
    invalid(request, exc)
    return _customer_page(request, user, **_beside_or_above(request, exc))


@view_config(
    route_name="management.admin.customer_deactivate",
    renderer=template("customer"),
    permission=P.CustomersManage,
    request_method="POST",
)
def customer_deactivate(request: Request) -> Any:
    user = user_or_404(request, staff=False)
    try:
        changed = services.deactivate(request.dbsession, request.user, user)
    except ValidationError as exc:
        return _customer_refused(request, user, exc)
    if not changed:
        return nothing_changed(request, _about(ALREADY_INACTIVE, user), CUSTOMER, id=user.id)
    return done(request, _about(DEACTIVATED, user), CUSTOMER, id=user.id)


@view_config(
    route_name="management.admin.customer_reactivate",
    renderer=template("customer"),
    permission=P.CustomersManage,
    request_method="POST",
)
def customer_reactivate(request: Request) -> Any:
    user = user_or_404(request, staff=False)
    changed = services.reactivate(request.dbsession, request.user, user, seat_limit=None)
    if not changed:
        return nothing_changed(request, _about(ALREADY_ACTIVE, user), CUSTOMER, id=user.id)
    return done(request, _about(REACTIVATED, user), CUSTOMER, id=user.id)


def _check_sees_all_tickets_of(request: Request, customer: User) -> None:
    """Whoever sets a customer's password can read their tickets in the portal: an agent
    may do it only for customers none of whose tickets are hidden from them."""
    hidden = request.dbsession.scalar(
        select(Ticket.id)
        .where(
            Ticket.requester_id == customer.id, not_(ticket_filter(request, TicketPermission.VIEW))
        )
        .limit(1)
    )
    if hidden is not None:
        raise ValidationError(
            {
                "role": _(
                    "${username} has tickets you cannot see; only someone who sees all of "
                    "them, such as an administrator, can reset this password.",
                    mapping={"username": customer.username},
                )
            }
        )


@view_config(
    route_name="management.admin.customer_password",
    renderer=template("customer"),
    permission=P.CustomersManage,
    request_method="POST",
)
def customer_password(request: Request) -> Any:
    user = user_or_404(request, staff=False)
    try:
        _check_sees_all_tickets_of(request, user)
        services.reset_password(
            request.dbsession,
            request.user,
            user,
            request.POST.get("password", ""),
            declared=request.registry["frontdesk_permissions"],
        )
    except ValidationError as exc:
        return _customer_refused(request, user, exc)
    return done(request, _about(PASSWORD_RESET, user), CUSTOMER, id=user.id)


@view_config(
    route_name="management.admin.customer_unlock",
    renderer=template("customer"),
    permission=P.CustomersManage,
    request_method="POST",
)
def customer_unlock(request: Request) -> Any:
    user = user_or_404(request, staff=False)
    return _unlocked(
        request, user, services.unlock_login(request.dbsession, request.user, user), CUSTOMER
    )
