"""The ticket page and its actions: reply, note, status/priority/due, assign, transfer,
merge, attachments and canned replies.

Each action is a POST form carrying the CSRF token, the ticket ``version`` it was loaded
at and ``loaded_at``. The view checks the version first (:func:`check_version`): a ticket
another agent changed meanwhile comes back as 409 with what changed and the agent's input
kept, to be sent anyway with the current version. Each view declares the ticket
permission it needs (checked in the ticket's department by the security policy); the
page shows a form only where ``request.has_permission`` allows it. Every change goes
through :mod:`frontdesk.tickets`; events reach plugins only if the action succeeded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.i18n import TranslationString
from pyramid.request import Request
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import or_, select

from frontdesk.account.promises import mail_expected
from frontdesk.db.meta import utcnow
from frontdesk.db.tickets import (
    Attachment,
    MessageKind,
    Ticket,
    TicketMessage,
    TicketPriority,
    TicketStatus,
)
from frontdesk.db.users import Department, User, agent_departments
from frontdesk.i18n import BadLocalTime, translate
from frontdesk.identity.access import TicketPermission, ticket_decision
from frontdesk.identity.accounts import ValidationError
from frontdesk.plugin_platform.events import Event, emit_all
from frontdesk.plugin_platform.permissions import Role
from frontdesk.plugins.management.i18n import DOMAIN, _
from frontdesk.plugins.management.workspace.canned import canned_for, find_canned
from frontdesk.plugins.management.workspace.common import (
    aware,
    page_assets,
    priority_title,
    status_title,
    template,
    upload_policy,
)
from frontdesk.tickets import (
    PRIORITY_TITLES,
    STATUS_TITLES,
    TicketConflict,
    add_message,
    assign,
    change_status,
    check_mergeable,
    check_version,
    find_ticket,
    merge,
    new_submission_token,
    requester_label,
    same_requester,
    set_due,
    set_priority,
    transfer,
)
from frontdesk.tickets.attachments import (
    describe_policy,
    download_response,
    human_size,
    uploads_from_request,
)
from frontdesk.web.forms import ErrorSummary
from frontdesk.web.ratelimit import REPLIES, rate_limited
from frontdesk.web.request_checks import positive_int

TICKET_TEMPLATE = template("workspace/ticket.pt")
VIEW, REPLY, NOTE, STATUS, ASSIGN = (
    TicketPermission.VIEW,
    TicketPermission.REPLY,
    TicketPermission.NOTE,
    TicketPermission.STATUS,
    TicketPermission.ASSIGN,
)
KIND_LABELS = {
    MessageKind.CUSTOMER.value: _("Customer"),
    MessageKind.AGENT.value: _("Reply"),
    MessageKind.NOTE.value: _("Internal note"),
}
#: The fields each form posts (besides csrf_token, version, loaded_at and seen).
FIELDS = {
    "reply": ("body", "submission_token", "canned"),
    "note": ("body", "submission_token"),
    "properties": ("status", "priority", "due"),
    "assign": ("assignee",),
    "transfer": ("department",),
    "merge": ("target", "confirm"),
}
#: The element id of each form's fields in ticket.pt, in page order (errors link there).
FIELD_IDS = {
    "reply": {"canned": "reply-canned", "body": "reply-body", "attachments": "reply-attachments"},
    "note": {"body": "note-body", "attachments": "note-attachments"},
    "properties": {"status": "status", "priority": "priority", "due": "due"},
    "assign": {"assignee": "assignee"},
    "transfer": {"department": "transfer-department"},
    "merge": {"target": "merge-target"},
}
DUE_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")
#: How ``<input type="datetime-local">`` writes a time to the minute.
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


# --- Reading forms --------------------------------------------------------------------


def utc_input(text: str) -> dt.datetime:
    """A ``datetime-local`` value read as UTC wall-clock time."""
    return dt.datetime.strptime(text, LOCAL_INPUT).replace(tzinfo=dt.UTC)


def parse_due(text: str, localize: Callable[[str], dt.datetime] = utc_input) -> dt.datetime | None:
    """A due time from the form, ``None`` when empty.

    The agent types a wall-clock time (``2026-12-01T17:00``, ``2026-12-01 17:00``, with
    seconds, or a date alone, meaning 23:59 that day); ``localize`` turns it, written as
    a ``datetime-local`` value, into UTC: the views pass ``request.parse_local_input``
    (the agent's time zone). Raises ValueError when garbled, and whatever ``localize``
    raises (:class:`frontdesk.i18n.BadLocalTime` for a time in a DST gap).
    """
    text = text.strip()
    if not text:
        return None
    for pattern in DUE_FORMATS:
        try:
            moment = dt.datetime.strptime(text, pattern)
        except ValueError:
            continue
        if pattern == "%Y-%m-%d":
            moment = moment.replace(hour=23, minute=59)
        return localize(moment.strftime(LOCAL_INPUT))
    raise ValueError(text)


def bad_due(request: Request) -> TranslationString:
    """The message beside a garbled due time (it names the agent's time zone)."""
    return _(
        "Enter a date and time like 2026-12-01 17:00 (${zone}), or leave it empty.",
        mapping={"zone": request.time_zone.key},
    )


def due_input(moment: dt.datetime | None) -> str:
    """A due time in UTC, to the minute: what the forms' snapshot compares (the form
    itself shows ``request.local_input_value``, the agent's zone)."""
    moment = aware(moment)
    return moment.astimezone(dt.UTC).strftime(LOCAL_INPUT) if moment else ""


def _loaded_at(text: str | None) -> dt.datetime | None:
    try:
        return aware(dt.datetime.fromisoformat(str(text)))
    except ValueError:
        return None


def snapshot(ticket: Ticket) -> str:
    """What the form saw, to tell the agent exactly what changed on a conflict."""
    return "|".join(
        [
            ticket.status,
            ticket.priority,
            str(ticket.assignee_id or ""),
            str(ticket.department_id or ""),
            due_input(ticket.due_at),
        ]
    )


# --- What the page shows --------------------------------------------------------------


@dataclass(kw_only=True)
class Form:
    """One action form: its values, its errors, and whether it comes back after a conflict."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    conflict: bool = False

    def __getitem__(self, key: str) -> str:
        return self.values.get(key, "")

    @property
    def button(self) -> TranslationString | None:
        """The label of the submit button after a conflict (else the form's own)."""
        return _("Send anyway") if self.conflict else None


@dataclass(frozen=True, kw_only=True)
class MergePreview:
    """The merge dialog: what the agent is about to merge into, before anything moves."""

    source: Ticket
    target: Ticket

    @property
    def same_requester(self) -> bool:
        return same_requester(self.source, self.target)

    @property
    def source_requester(self) -> str:
        return requester_label(self.source)

    @property
    def target_requester(self) -> str:
        return requester_label(self.target)

    @property
    def confirm(self) -> str:
        """Posted back by the dialog's button: binds the confirmation to this target and
        to both requesters as shown (a changed ticket asks again)."""
        return f"{self.target.number}:{self.source.requester_id}:{self.target.requester_id}"


@dataclass(frozen=True, kw_only=True)
class Conflict:
    """What happened to the ticket since the agent's form was loaded."""

    form: str
    messages: list[TicketMessage]
    changes: list[TranslationString]


def _default_forms(request: Request, ticket: Ticket) -> dict[str, Form]:
    return {
        "reply": Form(values={"body": "", "submission_token": new_submission_token()}),
        "note": Form(values={"body": "", "submission_token": new_submission_token()}),
        "properties": Form(
            values={
                "status": ticket.status,
                "priority": ticket.priority,
                "due": request.local_input_value(ticket.due_at),
            }
        ),
        "assign": Form(values={"assignee": str(ticket.assignee_id or "")}),
        "transfer": Form(values={"department": ""}),
        "merge": Form(values={"target": ""}),
    }


def assignable_agents(request: Request, ticket: Ticket) -> list[User]:
    """Active agents of the ticket's department, and active administrators."""
    clauses = [User.role == Role.ADMINISTRATOR.value]
    if ticket.department_id is not None:
        clauses.append(
            (User.role == Role.AGENT.value)
            & User.id.in_(
                select(agent_departments.c.user_id).where(
                    agent_departments.c.department_id == ticket.department_id
                )
            )
        )
    return list(
        request.dbsession.scalars(
            select(User)
            .where(User.active.is_(True), or_(*clauses))
            .order_by(User.display_name, User.id)
        )
    )


def transfer_departments(request: Request, ticket: Ticket) -> list[Department]:
    return list(
        request.dbsession.scalars(
            select(Department)
            .where(Department.active.is_(True), Department.id != (ticket.department_id or 0))
            .order_by(Department.name)
        )
    )


def ticket_page(
    request: Request,
    ticket: Ticket,
    *,
    form: str | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    conflict: Conflict | None = None,
    files_again: bool = False,
    merge_preview: MergePreview | None = None,
) -> dict[str, Any]:
    """Everything the ticket template needs; ``form`` names a submitted form whose
    ``values`` and ``errors`` are shown again."""
    loaded_at = utcnow()
    forms = _default_forms(request, ticket)
    if form is not None:
        kept = forms[form]
        kept.values.update(values or {})
        kept.errors = dict(errors or {})
        kept.conflict = conflict is not None
    can = {
        "reply": request.has_permission(REPLY, ticket),
        "note": request.has_permission(NOTE, ticket),
        "status": request.has_permission(STATUS, ticket),
        "assign": request.has_permission(ASSIGN, ticket),
    }
    merged_into = None
    if ticket.merged_into_id is not None:
        target = request.dbsession.get(Ticket, ticket.merged_into_id)
        if target is not None and ticket_decision(request, VIEW, target).allowed:
            merged_into = target
    new_ids = {m.id for m in conflict.messages} if conflict else set()
    policy = upload_policy(request)

    def route(name: str) -> str:
        return request.route_path(f"management.ticket_{name}", number=ticket.number)

    return {
        **page_assets(request),
        "ticket": ticket,
        "messages": list(ticket.messages),
        "new_ids": new_ids,
        "forms": forms,
        "active_form": form,
        "conflict": conflict,
        "summary": ErrorSummary.build(request, errors, FIELD_IDS[form] if form else {}),
        "files_again": files_again,
        "can": can,
        "version": str(ticket.version),
        "loaded_at": loaded_at.isoformat(),
        "seen": snapshot(ticket),
        "action": route,
        "statuses": [(s.value, STATUS_TITLES[s]) for s in TicketStatus],
        "priorities": [(p.value, PRIORITY_TITLES[p]) for p in TicketPriority],
        "assignees": assignable_agents(request, ticket) if can["assign"] else [],
        "departments": transfer_departments(request, ticket) if can["assign"] else [],
        "canned": canned_for(request.dbsession, request.user) if can["reply"] else [],
        "canned_url": request.route_path("management.canned"),
        "queue_url": request.route_path("management.tickets"),
        "merged_into": merged_into,
        "merge_preview": merge_preview,
        "overdue": (
            ticket.due_at is not None
            and aware(ticket.due_at) < loaded_at
            and ticket.status != TicketStatus.CLOSED.value
        ),
        "limits": describe_policy(policy),
        "reply_mailed": mail_expected(request, "agent_replied", ticket.requester),
        "status_title": status_title,
        "priority_title": priority_title,
        "kind_label": lambda m: KIND_LABELS.get(m.kind, m.kind),
        "time_zone": request.time_zone.key,
        "new_messages": (
            request.localizer.pluralize(
                "${count} new message:",
                "${count} new messages:",
                len(conflict.messages),
                domain=DOMAIN,
                mapping={"count": request.format_number(len(conflict.messages))},
            )
            if conflict
            else ""
        ),
        "human_size": human_size,
        "attachment_url": lambda a: request.route_path(
            "management.attachment", number=ticket.number, attachment_id=a.id
        ),
        "ticket_url": lambda t: request.route_path("management.ticket", number=t.number),
        "user": request.user,
    }


@view_config(route_name="management.ticket", renderer=TICKET_TEMPLATE, permission=VIEW)
def ticket_view(request: Request) -> dict[str, Any]:
    return ticket_page(request, request.context)


@view_config(route_name="management.attachment", permission=VIEW)
def attachment_view(request: Request) -> Response:
    """A file of this ticket's conversation; any other id is 404."""
    attachment_id = positive_int(request.matchdict["attachment_id"])
    attachment = (
        request.dbsession.scalar(
            select(Attachment)
            .join(TicketMessage, Attachment.message_id == TicketMessage.id)
            .where(Attachment.id == attachment_id, TicketMessage.ticket_id == request.context.id)
        )
        if attachment_id
        else None
    )
    if attachment is None:
        raise HTTPNotFound()
    return download_response(attachment)


# --- Acting on the ticket -------------------------------------------------------------


def describe_changes(request: Request, ticket: Ticket, seen: str) -> list[TranslationString]:
    """Sentences for each field that differs from the form's ``seen`` snapshot."""
    parts = (seen or "").split("|")
    if len(parts) != 5:
        return []
    status, priority, assignee_id, department_id, due = parts
    db = request.dbsession

    def change(message: TranslationString, before: str, after: str) -> TranslationString:
        mapping = {"before": translate(request, before), "after": translate(request, after)}
        return TranslationString(message, mapping=mapping)

    changes = []
    if status != ticket.status:
        changes.append(
            change(
                _("Status: ${before} → ${after}"), status_title(status), status_title(ticket.status)
            )
        )
    if priority != ticket.priority:
        changes.append(
            change(
                _("Priority: ${before} → ${after}"),
                priority_title(priority),
                priority_title(ticket.priority),
            )
        )
    if assignee_id != str(ticket.assignee_id or ""):

        def name(user_id: str) -> str:
            user = db.get(User, positive_int(user_id)) if positive_int(user_id) else None
            if user is None:
                return _("nobody") if not user_id else _("someone else")
            return user.display_name if user.is_staff else _("someone else")

        changes.append(
            change(
                _("Assigned to: ${before} → ${after}"),
                name(assignee_id),
                name(str(ticket.assignee_id or "")),
            )
        )
    if department_id != str(ticket.department_id or ""):
        department = (
            ticket.department.name if ticket.department else translate(request, _("no department"))
        )
        changes.append(
            _("Moved to the department ${department}", mapping={"department": department})
        )
    if due != due_input(ticket.due_at):
        try:
            was = request.format_datetime(utc_input(due)) if due else None
        except ValueError:  # a garbled snapshot: say only what it is now
            was = None
        now = request.format_datetime(ticket.due_at) if ticket.due_at else None
        mapping = {"due": now, "was": was, "zone": request.time_zone.key}
        if now and was:
            changes.append(_("Due: ${due}, was ${was} (${zone})", mapping=mapping))
        elif now:
            changes.append(_("Due: ${due} (${zone})", mapping=mapping))
        elif was:
            changes.append(_("Due time removed (was ${was}, ${zone})", mapping=mapping))
        else:
            changes.append(_("Due time removed"))
    return changes


def _kept_values(request: Request, name: str) -> dict[str, str]:
    return {key: request.POST.get(key, "") for key in FIELDS[name]}


def act(
    request: Request,
    name: str,
    perform: Callable[[Ticket, dict[str, str], Callable[[Event], None]], Any],
) -> Any:
    """The common path of every action: check the version, then ``perform`` the change
    in a savepoint; a refused change is rolled back whole and notifies nobody."""
    ticket: Ticket = request.context
    values = _kept_values(request, name)
    version = positive_int(request.POST.get("version"))
    if version is None:
        raise HTTPBadRequest(
            request.localizer.translate(
                _("The form was incomplete. Reload the ticket and try again.")
            )
        )
    try:
        check_version(ticket, version, _loaded_at(request.POST.get("loaded_at")))
    except TicketConflict as exc:
        request.response.status_int = 409
        conflict = Conflict(
            form=name,
            messages=exc.since,
            changes=describe_changes(request, ticket, request.POST.get("seen", "")),
        )
        return ticket_page(
            request,
            ticket,
            form=name,
            values=values,
            conflict=conflict,
            files_again=bool(uploads_from_request(request)),
        )
    pending: list[Event] = []
    db = request.dbsession
    try:
        with db.begin_nested():
            result = perform(ticket, values, pending.append)
    except ValidationError as exc:
        db.expire_all()  # show the ticket as it is, not as the refused change left it
        request.response.status_int = 400
        return ticket_page(
            request,
            ticket,
            form=name,
            values=values,
            errors=exc.errors,
            files_again=bool(uploads_from_request(request)),
        )
    emit_all(request, pending)
    return result


def _back(
    request: Request, ticket: Ticket, message: TranslationString, anchor: str | None = None
) -> Any:
    request.session.flash(message, "success")
    url = request.route_url("management.ticket", number=ticket.number)
    return HTTPSeeOther(url + (f"#{anchor}" if anchor else ""))


def _existing_submission(request: Request, ticket: Ticket) -> TicketMessage | None:
    """The message an earlier copy of this very form already added (double submit)."""
    token = request.POST.get("submission_token", "")
    if not token:
        return None
    return request.dbsession.scalar(
        select(TicketMessage).where(
            TicketMessage.ticket_id == ticket.id, TicketMessage.submission_token == token
        )
    )


def _message(request: Request, *, note: bool) -> Any:
    ticket: Ticket = request.context
    sent = _("Internal note added.") if note else _("Reply sent.")
    existing = _existing_submission(request, ticket)
    if existing is not None:  # the second click of a double click: nothing new
        return _back(request, ticket, sent, f"message-{existing.id}")
    if (refused := rate_limited(request, REPLIES)) is not None:
        return refused

    def perform(ticket: Ticket, values: dict[str, str], notify: Any) -> Any:
        message = add_message(
            request.dbsession,
            ticket,
            author=request.user,
            body=values["body"],
            note=note,
            uploads=uploads_from_request(request),
            policy=upload_policy(request),
            submission_token=values["submission_token"][:64] or None,
            notify=notify,
        )
        return _back(request, ticket, sent, f"message-{message.id}")

    return act(request, "note" if note else "reply", perform)


@view_config(
    route_name="management.ticket_reply",
    renderer=TICKET_TEMPLATE,
    permission=REPLY,
    request_method="POST",
    uploads=True,
)
def reply_view(request: Request) -> Any:
    if request.POST.get("action") == "insert_canned":
        return insert_canned(request)
    return _message(request, note=False)


def insert_canned(request: Request) -> dict[str, Any]:
    """Without JavaScript, the reply form's Insert button comes here: the page again,
    with the chosen canned reply added to the reply box (nothing is sent)."""
    ticket: Ticket = request.context
    values = _kept_values(request, "reply")
    reply = find_canned(request.dbsession, request.user, positive_int(values["canned"]))
    if reply is None:
        request.response.status_int = 400
        return ticket_page(
            request,
            ticket,
            form="reply",
            values=values,
            errors={"canned": _("Choose a canned reply to insert.")},
        )
    body = values["body"].rstrip()
    values["body"] = f"{body}\n\n{reply.body}" if body else reply.body
    return ticket_page(
        request,
        ticket,
        form="reply",
        values=values,
        files_again=bool(uploads_from_request(request)),
    )


@view_config(
    route_name="management.ticket_note",
    renderer=TICKET_TEMPLATE,
    permission=NOTE,
    request_method="POST",
    uploads=True,
)
def note_view(request: Request) -> Any:
    return _message(request, note=True)


@view_config(
    route_name="management.ticket_properties",
    renderer=TICKET_TEMPLATE,
    permission=STATUS,
    request_method="POST",
)
def properties_view(request: Request) -> Any:
    """Status, priority and due time: only what the agent changed is applied."""

    def perform(ticket: Ticket, values: dict[str, str], notify: Any) -> Any:
        db, user = request.dbsession, request.user
        try:
            due = parse_due(values["due"], request.parse_local_input)
        except BadLocalTime as exc:  # a time the clocks skip in the agent's zone
            raise ValidationError({"due": exc.message}) from None
        except ValueError:
            raise ValidationError({"due": bad_due(request)}) from None
        changed = False
        if values["status"] != ticket.status:
            change_status(db, ticket, values["status"], by=user, notify=notify)
            changed = True
        if values["priority"] != ticket.priority:
            set_priority(db, ticket, values["priority"], by=user)
            changed = True
        if due_input(due) != due_input(ticket.due_at):
            set_due(db, ticket, due, by=user)
            changed = True
        return _back(request, ticket, _("Ticket updated.") if changed else _("Nothing changed."))

    return act(request, "properties", perform)


@view_config(
    route_name="management.ticket_assign",
    renderer=TICKET_TEMPLATE,
    permission=ASSIGN,
    request_method="POST",
)
def assign_view(request: Request) -> Any:
    def perform(ticket: Ticket, values: dict[str, str], notify: Any) -> Any:
        db = request.dbsession
        assignee = None
        if values["assignee"]:
            user_id = positive_int(values["assignee"])
            assignee = db.get(User, user_id) if user_id else None
            if assignee is None:
                raise ValidationError(
                    {"assignee": _("Choose an agent of the ticket's department.")}
                )
        assign(db, ticket, assignee, by=request.user, notify=notify)
        done = (
            _("Assigned to ${name}.", mapping={"name": assignee.display_name})
            if assignee
            else _("Unassigned.")
        )
        return _back(request, ticket, done)

    return act(request, "assign", perform)


@view_config(
    route_name="management.ticket_transfer",
    renderer=TICKET_TEMPLATE,
    permission=ASSIGN,
    request_method="POST",
)
def transfer_view(request: Request) -> Any:
    def perform(ticket: Ticket, values: dict[str, str], notify: Any) -> Any:
        department_id = positive_int(values["department"])
        if department_id is None or department_id == ticket.department_id:
            raise ValidationError({"department": _("Choose another active department.")})
        transfer(request.dbsession, ticket, department_id, by=request.user, notify=notify)
        name = (
            ticket.department.name
            if ticket.department
            else translate(request, _("another department"))
        )
        if not ticket_decision(request, VIEW, ticket).allowed:
            request.session.flash(
                _(
                    "Ticket #${number} moved to ${department}; you do not work there, so it "
                    "has left your queue.",
                    mapping={"number": ticket.number, "department": name},
                ),
                "success",
            )
            return HTTPSeeOther(request.route_url("management.tickets"))
        return _back(request, ticket, _("Moved to ${department}.", mapping={"department": name}))

    return act(request, "transfer", perform)


@view_config(
    route_name="management.ticket_merge",
    renderer=TICKET_TEMPLATE,
    permission=STATUS,
    request_method="POST",
)
def merge_view(request: Request) -> Any:
    """Merge into another ticket the agent can see and may change (a ticket they cannot
    see gets the same answer as one that does not exist). The first POST only shows the
    dialog with the target's subject and requester; its button merges."""

    def perform(source: Ticket, values: dict[str, str], notify: Any) -> Any:
        number = values["target"].strip().removeprefix("#").strip()
        if not number:
            raise ValidationError({"target": _("Enter the number of the ticket to merge into.")})
        if source.merged_into_id is not None:
            raise ValidationError({"target": _("This ticket was already merged.")})
        target = find_ticket(request.dbsession, number[:32])
        mapping = {"number": number}
        if target is None or not ticket_decision(request, VIEW, target).allowed:
            raise ValidationError({"target": _("There is no ticket #${number}.", mapping=mapping)})
        if not ticket_decision(request, STATUS, target).allowed:
            raise ValidationError(
                {"target": _("You may not change ticket #${number}.", mapping=mapping)}
            )
        check_mergeable(source, target)
        preview = MergePreview(source=source, target=target)
        if values["confirm"] != preview.confirm:
            return ticket_page(request, source, form="merge", values=values, merge_preview=preview)
        merge(
            request.dbsession,
            source,
            target,
            by=request.user,
            other_requester_confirmed=not preview.same_requester,
            notify=notify,
        )
        request.session.flash(
            _("Merged #${number} into this ticket.", mapping={"number": source.number}), "success"
        )
        return HTTPSeeOther(request.route_url("management.ticket", number=target.number))

    return act(request, "merge", perform)
