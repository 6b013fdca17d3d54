"""The quarantine: incoming mail that could not be processed, with the reason."""

from __future__ import annotations

import email.errors
import email.header
import email.parser
import email.policy
from typing import Any

from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound
from pyramid.request import Request
from pyramid.view import view_config

from frontdesk.db.mail import InboundMail, InboundStatus
from frontdesk.mail.inbound import discard_inbound, list_quarantine, reason_text, retry_inbound
from frontdesk.plugins.management.admin import services
from frontdesk.plugins.management.admin.common import (
    Confirmation,
    ask_first,
    confirmed,
    done,
    matched_id,
    page,
    template,
)
from frontdesk.plugins.management.i18n import _
from frontdesk.plugins.management.permissions import P

QUARANTINE = "management.admin.quarantine"
#: The headers shown for a quarantined mail (the raw message is not shown as a whole).
HEADERS_SHOWN = 40


def _readable(value: str) -> str:
    """A header value with its encoded words (``=?utf-8?q?...?=``) decoded, if they can be."""
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except (ValueError, LookupError, UnicodeError, email.errors.HeaderParseError):
        return value


def _headers(entry: InboundMail) -> list[tuple[str, str]]:
    """The stored mail's headers as (name, value), for the administrator to judge it (the
    body is not shown: it may be what made processing fail, or hostile)."""
    parsed = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(
        entry.raw or b""
    )
    return [(name, _readable(str(value))) for name, value in parsed.items()[:HEADERS_SHOWN]]


@view_config(
    route_name=QUARANTINE,
    renderer=template("quarantine"),
    permission=P.MailManage,
    request_method="GET",
)
def quarantine(request: Request) -> dict[str, Any]:
    return page(
        request,
        "quarantine",
        entries=list_quarantine(request.dbsession),
        reason_text=reason_text,
    )


def _entry(request: Request) -> InboundMail:
    entry = request.dbsession.get(InboundMail, matched_id(request))
    if entry is None or entry.status != InboundStatus.QUARANTINED:
        raise HTTPNotFound()
    return entry


def _discarding(request: Request, entry: InboundMail) -> Confirmation:
    return Confirmation(
        title=_("Discard this mail?"),
        consequences=[
            _(
                "The mail leaves the quarantine and never becomes a ticket, not even when "
                "it is fetched again."
            ),
            _("This cannot be undone."),
        ],
        button=_("Discard"),
        fields={"change": "discard"},
        cancel_url=request.route_path("management.admin.quarantined", id=entry.id),
    )


@view_config(
    route_name="management.admin.quarantined",
    renderer=template("quarantined"),
    permission=P.MailManage,
)
def quarantined(request: Request) -> Any:
    """One quarantined mail: the reason and its headers; POST retries or discards it."""
    entry = _entry(request)
    if request.method != "POST":
        return page(
            request,
            "quarantine",
            entry=entry,
            headers=_headers(entry),
            reason_text=reason_text,
        )
    change = request.POST.get("change", "")
    db, target = request.dbsession, f"inbound mail {entry.id}"
    if change == "retry":
        retry_inbound(db, entry.id)
        services.audit(db, request.user, "mail.inbound_retry", target)
        return done(request, _("The mail is processed again."), QUARANTINE)
    if change == "discard":
        if not confirmed(request):
            return ask_first(request, "quarantine", _discarding(request, entry))
        discard_inbound(db, entry.id)
        services.audit(db, request.user, "mail.inbound_discard", target)
        return done(request, _("The mail was discarded."), QUARANTINE)
    raise HTTPBadRequest(_("Unknown change."))
