"""What every administration page shares: the sub-navigation, form helpers, responses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.renderers import get_renderer, render_to_response
from pyramid.request import Request
from pyramid.response import Response

from frontdesk.db.users import User
from frontdesk.identity.accounts import ValidationError
from frontdesk.licensing.installed import active_agent_count, current_seat_limit
from frontdesk.platform.permissions import allowed
from frontdesk.plugins.management.permissions import P
from frontdesk.web.request_checks import positive_int

TEMPLATES = "frontdesk.plugins.management:templates/admin/"
STYLESHEET = "frontdesk.plugins.management.admin:static/admin.css"
MACROS = TEMPLATES + "macros.pt"


def template(name: str) -> str:
    return f"{TEMPLATES}{name}.pt"


@dataclass(frozen=True, kw_only=True)
class Section:
    key: str
    label: str
    route: str
    permission: str
    summary: str


SECTIONS = (
    Section(
        key="departments",
        label="Departments",
        route="management.admin.departments",
        permission=P.DepartmentsManage,
        summary="Create, rename, hide from customers and deactivate departments.",
    ),
    Section(
        key="agents",
        label="Agents",
        route="management.admin.agents",
        permission=P.AgentsManage,
        summary="Agents and administrators, their departments, license seats and passwords.",
    ),
    Section(
        key="customers",
        label="Customers",
        route="management.admin.customers",
        permission=P.CustomersManage,
        summary="Find customers, deactivate them or reset their passwords.",
    ),
    Section(
        key="permissions",
        label="Permissions",
        route="management.admin.permissions",
        permission=P.PermissionsManage,
        summary="Each role's permissions, grants per agent and department, and why a user "
        "can or cannot see a ticket.",
    ),
    Section(
        key="plugins",
        label="Plugins",
        route="management.admin.plugins",
        permission="core:plugins:manage",
        summary="Switch plugins on and off and see why one is inactive.",
    ),
    Section(
        key="license",
        label="License",
        route="management.admin.license",
        permission="core:license:manage",
        summary="The edition in force, seats and expiry; install a new license key.",
    ),
    Section(
        key="settings",
        label="Settings",
        route="management.admin.settings",
        permission=P.SettingsManage,
        summary="Portal welcome text, self-registration, re-authentication, upload limits.",
    ),
    Section(
        key="audit",
        label="Audit log",
        route="management.admin.audit",
        permission=P.AuditView,
        summary="Who changed what in the administration, and when.",
    ),
)


def sections_for(request: Request) -> list[Section]:
    """The sections this request's user may use."""
    return [s for s in SECTIONS if allowed(request, s.permission)]


def page(request: Request, section: str, **values: Any) -> dict[str, Any]:
    """Template values every admin page needs, plus ``values``."""
    nav = [
        {
            "label": s.label,
            "href": request.route_path(s.route),
            "current": s.key == section,
        }
        for s in sections_for(request)
    ]
    return {
        "admin_nav": nav,
        "admin": get_renderer(MACROS).implementation(),
        "stylesheet": STYLESHEET,
        "section": section,
        "errors": {},
        "message": None,
        **values,
    }


def refuse(request: Request, status: int = 400) -> None:
    """Answer with ``status`` and make sure nothing of this request is committed."""
    request.response.status_int = status
    request.tm.doom()


def invalid(request: Request, exc: ValidationError, **values: Any) -> dict[str, Any]:
    """Values for re-showing a form with ``exc``'s messages beside its fields."""
    refuse(request)
    return {"errors": exc.errors, **values}


def done(request: Request, message: str, route: str, **kw: Any) -> HTTPSeeOther:
    """A change was made: say so on the next page (303, so reloading does not resend)."""
    request.session.flash(message, "success")
    return HTTPSeeOther(request.route_url(route, **kw))


def nothing_changed(request: Request, message: str, route: str, **kw: Any) -> HTTPSeeOther:
    request.session.flash(message)
    return HTTPSeeOther(request.route_url(route, **kw))


@dataclass(frozen=True, kw_only=True)
class Confirmation:
    """A change that takes something away, explained before it is made."""

    title: str
    consequences: list[str]
    button: str
    #: The fields of the original form, sent again with the confirmation.
    fields: dict[str, str]
    cancel_url: str


def confirmed(request: Request) -> bool:
    """Whether this POST comes from the confirmation page."""
    return request.POST.get("confirmed") == "1"


def ask_first(request: Request, section: str, confirmation: Confirmation) -> Response:
    """The confirmation page: what the change does, a button that sends the same fields
    to the same address with ``confirmed=1`` (and the CSRF token), and Cancel. Plain
    HTML, so it works without JavaScript."""
    values = page(request, section, confirm=confirmation, action=request.path)
    return render_to_response(template("confirm"), values, request=request)


def refresh_plugin_state_after_commit(request: Request) -> None:
    """This process shows a plugin switch or a new license on its very next page (other
    processes notice the state version within ``frontdesk.state_check_interval``)."""
    cache = request.registry["frontdesk_state"]
    request.tm.get().addAfterCommitHook(lambda ok: ok and cache.invalidate())


def matched_id(request: Request) -> int:
    """The ``{id}`` of the URL (digits by the route), or 404 when it cannot be a row id."""
    value = positive_int(request.matchdict["id"])
    if value is None:
        raise HTTPNotFound()
    return value


def user_or_404(request: Request, *, staff: bool) -> User:
    user = request.dbsession.get(User, matched_id(request))
    if user is None or user.is_staff != staff:
        raise HTTPNotFound()
    return user


@dataclass(frozen=True, kw_only=True)
class Seats:
    used: int
    limit: int | None

    @property
    def text(self) -> str:
        if self.limit is None:
            return f"{self.used} active agents and administrators; no seat limit"
        return f"{self.used} of {self.limit} seats used"

    @property
    def full(self) -> bool:
        return self.limit is not None and self.used >= self.limit


def seats(request: Request) -> Seats:
    db = request.dbsession
    return Seats(
        used=active_agent_count(db),
        limit=current_seat_limit(db, request.registry.frontdesk_plugins, request.registry.settings),
    )


def seat_limit(request: Request) -> int | None:
    return current_seat_limit(
        request.dbsession, request.registry.frontdesk_plugins, request.registry.settings
    )
