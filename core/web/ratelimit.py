"""Rate limits on writes: new tickets, replies and anonymous submissions.

A view calls :func:`rate_limited` just before it writes; over a limit it answers the
429 page (or JSON error) that function returns, with ``Retry-After``. Limits are fixed
windows kept in the ``rate_limits`` table, since processes share nothing else: the first
hit on a key opens a window, and every hit is one atomic upsert (``INSERT ... ON CONFLICT
DO UPDATE``), so concurrent requests queue on their own row instead of failing. Keys are
per user or per address, never one row that everybody writes.

A signed-in user counts against their account (staff get ``staff_factor`` times the
limit); customers and visitors also count against their address, which bounds what
throw-away accounts can do. The count is part of the request's transaction: a refused
request still commits it, because the 429 page is an ordinary response, not an error.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from pyramid.request import Request
from pyramid.response import Response
from sqlalchemy import case, literal
from sqlalchemy.orm import Session

from frontdesk.db.auth import RateLimit, upsert
from frontdesk.db.meta import utcnow
from frontdesk.i18n import TranslationString, _
from frontdesk.i18n.messages import wait_text
from frontdesk.web.layout import error_response

HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)
SETTING_PREFIX = "frontdesk.limits."


@dataclass(frozen=True, kw_only=True)
class Limit:
    """One kind of write, limited to ``default`` per ``window`` unless settings say."""

    name: str
    setting: str
    default: int
    window: dt.timedelta
    #: The refusal, with ``${wait}`` for how long to wait.
    message: TranslationString

    def allowed(self, settings: dict, *, staff: bool = False) -> int:
        """Hits allowed per window (0: unlimited)."""
        value = int(settings.get(SETTING_PREFIX + self.setting, self.default))
        factor = int(settings.get(SETTING_PREFIX + "staff_factor", 10)) if staff else 1
        return max(value, 0) * factor


#: New tickets per account and hour (``frontdesk.limits.tickets_per_hour``).
TICKETS = Limit(
    name="tickets",
    setting="tickets_per_hour",
    default=20,
    window=HOUR,
    message=_(
        "Too many new tickets in a short time. Please try again in ${wait}; "
        "go back to keep what you wrote."
    ),
)
#: Replies per account and minute (``frontdesk.limits.replies_per_minute``).
REPLIES = Limit(
    name="replies",
    setting="replies_per_minute",
    default=10,
    window=MINUTE,
    message=_(
        "Too many replies in a short time. Please try again in ${wait}; "
        "go back to keep what you wrote."
    ),
)
#: Tickets without an account, per address and hour (``anonymous_per_hour``).
ANONYMOUS = Limit(
    name="anonymous",
    setting="anonymous_per_hour",
    default=5,
    window=HOUR,
    message=_(
        "Too many tickets from your network in a short time. Please try again in ${wait}; "
        "go back to keep what you wrote."
    ),
)
#: Every write from one address, per hour (``address_writes_per_hour``).
ADDRESS = Limit(
    name="address",
    setting="address_writes_per_hour",
    default=120,
    window=HOUR,
    message=_(
        "Too many messages from your network in a short time. Please try again in ${wait}; "
        "go back to keep what you wrote."
    ),
)


def hit(db: Session, key: str, *, allowed: int, window: dt.timedelta) -> int:
    """Count one hit on ``key``; the seconds to wait when it is over ``allowed`` (else 0)."""
    now = utcnow()
    table = RateLimit.__table__
    start_type = table.c.window_start.type
    expired = table.c.window_start <= literal(now - window, start_type)
    statement = (
        upsert(db)(table)
        .values(key=key[:255], window_start=now, hits=1)
        .on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "hits": case((expired, 1), else_=table.c.hits + 1),
                "window_start": case(
                    (expired, literal(now, start_type)), else_=table.c.window_start
                ),
            },
        )
        .returning(table.c.hits, table.c.window_start)
    )
    hits, start = db.execute(statement).one()
    if hits <= allowed:
        return 0
    start = start if start.tzinfo else start.replace(tzinfo=dt.UTC)
    return max(1, math.ceil((start + window - now).total_seconds()))


def rate_limited(request: Request, limit: Limit) -> Response | None:
    """Count this write; a 429 response to answer with when it is over a limit, else None.

    Signed-in users count against their account, visitors (``ANONYMOUS``) against their
    address; everyone but staff also against :data:`ADDRESS`.
    """
    settings = request.registry.settings
    user = request.user
    staff = user is not None and user.is_staff
    address = request.client_addr or "unknown"
    checks = [
        (f"{limit.name}:user:{user.id}" if user is not None else f"{limit.name}:{address}", limit)
    ]
    if not staff:
        checks.append((f"{ADDRESS.name}:{address}", ADDRESS))
    for key, which in checks:
        allowed = which.allowed(settings, staff=staff)
        if allowed and (wait := hit(request.dbsession, key, allowed=allowed, window=which.window)):
            message = which.message % {"wait": wait_text(wait, request)}
            response = error_response(request, 429, _("Too many requests"), message)
            response.headers["Retry-After"] = str(wait)
            return response
    return None
