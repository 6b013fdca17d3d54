"""Who is asking, and may they: Pyramid's security policy for frontdesk.

Identity comes from the request's interface session (``user_id`` plus the user's session
generation, so raising the generation ends every copy of a session), or else from the
``frontdesk_identity_from_request`` hook (API tokens, SSO headers). Permissions come from
the plugins' declarations, the administrator's per-department grants and, for tickets,
the access rules of :mod:`frontdesk.identity.access`.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from typing import Any

from pyramid.config import Configurator
from pyramid.interfaces import ISecurityPolicy
from pyramid.request import Request
from pyramid.security import Allowed, Denied
from sqlalchemy import delete
from zope.interface import implementer

from frontdesk.db.auth import RevokedSession
from frontdesk.db.tickets import Ticket
from frontdesk.db.users import User
from frontdesk.identity.access import permissions_of, ticket_decision
from frontdesk.plugin_platform.interfaces import Interface
from frontdesk.plugin_platform.permissions import (
    UNDECLARED,
    EffectivePermissions,
    Permission,
    Role,
)
from frontdesk.settings import MANAGEMENT_REAUTH, get_flag

SESSION_USER = "user_id"
SESSION_GENERATION = "generation"
SESSION_LOGIN_AT = "login_at"
SESSION_ID = "sid"
DEFAULT_ABSOLUTE_TIMEOUT = 12 * 3600


class FrontdeskDenied(Denied):
    """A denial that says why (shown in logs, and to administrators who ask)."""


def _session_user(request: Request, session: Any) -> User | None:
    """The user a session names, if that session is still valid."""
    user_id = session.get(SESSION_USER)
    if user_id is None:
        return None
    settings = request.registry.settings
    limit = int(settings.get("frontdesk.session.absolute_timeout", DEFAULT_ABSOLUTE_TIMEOUT))
    db = request.dbsession
    user = db.get(User, user_id)
    if (
        user is not None
        and user.active
        and user.session_generation == session.get(SESSION_GENERATION)
        and time.time() - session.get(SESSION_LOGIN_AT, 0) < limit
        and db.get(RevokedSession, session.get(SESSION_ID, "")) is None
    ):
        return user
    session.invalidate()
    return None


def may_use(user: User, interface: Interface) -> bool:
    """Customers use the portal only."""
    return interface == Interface.PORTAL or user.role != Role.CUSTOMER


def _user(request: Request) -> User | None:
    user = _session_user(request, request.session)
    if user is not None:
        return user if may_use(user, request.interface) else None
    interface = request.interface
    reauth = get_flag(request.dbsession, request.registry.settings, MANAGEMENT_REAUTH)
    if interface != Interface.PORTAL and not reauth:
        # Trust the portal's login for staff: adopt it into this interface's session.
        portal_session = request.registry.frontdesk_sessions.session_for(request, Interface.PORTAL)
        portal_user = _session_user(request, portal_session)
        if portal_user is not None and may_use(portal_user, interface):
            remember_user(request, portal_user)
            return portal_user
    plugins = request.registry.frontdesk_plugins
    user = plugins.active_hook(request).frontdesk_identity_from_request(
        request=request, interface=interface.value
    )
    if user is None or not user.active or not may_use(user, interface):
        return None
    return user


def _permissions(request: Request) -> EffectivePermissions | None:
    user = request.user
    if user is None:
        return None
    return permissions_of(request.dbsession, user, request.registry["frontdesk_permissions"])


def remember_user(request: Request, user: User) -> None:
    """Start a fresh session for ``user`` in this request's interface (no fixation)."""
    session = request.session
    session.invalidate()
    session[SESSION_USER] = user.id
    session[SESSION_GENERATION] = user.session_generation
    session[SESSION_LOGIN_AT] = int(time.time())
    session[SESSION_ID] = secrets.token_urlsafe(24)
    session.new_csrf_token()


def forget_user(request: Request, session: Any = None) -> None:
    """End this session (or ``session``, another interface's on this request) for good:
    its cookie, even a copy of it, no longer logs in."""
    if session is None:
        session = request.session
    session_id = session.get(SESSION_ID)
    if session_id:
        settings = request.registry.settings
        limit = int(settings.get("frontdesk.session.absolute_timeout", DEFAULT_ABSOLUTE_TIMEOUT))
        now = dt.datetime.now(dt.UTC)
        db = request.dbsession
        # Entries are needed only until the session would have expired anyway.
        db.execute(delete(RevokedSession).where(RevokedSession.expires_at < now))
        db.merge(
            RevokedSession(session_id=session_id, expires_at=now + dt.timedelta(seconds=limit))
        )
    session.invalidate()


def forget_browser(request: Request) -> list[Interface]:
    """End this browser's session in every interface, not only the request's: logging out
    of one must not leave another signed in on a shared computer. Returns the interfaces
    whose session named a user."""
    sessions = request.registry.frontdesk_sessions
    signed_in = []
    for interface in Interface:
        session = sessions.session_for(request, interface)
        if interface != request.interface and session.new:
            continue  # no cookie for that interface: nothing to end
        if session.get(SESSION_USER) is not None:
            signed_in.append(interface)
        forget_user(request, session)
    return signed_in


def end_all_sessions(user: User) -> None:
    """Every session of ``user``, in every interface and browser, stops working."""
    user.session_generation += 1


@implementer(ISecurityPolicy)
class FrontdeskSecurityPolicy:
    """Roles and grants from the database; permission names from the plugins."""

    def identity(self, request: Request) -> User | None:
        return request.user

    def authenticated_userid(self, request: Request) -> int | None:
        user = request.user
        return user.id if user is not None else None

    def permits(self, request: Request, context: Any, permission: str) -> Allowed | Denied:
        user = request.user
        if user is None:
            return FrontdeskDenied("you need to log in")
        if permission == UNDECLARED:
            return FrontdeskDenied(
                "the view declares no permission (a public view says permission=PUBLIC)"
            )
        declared: dict[str, Permission] = request.registry["frontdesk_permissions"]
        if str(permission) not in declared:
            return FrontdeskDenied(f"permission {permission!r} is not declared by any plugin")
        if isinstance(context, Ticket):
            decision = ticket_decision(request, permission, context)
            return (Allowed if decision.allowed else FrontdeskDenied)(decision.reason)
        department_id = getattr(context, "department_id", None)
        if request.permissions.holds(str(permission), department_id):
            return Allowed(f"{user.role} {user.username} holds {permission}")
        return FrontdeskDenied(f"{user.role} {user.username} lacks {permission}")

    def remember(self, request: Request, userid: Any, **kw: Any) -> list[tuple[str, str]]:
        return []

    def forget(self, request: Request, **kw: Any) -> list[tuple[str, str]]:
        forget_user(request)
        return []


def includeme(config: Configurator) -> None:
    """``request.user``, ``request.permissions``, the security policy and default deny."""
    config.add_request_method(_user, "user", reify=True)
    config.add_request_method(_permissions, "permissions", reify=True)
    config.set_security_policy(FrontdeskSecurityPolicy())
    # A view without permission= is open to nobody; public views say permission=PUBLIC.
    config.set_default_permission(UNDECLARED)
