"""The ticket service: the one place tickets are created and changed.

Every interface (portal, management, mobile) and the CLI go through these functions, so
validation, status rules and events are the same everywhere. Each function takes the
caller's session and an optional ``notify`` callable for the events it produces; web
views pass ``lambda event: emit(request, event)`` so plugins hear of it after commit.
Attachments (storage, limits, safe downloads) live in ``frontdesk.tickets.attachments``.

Builds on identity and the platform; web builds on it.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from frontdesk.db.meta import utcnow
from frontdesk.db.tickets import (
    Attachment,
    MessageKind,
    Ticket,
    TicketCounter,
    TicketMessage,
    TicketPriority,
    TicketStatus,
)
from frontdesk.db.users import Department, User
from frontdesk.i18n import TranslationString, _
from frontdesk.i18n.messages import format_number, inner, translate_now
from frontdesk.identity.accounts import ValidationError
from frontdesk.plugin_platform import events
from frontdesk.plugin_platform.permissions import Role
from frontdesk.tickets.attachments import (
    Upload,
    UploadError,
    UploadPolicy,
    check_quota,
    check_uploads,
    content_type_for,
)

Notify = Callable[[events.Event], None]

MAX_SUBJECT = 200
TOKEN_USED = _("This form was already sent for someone else; reload the page and try again.")
MAX_BODY = 50_000
CHOOSE_PRIORITY = _("Choose a priority.")

STATUS_TITLES = {
    TicketStatus.OPEN: _("Open"),
    TicketStatus.WAITING: _("Waiting on customer"),
    TicketStatus.ON_HOLD: _("On hold"),
    TicketStatus.CLOSED: _("Closed"),
}
PRIORITY_TITLES = {
    TicketPriority.LOW: _("Low"),
    TicketPriority.NORMAL: _("Normal"),
    TicketPriority.HIGH: _("High"),
    TicketPriority.URGENT: _("Urgent"),
}


def _ignore(_event: events.Event) -> None:
    """The default ``notify``: nobody is listening (scripts, demo data)."""


def next_number(db: Session) -> str:
    """A new ticket number; the counter row is locked until the transaction ends."""
    last = db.execute(
        update(TicketCounter)
        .where(TicketCounter.id == 1)
        .values(last=TicketCounter.last + 1)
        .returning(TicketCounter.last)
    ).scalar_one()
    return str(last)


def _check_text(
    errors: dict[str, TranslationString], *, subject: str | None = None, body: str
) -> None:
    if subject is not None:
        if not subject:
            errors["subject"] = _("Enter a subject.")
        elif len(subject) > MAX_SUBJECT:
            errors["subject"] = _(
                "Keep the subject under ${count} characters.", mapping={"count": MAX_SUBJECT}
            )
    if not body.strip():
        errors["body"] = _("Write a message.")
    elif len(body) > MAX_BODY:
        errors["body"] = _(
            "Keep the message under ${count} characters.",
            mapping={"count": format_number(MAX_BODY)},
        )


def stored_attachment_bytes(db: Session, user: User) -> int:
    """The size of every file ``user`` has attached, in bytes."""
    if user.id is None:
        return 0
    return db.scalar(
        select(func.coalesce(func.sum(Attachment.size), 0))
        .join(TicketMessage, Attachment.message_id == TicketMessage.id)
        .where(TicketMessage.author_id == user.id)
    )


def _store_uploads(
    db: Session,
    errors: dict[str, TranslationString],
    uploads: Iterable[Upload],
    policy: UploadPolicy | None,
    *,
    uploader: User,
) -> list[Attachment]:
    policy = policy or UploadPolicy()
    try:
        checked = check_uploads(list(uploads), policy)
        if checked and not uploader.is_staff:
            check_quota(checked, stored=stored_attachment_bytes(db, uploader), policy=policy)
    except UploadError as exc:
        errors["attachments"] = exc.message
        return []
    return [
        Attachment(
            filename=u.filename,
            content_type=content_type_for(u.filename, u.data),
            size=len(u.data),
            data=u.data,
        )
        for u in checked
    ]


def create_ticket(
    db: Session,
    *,
    requester: User,
    subject: str,
    body: str,
    department_id: int | None,
    priority: str = TicketPriority.NORMAL,
    uploads: Iterable[Upload] = (),
    policy: UploadPolicy | None = None,
    author: User | None = None,
    submission_token: str | None = None,
    notify: Notify = _ignore,
) -> Ticket:
    """Open a ticket for ``requester`` with a first message (by ``author``, default the
    requester). Raises :class:`~frontdesk.identity.accounts.ValidationError` with per-field
    messages; nothing is written then.

    ``submission_token`` (a random value the new-ticket form carries) makes the form
    idempotent: sent twice, or several times at once, it opens one ticket, and every
    submission gets that ticket back (with no second event). A token that opened
    another requester's ticket is a :class:`~frontdesk.identity.accounts.ValidationError`.
    """
    if submission_token and (existing := submitted_ticket(db, submission_token)) is not None:
        if existing.requester_id != requester.id:
            raise ValidationError({"submission_token": TOKEN_USED})
        return existing
    subject = " ".join(subject.split())
    errors: dict[str, TranslationString] = {}
    _check_text(errors, subject=subject, body=body)
    department = db.get(Department, department_id) if department_id else None
    if (
        department is None
        or not department.active
        or (requester.role == Role.CUSTOMER and not department.customer_visible)
    ):
        errors["department"] = _("Choose a department.")
    try:
        priority = TicketPriority(priority)
    except ValueError:
        errors["priority"] = CHOOSE_PRIORITY
    author = author or requester
    attachments = _store_uploads(db, errors, uploads, policy, uploader=author)
    if errors:
        raise ValidationError(errors)
    now = utcnow()
    try:
        # A parallel request may send the same form: the token is unique, and the
        # savepoint also takes back this attempt's ticket number.
        with db.begin_nested():
            ticket = Ticket(
                number=next_number(db),
                subject=subject,
                department=department,
                requester=requester,
                priority=priority.value,
                status=TicketStatus.OPEN.value,
                created_at=now,
                updated_at=now,
                submission_token=submission_token or None,
            )
            ticket.messages.append(
                TicketMessage(
                    author=author,
                    kind=_kind_for(author).value,
                    body=body,
                    created_at=now,
                    attachments=attachments,
                )
            )
            db.add(ticket)
            db.flush()
    except IntegrityError:
        existing = submitted_ticket(db, submission_token) if submission_token else None
        if existing is None:
            raise
        if existing.requester_id != requester.id:
            raise ValidationError({"submission_token": TOKEN_USED}) from None
        return existing
    notify(events.TicketCreated(ticket=events.TicketSnapshot.of(ticket)))
    return ticket


def new_submission_token() -> str:
    """A fresh token for a form that creates something: sent twice, it creates it once."""
    return secrets.token_urlsafe(16)


def submitted_ticket(db: Session, submission_token: str) -> Ticket | None:
    """The ticket a new-ticket form with this ``submission_token`` opened, if any."""
    return db.scalar(select(Ticket).where(Ticket.submission_token == submission_token))


def _kind_for(author: User) -> MessageKind:
    return MessageKind.CUSTOMER if author.role == Role.CUSTOMER else MessageKind.AGENT


def with_signature(body: str, signature: str | None) -> str:
    """``body`` with an agent's ``signature`` below it (once: a body that ends with it
    already, such as a resubmitted form, is left as it is)."""
    signature = (signature or "").strip()
    if not signature or body.rstrip().endswith(signature):
        return body
    return f"{body.rstrip()}\n\n-- \n{signature}"


def add_message(
    db: Session,
    ticket: Ticket,
    *,
    author: User,
    body: str,
    note: bool = False,
    uploads: Iterable[Upload] = (),
    policy: UploadPolicy | None = None,
    submission_token: str | None = None,
    notify: Notify = _ignore,
) -> TicketMessage:
    """Reply to a ticket, or add an internal ``note`` (staff only, never shown to the
    customer). A customer's reply reopens the ticket; a staff reply to an open ticket
    marks it waiting on the customer. An agent's reply ends with their signature
    (:func:`with_signature`); notes never do.

    ``submission_token`` (a random value the form carries) makes a double-submitted form
    add the message once: the second submission returns the first one's message.
    """
    if submission_token:
        existing = _message_for_token(db, ticket, submission_token)
        if existing is not None:
            return existing
    errors: dict[str, TranslationString] = {}
    _check_text(errors, body=body)
    if note and author.role == Role.CUSTOMER:
        errors["body"] = _("Customers cannot write internal notes.")
    attachments = _store_uploads(db, errors, uploads, policy, uploader=author)
    if errors:
        raise ValidationError(errors)
    kind = MessageKind.NOTE if note else _kind_for(author)
    if kind == MessageKind.AGENT:
        body = with_signature(body, author.signature)
    now = utcnow()
    message = TicketMessage(
        ticket_id=ticket.id,
        author=author,
        kind=kind.value,
        body=body,
        created_at=now,
        attachments=attachments,
        submission_token=submission_token or None,
    )
    try:
        with db.begin_nested():  # the same form may race in from a second request
            db.add(message)
            db.flush()
    except IntegrityError:
        existing = _message_for_token(db, ticket, submission_token) if submission_token else None
        if existing is None:
            raise
        return existing
    if message not in ticket.messages:  # keep an already-loaded conversation current
        ticket.messages.append(message)
    ticket.updated_at = now
    if kind == MessageKind.CUSTOMER and ticket.status != TicketStatus.OPEN:
        _set_status(ticket, TicketStatus.OPEN, by=author, notify=notify)
    elif kind == MessageKind.AGENT and ticket.status == TicketStatus.OPEN:
        _set_status(ticket, TicketStatus.WAITING, by=author, notify=notify)
    db.flush()
    notify(
        events.TicketReplied(
            ticket=events.TicketSnapshot.of(ticket),
            message_id=message.id,
            author=events.Person.of(author),
            kind=kind.value,
        )
    )
    return message


def _message_for_token(db: Session, ticket: Ticket, token: str) -> TicketMessage | None:
    return db.scalar(
        select(TicketMessage).where(
            TicketMessage.ticket_id == ticket.id, TicketMessage.submission_token == token
        )
    )


def _set_status(ticket: Ticket, status: TicketStatus, *, by: User | None, notify: Notify) -> None:
    old = ticket.status
    if old == status:
        return
    ticket.status = status.value
    ticket.updated_at = utcnow()
    ticket.closed_at = ticket.updated_at if status == TicketStatus.CLOSED else None
    notify(
        events.TicketStatusChanged(
            ticket=events.TicketSnapshot.of(ticket),
            old_status=old,
            new_status=status.value,
            changed_by=events.Person.of(by),
        )
    )


def change_status(
    db: Session, ticket: Ticket, status: str, *, by: User, notify: Notify = _ignore
) -> None:
    """Set the status. Customers may only close and reopen their tickets."""
    try:
        new = TicketStatus(status)
    except ValueError:
        raise ValidationError({"status": _("Choose a status.")}) from None
    if by.role == Role.CUSTOMER and new not in (TicketStatus.OPEN, TicketStatus.CLOSED):
        raise ValidationError({"status": _("Customers can close or reopen a ticket.")})
    _set_status(ticket, new, by=by, notify=notify)
    db.flush()


def assign(
    db: Session, ticket: Ticket, assignee: User | None, *, by: User, notify: Notify = _ignore
) -> None:
    """Give the ticket to an active agent of its department (or an administrator), or
    to nobody."""
    if assignee is not None and not (
        assignee.active
        and (
            assignee.role == Role.ADMINISTRATOR
            or (assignee.role == Role.AGENT and ticket.department in assignee.departments)
        )
    ):
        raise ValidationError({"assignee": _("Choose an agent of the ticket's department.")})
    old = ticket.assignee
    if ticket.assignee_id == (assignee.id if assignee else None):
        return
    ticket.assignee = assignee
    ticket.updated_at = utcnow()
    db.flush()
    notify(
        events.TicketAssigned(
            ticket=events.TicketSnapshot.of(ticket),
            old_assignee=events.Person.of(old),
            new_assignee=events.Person.of(assignee),
            changed_by=events.Person.of(by),
        )
    )


class TicketConflict(Exception):
    """The ticket changed since the form was loaded; ``since`` lists what happened."""

    def __init__(self, ticket: Ticket, since: list[TicketMessage]):
        super().__init__(f"ticket {ticket.number} changed (now version {ticket.version})")
        self.ticket = ticket
        self.since = since


def check_version(
    ticket: Ticket, loaded_version: int | None, loaded_at: dt.datetime | None
) -> None:
    """Refuse to act on a ticket that changed since a form showed it at ``loaded_version``.

    The caller shows the conflict's ``since`` (messages added meanwhile) and lets the
    agent confirm, resubmitting with the current version.
    """
    if loaded_version is None or loaded_version == ticket.version:
        return
    since = [m for m in ticket.messages if loaded_at is None or _aware(m.created_at) > loaded_at]
    raise TicketConflict(ticket, since)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def set_priority(db: Session, ticket: Ticket, priority: str, *, by: User) -> None:
    try:
        ticket.priority = TicketPriority(priority).value
    except ValueError:
        raise ValidationError({"priority": CHOOSE_PRIORITY}) from None
    ticket.updated_at = utcnow()
    db.flush()


def set_due(db: Session, ticket: Ticket, due_at: dt.datetime | None, *, by: User) -> None:
    ticket.due_at = due_at
    ticket.updated_at = utcnow()
    db.flush()


def transfer(
    db: Session, ticket: Ticket, department_id: int, *, by: User, notify: Notify = _ignore
) -> None:
    """Move the ticket to another active department; an assignee who does not work
    there is unassigned."""
    department = db.get(Department, department_id)
    if department is None or not department.active:
        raise ValidationError({"department": _("Choose an active department.")})
    if department == ticket.department:
        return
    ticket.department = department
    ticket.updated_at = utcnow()
    assignee = ticket.assignee
    if (
        assignee is not None
        and assignee.role != Role.ADMINISTRATOR
        and (department not in assignee.departments)
    ):
        assign(db, ticket, None, by=by, notify=notify)
    db.flush()


def requester_label(ticket: Ticket) -> str:
    """Who asked: ``Casey Customer (casey@example.com)``, for merge confirmations."""
    person = ticket.requester
    if person is None:
        return _("no requester")
    return f"{person.display_name} ({person.email})" if person.email else person.display_name


def same_requester(source: Ticket, target: Ticket) -> bool:
    return source.requester_id == target.requester_id


def check_mergeable(source: Ticket, target: Ticket) -> None:
    """Refuse merging a ticket into itself or into one that was merged away."""
    if source.id == target.id:
        raise ValidationError({"target": _("A ticket cannot be merged into itself.")})
    if target.merged_into_id is not None:
        raise ValidationError(
            {
                "target": _(
                    "#${number} was itself merged; pick the ticket it went into.",
                    mapping={"number": target.number},
                )
            }
        )


def merge(
    db: Session,
    source: Ticket,
    target: Ticket,
    *,
    by: User,
    other_requester_confirmed: bool = False,
    notify: Notify = _ignore,
) -> None:
    """Close ``source`` as merged into ``target``.

    With the same requester, ``source``'s conversation moves into ``target``. Tickets of
    different requesters are merged only when ``other_requester_confirmed`` (the agent
    confirmed a question naming both); ``source``'s messages then stay on ``source``,
    where only its own requester reads them, and ``target`` gets an internal note
    pointing there. One customer never sees another's messages or attachments.
    """
    check_mergeable(source, target)
    together = same_requester(source, target)
    if not together and not other_requester_confirmed:
        raise ValidationError(
            {
                "target": _(
                    "#${number} was asked by ${target}, this ticket by ${source}: confirm to "
                    "merge tickets of different requesters.",
                    mapping={
                        "number": target.number,
                        "target": inner(requester_label(target)),
                        "source": inner(requester_label(source)),
                    },
                )
            }
        )
    if together:
        for message in list(source.messages):
            message.ticket = target
            message.submission_token = None
        db.flush()
        note = _(
            "Merged #${number} (${subject}) into this ticket.",
            mapping={"number": source.number, "subject": source.subject},
        )
    else:
        note = _(
            "Merged #${number} (${subject}) into this ticket. It was asked by ${requester}, "
            "so its conversation stays on #${number}, visible to that requester only.",
            mapping={
                "number": source.number,
                "subject": source.subject,
                "requester": inner(requester_label(source)),
            },
        )
    # The note is stored: in the language of the agent who merges, like their own notes.
    add_message(db, target, author=by, note=True, body=translate_now(note))
    source.merged_into_id = target.id
    db.flush()
    _set_status(source, TicketStatus.CLOSED, by=by, notify=notify)
    db.flush()


def find_ticket(db: Session, number: str) -> Ticket | None:
    return db.scalar(select(Ticket).where(Ticket.number == number))


def customer_departments(db: Session) -> list[Department]:
    """Departments a customer may open tickets in, by name."""
    return list(
        db.scalars(
            select(Department)
            .where(Department.active.is_(True), Department.customer_visible.is_(True))
            .order_by(Department.name)
        )
    )
