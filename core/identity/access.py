"""Who may act on which ticket: one set of rules for lists and single records.

Each rule is a name plus a SQL condition on ``Ticket``. A ticket list filters with the
rules OR-ed together; a single ticket is allowed exactly when one of the same conditions
matches it (checked by the database, so the two can never disagree). Plugins add rules
through ``frontdesk_ticket_access_rules``; :func:`explain` names the deciding rule.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from frontdesk.db.auth import PermissionGrant
from frontdesk.db.tickets import Ticket
from frontdesk.db.users import User
from frontdesk.i18n import _
from frontdesk.plugin_platform.permissions import (
    EffectivePermissions,
    Permission,
    effective_permissions,
)

if TYPE_CHECKING:  # pragma: no cover
    from pyramid.request import Request


class TicketPermission(enum.StrEnum):
    """Core's ticket permissions (the shared domain every interface acts on)."""

    VIEW = "core:ticket:view"
    CREATE = "core:ticket:create"
    REPLY = "core:ticket:reply"
    NOTE = "core:ticket:note"
    ASSIGN = "core:ticket:assign"
    STATUS = "core:ticket:status"


@dataclass(frozen=True, kw_only=True)
class AccessRule:
    """One reason a user may act on tickets: those matching ``clause``."""

    name: str
    description: str
    clause: ColumnElement[bool]


@dataclass(frozen=True, kw_only=True)
class Decision:
    allowed: bool
    rule: AccessRule | None
    reason: str


def permissions_of(
    db: Session, user: User, declared: dict[str, Permission]
) -> EffectivePermissions:
    """Role defaults plus the administrator's grants for ``user``."""
    grants = db.execute(
        select(PermissionGrant.department_id, PermissionGrant.permission).where(
            PermissionGrant.user_id == user.id
        )
    ).all()
    return effective_permissions(
        role=user.role,
        declared=declared,
        department_ids=[d.id for d in user.departments if d.active],
        grants=[(row.department_id, row.permission) for row in grants],
    )


def ticket_rules(request: Request, permission: str, user: User | None = None) -> list[AccessRule]:
    """Every active plugin's rules for ``user`` (default: the request's) and ``permission``."""
    user = user if user is not None else request.user
    if user is None or not user.active:
        return []
    batches = request.registry.frontdesk_plugins.active_hook(request).frontdesk_ticket_access_rules(
        request=request, user=user, permission=str(permission)
    )
    return [rule for batch in batches for rule in batch or ()]


def ticket_filter(
    request: Request, permission: str, user: User | None = None
) -> ColumnElement[bool]:
    """The condition a ticket list applies: tickets some rule allows."""
    rules = ticket_rules(request, permission, user)
    return or_(*(rule.clause for rule in rules)) if rules else false()


def _matches(db: Session, ticket_id: int, rule: AccessRule) -> bool:
    return db.scalar(select(Ticket.id).where(Ticket.id == ticket_id, rule.clause)) is not None


def ticket_decision(
    request: Request, permission: str, ticket: Ticket, user: User | None = None
) -> Decision:
    """Whether ``user`` may use ``permission`` on ``ticket``, and the rule that decided."""
    rules = ticket_rules(request, permission, user)
    for rule in rules:
        if _matches(request.dbsession, ticket.id, rule):
            return Decision(allowed=True, rule=rule, reason=rule.description)
    if not rules:
        reason = _("no rule grants ${permission} at all", mapping={"permission": permission})
        return Decision(allowed=False, rule=None, reason=reason)
    return Decision(
        allowed=False,
        rule=None,
        reason=_(
            "no rule matches this ticket (${rules} do not)",
            mapping={"rules": "; ".join(r.name for r in rules)},
        ),
    )


def explain(
    request: Request, user: User, ticket: Ticket, permission: str = TicketPermission.VIEW
) -> list[tuple[AccessRule, bool]]:
    """Each rule that could apply to ``user`` and whether it matches ``ticket``."""
    return [
        (rule, _matches(request.dbsession, ticket.id, rule))
        for rule in ticket_rules(request, permission, user)
    ]


def ticket_context(request: Request) -> Ticket:
    """Route factory for ``.../tickets/{number}/...``: the ticket, or 404.

    A ticket the user may not even see answers 404, exactly like one that does not
    exist, so ticket numbers reveal nothing. Views then declare the permission they
    need (reply, close, ...) against this ticket as the context.
    """
    from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound

    if request.user is None:
        raise HTTPForbidden()  # to the login page, whether or not the ticket exists
    number = request.matchdict.get("number", "")
    ticket = request.dbsession.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None or not ticket_decision(request, TicketPermission.VIEW, ticket).allowed:
        raise HTTPNotFound()
    return ticket
