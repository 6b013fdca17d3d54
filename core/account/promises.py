"""Whether a page may promise a mail: the pages that say "we will e-mail you" ask here,
so that they tell the truth about the administrator's defaults and the person's choices."""

from __future__ import annotations

from pyramid.request import Request

from frontdesk.db.users import User
from frontdesk.mail import notifications


def mail_expected(request: Request, kind: str, user: User | None) -> bool:
    """Whether ``user`` gets the notification ``kind`` (``"agent_replied"`` ...): they
    have an address, and their own choice (else the administrators' default
    ``notifications.<kind>``) is on."""
    if user is None or not user.email or not user.active:
        return False
    choices = notifications.user_choices(request.dbsession, user, request.registry.settings)
    return choices.get(kind, False)
