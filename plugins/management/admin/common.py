"""What every administration page shares: the sub-navigation, form helpers, responses."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.i18n import TranslationString
from pyramid.renderers import get_renderer, render_to_response
from pyramid.request import Request
from pyramid.response import Response

from frontdesk.db.users import User
from frontdesk.i18n import translate
from frontdesk.identity.accounts import ValidationError
from frontdesk.licensing.installed import active_agent_count, current_seat_limit
from frontdesk.plugin_platform.permissions import Role, allowed
from frontdesk.plugins.management.i18n import DOMAIN, _
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
        label=_("Departments"),
        route="management.admin.departments",
        permission=P.DepartmentsManage,
        summary=_("Create, rename, hide from customers and deactivate departments."),
    ),
    Section(
        key="agents",
        label=_("Agents"),
        route="management.admin.agents",
        permission=P.AgentsManage,
        summary=_("Agents and administrators, their departments, license seats and passwords."),
    ),
    Section(
        key="customers",
        label=_("Customers"),
        route="management.admin.customers",
        permission=P.CustomersManage,
        summary=_("Find customers, deactivate them or reset their passwords."),
    ),
    Section(
        key="permissions",
        label=_("Permissions"),
        route="management.admin.permissions",
        permission=P.PermissionsManage,
        summary=_(
            "Each role's permissions, grants per agent and department, and why a user "
            "can or cannot see a ticket."
        ),
    ),
    Section(
        key="plugins",
        label=_("Plugins"),
        route="management.admin.plugins",
        permission="core:plugins:manage",
        summary=_("Switch plugins on and off and see why one is inactive."),
    ),
    Section(
        key="license",
        label=_("License"),
        route="management.admin.license",
        permission="core:license:manage",
        summary=_("The edition in force, seats and expiry; install a new license key."),
    ),
    Section(
        key="settings",
        label=_("Settings"),
        route="management.admin.settings",
        permission=P.SettingsManage,
        summary=_(
            "Portal welcome text, self-registration, re-authentication, upload limits, "
            "languages and time zones, notification defaults and incoming mail rules."
        ),
    ),
    Section(
        key="mailboxes",
        label=_("Mailboxes"),
        route="management.admin.mailboxes",
        permission=P.MailboxesManage,
        summary=_("Each department's incoming mailbox: IMAP server, folder, login; test it."),
    ),
    Section(
        key="mail",
        label=_("Outgoing mail"),
        route="management.admin.mail_log",
        permission=P.MailManage,
        summary=_("Mail sent, failed with the reason, or waiting to be retried; send a test mail."),
    ),
    Section(
        key="quarantine",
        label=_("Quarantine"),
        route="management.admin.quarantine",
        permission=P.MailManage,
        summary=_("Incoming mail that could not be processed: why, retry or discard."),
    ),
    Section(
        key="jobs",
        label=_("Failed jobs"),
        route="management.admin.jobs",
        permission=P.JobsManage,
        summary=_("Background jobs that kept failing: the error, retry or discard."),
    ),
    Section(
        key="audit",
        label=_("Audit log"),
        route="management.admin.audit",
        permission=P.AuditView,
        summary=_("Who changed what in the administration, and when."),
    ),
)


#: What the administration calls each role (``Role`` values are codes, not words).
ROLE_TITLES = {
    Role.CUSTOMER.value: _("Customer"),
    Role.AGENT.value: _("Agent"),
    Role.ADMINISTRATOR.value: _("Administrator"),
}


def role_title(role: str) -> str:
    """The role's name for people (a translation string; unknown codes as they are)."""
    return ROLE_TITLES.get(str(role), str(role))


def source_text(message: str) -> str:
    """The English text of ``message`` with its placeholders filled in: the audit log
    records changes in the source language, whoever makes them."""
    if isinstance(message, TranslationString):
        mapping = {key: source_text(value) for key, value in (message.mapping or {}).items()}
        return TranslationString(message, mapping=mapping).interpolate()
    return str(message)


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
        "role_title": role_title,
        "_": _,
        "tr": functools.partial(translate, request),
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


NOTHING_CHANGED = _("Nothing was changed.")


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
    #: ``3 of 5 seats used``, in the viewer's language.
    text: str

    @property
    def full(self) -> bool:
        return self.limit is not None and self.used >= self.limit


def seats(request: Request) -> Seats:
    used = active_agent_count(request.dbsession)
    limit = seat_limit(request)
    localizer = request.localizer
    if limit is None:
        text = localizer.pluralize(
            "${used} active agent or administrator; no seat limit",
            "${used} active agents and administrators; no seat limit",
            used,
            domain=DOMAIN,
            mapping={"used": request.format_number(used)},
        )
    else:
        text = localizer.pluralize(
            "${used} of ${limit} seat used",
            "${used} of ${limit} seats used",
            limit,
            domain=DOMAIN,
            mapping={"used": request.format_number(used), "limit": request.format_number(limit)},
        )
    return Seats(used=used, limit=limit, text=text)


def seat_limit(request: Request) -> int | None:
    return current_seat_limit(
        request.dbsession, request.registry.frontdesk_plugins, request.registry.settings
    )
