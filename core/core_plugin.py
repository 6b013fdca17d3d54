"""The core's own contributions, made through the same hooks any plugin uses."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from pyramid.request import Request
from sqlalchemy import true
from sqlalchemy.orm import Session

from frontdesk.db.tickets import Ticket
from frontdesk.db.users import User
from frontdesk.i18n import _
from frontdesk.identity.access import AccessRule, TicketPermission, permissions_of
from frontdesk.identity.authenticators import check_local_password
from frontdesk.identity.login import ACCOUNT_PERMISSION
from frontdesk.jobs import Job
from frontdesk.licensing import License, LicenseRefusal
from frontdesk.licensing import tokens as license_tokens
from frontdesk.mail import jobs as mail_jobs
from frontdesk.mail import notifications
from frontdesk.plugin_platform import events
from frontdesk.plugin_platform.interfaces import Interface
from frontdesk.plugin_platform.navigation import Menu, MenuItem
from frontdesk.plugin_platform.permissions import Permission, Role
from frontdesk.plugin_platform.plugin_state import current_snapshot
from frontdesk.plugin_platform.pluginmanager import PluginInfo, hookimpl
from frontdesk.plugin_platform.slots import Slot

STAFF = frozenset({Role.AGENT, Role.ADMINISTRATOR})
EVERYONE = frozenset(Role)

PLUGIN = PluginInfo(
    name="core",
    title=_("Core"),
    description=_("Users, departments, tickets, licensing and the plugin machinery."),
)


@hookimpl
def frontdesk_permissions() -> list[Permission]:
    return [
        Permission(
            name="core:plugins:manage",
            title=_("Switch plugins on and off"),
            default_roles=frozenset({Role.ADMINISTRATOR}),
            administrative=True,
        ),
        Permission(
            name="core:license:manage",
            title=_("Install and remove the license"),
            default_roles=frozenset({Role.ADMINISTRATOR}),
            administrative=True,
        ),
        ACCOUNT_PERMISSION,
        Permission(
            name=TicketPermission.VIEW,
            title=_("See tickets"),
            default_roles=EVERYONE,
            per_department=True,
        ),
        Permission(name=TicketPermission.CREATE, title=_("Open tickets"), default_roles=EVERYONE),
        Permission(
            name=TicketPermission.REPLY,
            title=_("Reply to tickets"),
            default_roles=EVERYONE,
            per_department=True,
        ),
        Permission(
            name=TicketPermission.STATUS,
            title=_("Close and reopen tickets"),
            default_roles=EVERYONE,
            per_department=True,
        ),
        Permission(
            name=TicketPermission.NOTE,
            title=_("Write internal notes"),
            default_roles=STAFF,
            per_department=True,
        ),
        Permission(
            name=TicketPermission.ASSIGN,
            title=_("Assign tickets"),
            default_roles=STAFF,
            per_department=True,
        ),
    ]


@hookimpl
def frontdesk_menu_items(menu: Menu) -> list[MenuItem]:
    """Every interface's user dropdown: change password, log out (when offered)."""
    for interface in Interface:
        if menu == Menu.for_interface(interface.value, user=True):
            return [
                MenuItem(
                    label=_("Change password"),
                    route_name=f"{interface.value}.password",
                    permission=ACCOUNT_PERMISSION.name,
                    order=900,
                ),
                MenuItem(
                    label=_("Log out"),
                    route_name=f"{interface.value}.logout",
                    post=True,
                    order=1000,
                ),
            ]
    return []


@hookimpl
def frontdesk_ticket_access_rules(
    request: Request, user: User, permission: str
) -> list[AccessRule]:
    """Administrators: every ticket; customers: their own; agents: their departments'."""
    if user.role == Role.ADMINISTRATOR:
        return [
            AccessRule(
                name="core:administrator",
                description=_("administrators act on every ticket"),
                clause=true(),
            )
        ]
    held = (
        request.permissions
        if user is request.user
        else permissions_of(request.dbsession, user, request.registry["frontdesk_permissions"])
    )
    if user.role == Role.CUSTOMER:
        if not held.holds(permission):
            return []
        return [
            AccessRule(
                name="core:requester",
                description=_(
                    "customers may use ${permission} on their own tickets",
                    mapping={"permission": permission},
                ),
                clause=Ticket.requester_id == user.id,
            )
        ]
    departments = held.departments_holding(permission)
    if not departments:
        return []
    return [
        AccessRule(
            name="core:department",
            description=_(
                "${username} holds ${permission} in the ticket's department",
                mapping={"username": user.username, "permission": permission},
            ),
            clause=Ticket.department_id.in_(departments),
        )
    ]


@hookimpl(trylast=True)
def frontdesk_authenticate(request: Request, login: str, password: str) -> User | None:
    """The local password store answers after any directory a plugin adds."""
    return check_local_password(request.dbsession, login, password)


@hookimpl(trylast=True)
def frontdesk_verify_license(
    key: str, trusted_keys: dict[str, bytes]
) -> License | LicenseRefusal | None:
    """The built-in FD1 (Ed25519, offline) verifier; a plugin's verifier answers first."""
    return license_tokens.verify(key, trusted_keys)


LICENSE_EXPIRED_BANNER = Markup('<p class="banner banner--warning" role="alert">{}</p>')
LICENSE_EXPIRED = _(
    "The license for ${licensee} expired on ${expires}; this installation now runs the "
    "Free edition. Install a new license to restore ${edition} features."
)


@hookimpl
def frontdesk_ui_slot(request: Request, slot: Slot, context: Any) -> Markup | None:
    """Tell administrators, on every page, that the license expired."""
    if slot != Slot.PAGE_BANNER:
        return None
    user = request.user
    if user is None or user.role != Role.ADMINISTRATOR:
        return None
    license = current_snapshot(request).license
    if license is None or not license.is_expired():
        return None
    mapping = {
        "licensee": license.licensee,
        "expires": license.expires.isoformat(),
        "edition": license.edition.title,
    }
    return LICENSE_EXPIRED_BANNER.format(request.localizer.translate(LICENSE_EXPIRED % mapping))


@hookimpl
def frontdesk_jobs() -> list[Job]:
    """Sending mail, turning ticket events into notifications, fetching department
    mailboxes and processing piped mail."""
    from frontdesk.mail import fetch

    return [*mail_jobs(), *fetch.jobs()]


@hookimpl
def frontdesk_before_commit_event(
    event: events.Event, dbsession: Session, request: Request | None
) -> None:
    """Ticket events enqueue their notifications in the transaction that made them."""
    notifications.record(dbsession, event)
