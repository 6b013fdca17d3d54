"""Who is asking, and may they: Pyramid's security policy for frontdesk.

Identity comes from the request's interface session (``user_id`` plus the user's session
generation, so a bumped generation ends every copy of a session), or else from the
``frontdesk_identity_from_request`` hook (API tokens, SSO headers). Permissions come from
the registry that plugins declare through ``frontdesk_permissions``.
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.interfaces import ISecurityPolicy
from pyramid.request import Request
from pyramid.security import Allowed, Denied
from zope.interface import implementer

from frontdesk.db.users import User
from frontdesk.permissions import Permission, Role

SESSION_USER = "user_id"
SESSION_GENERATION = "generation"


class FrontdeskDenied(Denied):
    """A denial that says why (shown on the 403 page and in logs)."""


def _user(request: Request) -> User | None:
    session = request.session
    user_id = session.get(SESSION_USER)
    if user_id is not None:
        user = request.dbsession.get(User, user_id)
        if (
            user is not None
            and user.active
            and user.session_generation == session.get(SESSION_GENERATION)
        ):
            return user
        session.invalidate()
    plugins = request.registry.frontdesk_plugins
    user = plugins.active_hook(request).frontdesk_identity_from_request(
        request=request, interface=request.interface.value
    )
    return user if user is not None and user.active else None


def allowed(request: Request, permission: str) -> bool:
    """``request.has_permission`` that also works on pages rendered before traversal
    (error pages for URLs refused early have no ``request.context``)."""
    context = getattr(request, "context", None)
    return bool(request.has_permission(permission, context if context is not None else _ROOT))


class _Root:
    """Stand-in context for checks made before traversal."""


_ROOT = _Root()


def remember_user(request: Request, user: User) -> None:
    """Start a fresh session for ``user`` in this request's interface (no fixation)."""
    request.session.invalidate()
    request.session[SESSION_USER] = user.id
    request.session[SESSION_GENERATION] = user.session_generation
    request.session.new_csrf_token()


def forget_user(request: Request) -> None:
    request.session.invalidate()


@implementer(ISecurityPolicy)
class FrontdeskSecurityPolicy:
    """Roles from the user row; permissions from the plugins' declarations."""

    def identity(self, request: Request) -> User | None:
        return request.user

    def authenticated_userid(self, request: Request) -> int | None:
        user = request.user
        return user.id if user is not None else None

    def permits(self, request: Request, context: Any, permission: str) -> Allowed | Denied:
        user = request.user
        if user is None:
            return FrontdeskDenied("you need to log in")
        if user.role == Role.ADMINISTRATOR:
            return Allowed("administrators hold every permission")
        declared: dict[str, Permission] = request.registry["frontdesk_permissions"]
        known = declared.get(str(permission))
        if known is None:
            return FrontdeskDenied(f"permission {permission!r} is not declared by any plugin")
        if Role(user.role) in known.default_roles:
            return Allowed(f"role {user.role} holds {permission}")
        return FrontdeskDenied(f"role {user.role} lacks {permission}")

    def remember(self, request: Request, userid: Any, **kw: Any) -> list[tuple[str, str]]:
        return []

    def forget(self, request: Request, **kw: Any) -> list[tuple[str, str]]:
        forget_user(request)
        return []


def includeme(config: Configurator) -> None:
    """``request.user`` and the security policy."""
    config.add_request_method(_user, "user", reify=True)
    config.set_security_policy(FrontdeskSecurityPolicy())
