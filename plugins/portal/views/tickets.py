"""Tickets in the portal: submit, list, read, reply, close/reopen, download attachments.

Every write goes through :mod:`frontdesk.tickets`; every read of a ticket is either
filtered by :func:`frontdesk.identity.access.ticket_filter` (lists) or goes through the
``ticket_context`` route factory (single tickets), so customers see only their own.
"""

from __future__ import annotations

import math
import secrets
from typing import Any

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from frontdesk.account.promises import mail_expected
from frontdesk.db.tickets import Attachment, MessageKind, Ticket, TicketMessage, TicketStatus
from frontdesk.db.users import User
from frontdesk.i18n import translate
from frontdesk.identity.access import TicketPermission, ticket_decision, ticket_filter
from frontdesk.identity.accounts import ValidationError
from frontdesk.plugin_platform.events import Event, emit_all, notifier
from frontdesk.plugin_platform.permissions import PUBLIC, Role, allowed
from frontdesk.plugin_platform.slots import ticket_list_columns
from frontdesk.plugins.portal.i18n import _
from frontdesk.plugins.portal.people import check_contact, requester_for_email
from frontdesk.plugins.portal.settings import anonymous_tickets, upload_policy
from frontdesk.plugins.portal.views.common import (
    STYLESHEET,
    invalid,
    template,
)
from frontdesk.tickets import (
    STATUS_TITLES,
    add_message,
    change_status,
    create_ticket,
    customer_departments,
    find_ticket,
    new_submission_token,
    submitted_ticket,
)
from frontdesk.tickets.attachments import (
    describe_policy,
    download_response,
    human_size,
    uploads_from_request,
)
from frontdesk.web.forms import ErrorSummary
from frontdesk.web.ratelimit import ANONYMOUS, REPLIES, TICKETS, rate_limited
from frontdesk.web.request_checks import positive_int

PER_PAGE = 20
#: The status filter of "My tickets": query value -> label ("" is every ticket).
STATUS_FILTERS = [("", _("All"))] + [(s.value, STATUS_TITLES[s]) for s in TicketStatus]
#: What "My tickets" says when a status filter finds nothing.
NONE_WITH_STATUS = {
    TicketStatus.OPEN: _("No tickets are open."),
    TicketStatus.WAITING: _("No tickets are waiting on customer."),
    TicketStatus.ON_HOLD: _("No tickets are on hold."),
    TicketStatus.CLOSED: _("No tickets are closed."),
}
SUBMITTED = "portal.submitted"


def status_title(status: str) -> str:
    try:
        return STATUS_TITLES[TicketStatus(status)]
    except ValueError:
        return status


# --- My tickets -----------------------------------------------------------------------


@view_config(route_name="portal.tickets_bare", permission=TicketPermission.VIEW)
def tickets_bare(request: Request) -> HTTPSeeOther:
    return HTTPSeeOther(request.route_url("portal.tickets", _query=request.GET))


@view_config(
    route_name="portal.tickets",
    renderer=template("tickets.pt"),
    permission=TicketPermission.VIEW,
)
def ticket_list(request: Request) -> dict[str, Any]:
    db = request.dbsession
    status = request.GET.get("status", "")
    if status not in {value for value, _label in STATUS_FILTERS}:
        status = ""  # an unknown filter shows everything rather than failing
    # "My tickets" are the ones I asked for: the access rules narrowed to my requests
    # (for an agent the rules alone would list their whole departments).
    query = select(Ticket).where(
        ticket_filter(request, TicketPermission.VIEW), Ticket.requester_id == request.user.id
    )
    if status:
        query = query.where(Ticket.status == status)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(positive_int(request.GET.get("page"), 1) or 1, 1), pages)
    tickets = db.scalars(
        query.options(selectinload(Ticket.department))
        .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()

    def page_url(number: int) -> str:
        query = {"status": status} if status else {}
        if number > 1:
            query["page"] = str(number)
        return request.route_path("portal.tickets", _query=query)

    return {
        "stylesheet": STYLESHEET,
        "tickets": tickets,
        "total": total,
        "status": status,
        "empty_text": NONE_WITH_STATUS.get(TicketStatus(status)) if status else None,
        "filters": [
            (label, _filter_url(request, value), value == status) for value, label in STATUS_FILTERS
        ],
        "status_title": status_title,
        "columns": ticket_list_columns(request),
        "page": page,
        "pages": pages,
        "newer_url": page_url(page - 1) if page > 1 else None,
        "older_url": page_url(page + 1) if page < pages else None,
        "can_create": allowed(request, TicketPermission.CREATE),
        "new_url": request.route_path("portal.ticket_new"),
    }


def _filter_url(request: Request, status: str) -> str:
    return request.route_path("portal.tickets", _query={"status": status} if status else {})


# --- Submit a ticket ------------------------------------------------------------------


def _placeholder_requester() -> User:
    """Stands in for a visitor whose name or email was refused, so that the ticket's own
    fields are still checked (the whole attempt is rolled back)."""
    return User(username=f"anonymous-{secrets.token_hex(8)}", role=Role.CUSTOMER.value)


@view_config(
    route_name="portal.ticket_new",
    renderer=template("ticket_new.pt"),
    permission=PUBLIC,  # visitors may submit when anonymous tickets are on; checked below
    request_method=("GET", "POST"),
    uploads=True,
)
def new_ticket(request: Request) -> Any:
    user = request.user
    anonymous = user is None
    if anonymous and not anonymous_tickets(request):
        raise HTTPForbidden()  # to the login page
    if not anonymous and not allowed(request, TicketPermission.CREATE):
        raise HTTPForbidden()
    db = request.dbsession
    departments = customer_departments(db)
    policy = upload_policy(request)
    form: dict[str, Any] = {
        "stylesheet": STYLESHEET,
        "anonymous": anonymous,
        "departments": departments,
        "limits": describe_policy(policy),
        "department": str(departments[0].id) if len(departments) == 1 else "",
        "subject": "",
        "body": "",
        "name": "",
        "email": "",
        "errors": {},
        "files_again": False,
        "login_url": request.route_path("portal.login", _query={"next": request.path}),
        # Makes the form idempotent: sent twice (or five times at once), one ticket.
        "submission_token": new_submission_token(),
    }
    if request.method != "POST":
        return form

    post = request.POST
    for field in ("department", "subject", "body", "name", "email"):
        form[field] = post.get(field, "")
    form["name"], form["email"] = form["name"].strip(), form["email"].strip()
    form["submission_token"] = post.get("submission_token", "")[:64] or new_submission_token()
    # A repeat of a form sent before is answered with its ticket and not counted.
    repeat = _submitted_before(request, form)
    if repeat is None and (refused := rate_limited(request, ANONYMOUS if anonymous else TICKETS)):
        return refused
    # Counting may have waited for a parallel copy of this form to commit: look again.
    if (done := repeat or _submitted_before(request, form)) is not None:
        return _created(request, done, form)
    if submitted_ticket(db, form["submission_token"]) is not None:  # not this form's
        form["submission_token"] = new_submission_token()
    uploads = uploads_from_request(request)
    errors: dict[str, str] = {}
    department_id = positive_int(form["department"])
    if department_id not in {d.id for d in departments}:
        errors["department"] = _("Choose a department.")
        department_id = None
    if anonymous:
        errors.update(check_contact(form["name"], form["email"]))

    # Events wait until everything succeeded: a refused attempt notifies nobody.
    pending: list[Event] = []
    # An anonymous attempt may create the requester's account before the ticket is
    # checked; the savepoint takes both back if anything is wrong.
    savepoint = db.begin_nested() if anonymous else None
    ticket = None
    try:
        requester = user
        if anonymous:
            requester = None
            if "name" not in errors and "email" not in errors:
                try:
                    requester = requester_for_email(db, name=form["name"], email=form["email"])
                except ValidationError as exc:
                    errors.update(exc.errors)
            requester = requester or _placeholder_requester()
        ticket = create_ticket(
            db,
            requester=requester,
            subject=form["subject"],
            body=form["body"],
            department_id=department_id,
            uploads=uploads,
            policy=policy,
            submission_token=form["submission_token"],
            notify=pending.append,
        )
    except ValidationError as exc:
        errors = {**exc.errors, **errors}
    if errors or ticket is None:
        if savepoint is not None:
            savepoint.rollback()
        # A parallel copy of this form may have won the race (for the visitor's account,
        # or for the token while this copy made a second account: rolled back above).
        if (done := _submitted_before(request, form)) is not None:
            return _created(request, done, form)
        form["errors"] = errors
        form["files_again"] = bool(uploads)
        return invalid(request, form)
    if savepoint is not None:
        savepoint.commit()
    emit_all(request, pending)
    return _created(request, ticket, form)


def _submitted_before(request: Request, form: dict[str, Any]) -> Ticket | None:
    """The ticket this very form already opened (a resubmission), for its requester."""
    ticket = submitted_ticket(request.dbsession, form["submission_token"])
    if ticket is None or ticket.requester is None:
        return None
    if form["anonymous"]:
        mine = (ticket.requester.email or "").casefold() == form["email"].casefold()
    else:
        mine = ticket.requester_id == request.user.id
    return ticket if mine else None


def _created(request: Request, ticket: Ticket, form: dict[str, Any]) -> HTTPSeeOther:
    """Where a submitted form leads: the ticket, or the visitor's confirmation."""
    if form["anonymous"]:
        request.session[SUBMITTED] = {"number": ticket.number, "email": form["email"]}
        return HTTPSeeOther(request.route_url("portal.ticket_submitted"))
    request.session.flash(
        _("Ticket #${number} was created.", mapping={"number": ticket.number}), "success"
    )
    return HTTPSeeOther(request.route_url("portal.ticket", number=ticket.number))


@view_config(
    route_name="portal.ticket_submitted",
    renderer=template("ticket_submitted.pt"),
    permission=PUBLIC,
)
def ticket_submitted(request: Request) -> Any:
    """The confirmation for visitors who are not logged in (they cannot open tickets)."""
    submitted = request.session.get(SUBMITTED)
    if not isinstance(submitted, dict) or not submitted.get("number"):
        return HTTPSeeOther(request.route_url("portal.home"))
    ticket = find_ticket(request.dbsession, str(submitted["number"]))
    requester = ticket.requester if ticket is not None else None
    return {
        "stylesheet": STYLESHEET,
        "number": str(submitted["number"]),
        "email": str(submitted.get("email", "")),
        "confirmation_mailed": mail_expected(request, "ticket_received", requester),
        "answer_mailed": mail_expected(request, "agent_replied", requester),
    }


# --- One ticket -----------------------------------------------------------------------


def visible_messages(request: Request, ticket: Ticket) -> list[TicketMessage]:
    """The conversation as the customer sees it: internal notes are never included."""
    return list(
        request.dbsession.scalars(
            select(TicketMessage)
            .where(TicketMessage.ticket_id == ticket.id, TicketMessage.kind != MessageKind.NOTE)
            .options(selectinload(TicketMessage.attachments), selectinload(TicketMessage.author))
            .order_by(TicketMessage.created_at, TicketMessage.id)
        )
    )


def _merged_into(request: Request, ticket: Ticket) -> dict[str, Any] | None:
    if ticket.merged_into_id is None:
        return None
    target = request.dbsession.get(Ticket, ticket.merged_into_id)
    if target is None or not ticket_decision(request, TicketPermission.VIEW, target).allowed:
        return {"number": None, "url": None}
    return {
        "number": target.number,
        "url": request.route_path("portal.ticket", number=target.number),
    }


#: The element id of each reply field in ticket.pt, in page order (errors link there).
REPLY_FIELD_IDS = {"body": "body", "attachments": "attachments"}


def ticket_page(
    request: Request, ticket: Ticket, reply: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What ticket.pt needs; ``reply`` carries a refused reply form back."""
    user = request.user
    policy = upload_policy(request)
    merged = _merged_into(request, ticket)
    can_reply = merged is None and bool(request.has_permission(TicketPermission.REPLY, ticket))
    can_status = merged is None and bool(request.has_permission(TicketPermission.STATUS, ticket))

    def author_name(message: TicketMessage) -> str:
        if message.author is None:
            return _("Former user")
        if user is not None and message.author_id == user.id:
            return _("You")
        return message.author.display_name

    def attachment_url(attachment: Attachment) -> str:
        return request.route_path(
            "portal.attachment", number=ticket.number, attachment_id=attachment.id
        )

    return {
        "stylesheet": STYLESHEET,
        "ticket": ticket,
        "status_title": status_title(ticket.status),
        "closed": ticket.status == TicketStatus.CLOSED,
        "messages": visible_messages(request, ticket),
        "author_name": author_name,
        "is_staff_message": lambda m: m.kind == MessageKind.AGENT,
        "attachment_url": attachment_url,
        "human_size": human_size,
        "merged": merged,
        "can_reply": can_reply,
        "can_status": can_status,
        "limits": describe_policy(policy),
        "reply": reply
        or {"body": "", "errors": {}, "token": new_submission_token(), "files_again": False},
        "summary": ErrorSummary.build(request, (reply or {}).get("errors"), REPLY_FIELD_IDS),
        "reply_url": request.route_path("portal.ticket_reply", number=ticket.number),
        "status_url": request.route_path("portal.ticket_status", number=ticket.number),
    }


@view_config(
    route_name="portal.ticket",
    renderer=template("ticket.pt"),
    permission=TicketPermission.VIEW,
)
def ticket_view(context: Ticket, request: Request) -> dict[str, Any]:
    return ticket_page(request, context)


@view_config(
    route_name="portal.ticket_reply",
    renderer=template("ticket.pt"),
    permission=TicketPermission.REPLY,
    request_method="POST",
    uploads=True,
)
def ticket_reply(context: Ticket, request: Request) -> Any:
    ticket = context
    if ticket.merged_into_id is not None:
        raise HTTPNotFound()  # the page offers no reply form; answer in the new ticket
    if (refused := rate_limited(request, REPLIES)) is not None:
        return refused
    post = request.POST
    body = post.get("body", "")
    token = post.get("submission_token", "")[:64] or new_submission_token()
    uploads = uploads_from_request(request)
    try:
        message = add_message(
            request.dbsession,
            ticket,
            author=request.user,
            body=body,
            uploads=uploads,
            policy=upload_policy(request),
            submission_token=token,
            notify=notifier(request),
        )
    except ValidationError as exc:
        reply = {"body": body, "errors": exc.errors, "token": token, "files_again": bool(uploads)}
        return invalid(request, ticket_page(request, ticket, reply))
    request.session.flash(_("Your reply was sent."), "success")
    url = request.route_url("portal.ticket", number=ticket.number, _anchor=f"message-{message.id}")
    return HTTPSeeOther(url)


@view_config(
    route_name="portal.ticket_status",
    permission=TicketPermission.STATUS,
    request_method="POST",
)
def ticket_status(context: Ticket, request: Request) -> HTTPSeeOther:
    ticket = context
    target = request.POST.get("status", "")
    url = request.route_url("portal.ticket", number=ticket.number)
    if ticket.merged_into_id is not None or target not in (
        TicketStatus.OPEN.value,
        TicketStatus.CLOSED.value,
    ):
        request.session.flash(_("A ticket can only be closed or reopened here."), "error")
        return HTTPSeeOther(url)
    before = ticket.status
    try:
        change_status(request.dbsession, ticket, target, by=request.user, notify=notifier(request))
    except ValidationError as exc:
        request.session.flash(" ".join(translate(request, e) for e in exc.errors.values()), "error")
        return HTTPSeeOther(url)
    number = {"number": ticket.number}
    if before == ticket.status == TicketStatus.CLOSED:
        message = _("Ticket #${number} is already closed.", mapping=number)
    elif before == ticket.status:
        message = _("Ticket #${number} is already open.", mapping=number)
    elif ticket.status == TicketStatus.CLOSED:
        message = _("Ticket #${number} was closed.", mapping=number)
    else:
        message = _("Ticket #${number} was reopened.", mapping=number)
    request.session.flash(message, "success")
    return HTTPSeeOther(url)


@view_config(route_name="portal.attachment", permission=TicketPermission.VIEW)
def attachment_download(context: Ticket, request: Request) -> Response:
    """A file of this ticket's conversation; files of internal notes do not exist here."""
    attachment_id = positive_int(request.matchdict.get("attachment_id"))
    if attachment_id is None:
        raise HTTPNotFound()
    attachment = request.dbsession.scalar(
        select(Attachment)
        .join(TicketMessage, Attachment.message_id == TicketMessage.id)
        .where(
            Attachment.id == attachment_id,
            TicketMessage.ticket_id == context.id,
            TicketMessage.kind != MessageKind.NOTE,
        )
    )
    if attachment is None:
        raise HTTPNotFound()
    return download_response(attachment)
