"""Notifications: ticket events become mails to the people who should hear of them.

Customers hear that their ticket arrived, that an agent replied (with the reply) and
that it was closed; agents hear of new tickets in their departments, customers' replies
on tickets assigned to them and tickets assigned to them. Nobody hears of their own
action, customers never see internal notes, and each user can switch each kind off
(:func:`set_user_choice`); a kind a user never touched follows the administrators'
default, the run-time setting ``notifications.<kind>`` (on unless set).

``record`` runs inside the transaction that changed the ticket (core's
``frontdesk_before_commit_event``) and only enqueues the ``mail.notify`` job, so a
request that rolls back notifies nobody. The job (``notify_job``) decides who gets
what and queues one mail per person, each under its own key: a retried job sends
nothing twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.db.outgoing import NotificationChoice
from frontdesk.db.tickets import MessageKind, Ticket, TicketMessage, TicketStatus
from frontdesk.db.users import User
from frontdesk.i18n import TranslationString, _
from frontdesk.jobs import JobContext, enqueue
from frontdesk.mail.messages import HtmlPart, Text
from frontdesk.mail.outgoing import job_session, mail_domain, queue_mail
from frontdesk.mail.threading import make_message_id, subject_tag, ticket_thread_id
from frontdesk.plugin_platform import events
from frontdesk.settings import get_flag

__all__ = ["KINDS", "NOTIFY_JOB", "Kind", "notify_job", "record", "set_user_choice", "user_choices"]

#: The job that turns one ticket event into mails.
NOTIFY_JOB = "mail.notify"


@dataclass(frozen=True)
class Kind:
    """A kind of notification. :ivar key: ``ticket_received`` ...; :ivar title: what
    the profile and the settings page call it; :ivar audience: who gets it."""

    key: str
    title: TranslationString
    audience: Literal["customer", "agent"]

    @property
    def setting(self) -> str:
        """The run-time setting holding the administrators' default."""
        return f"notifications.{self.key}"


TICKET_RECEIVED = Kind("ticket_received", _("My ticket was received"), "customer")
AGENT_REPLIED = Kind("agent_replied", _("An agent replied to my ticket"), "customer")
TICKET_CLOSED = Kind("ticket_closed", _("My ticket was closed"), "customer")
NEW_TICKET = Kind("new_ticket", _("A new ticket arrived in my departments"), "agent")
CUSTOMER_REPLIED = Kind(
    "customer_replied", _("A customer replied on a ticket assigned to me"), "agent"
)
TICKET_ASSIGNED = Kind("ticket_assigned", _("A ticket was assigned to me"), "agent")

#: Every kind, by key, customers' first.
KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        TICKET_RECEIVED,
        AGENT_REPLIED,
        TICKET_CLOSED,
        NEW_TICKET,
        CUSTOMER_REPLIED,
        TICKET_ASSIGNED,
    )
}


def kinds_for(user: User) -> list[Kind]:
    """The kinds ``user`` can receive: customers' kinds, and agents' kinds for staff."""
    audiences = {"customer", "agent"} if user.is_staff else {"customer"}
    return [kind for kind in KINDS.values() if kind.audience in audiences]


def default_enabled(db: Session, settings: Mapping[str, Any], key: str) -> bool:
    """The administrators' default for kind ``key`` (on unless set)."""
    return get_flag(db, settings, KINDS[key].setting, default=True)


def user_choices(
    db: Session, user: User, settings: Mapping[str, Any] | None = None
) -> dict[str, bool]:
    """Whether ``user`` gets each kind they can receive: their own choice, else the
    administrators' default."""
    stored = {
        choice.kind: choice.enabled
        for choice in db.scalars(
            select(NotificationChoice).where(NotificationChoice.user_id == user.id)
        )
    }
    return {
        kind.key: stored[kind.key]
        if kind.key in stored
        else default_enabled(db, settings or {}, kind.key)
        for kind in kinds_for(user)
    }


def set_user_choice(db: Session, user: User, key: str, enabled: bool) -> None:
    """Switch kind ``key`` on or off for ``user``; an unknown kind is a ``KeyError``."""
    if key not in KINDS:
        raise KeyError(key)
    choice = db.get(NotificationChoice, (user.id, key))
    if choice is None:
        db.add(NotificationChoice(user_id=user.id, kind=key, enabled=enabled))
    else:
        choice.enabled = enabled
    db.flush()


def record(db: Session, event: events.Event) -> None:
    """Enqueue the notifications for ``event`` in ``db``'s transaction (nothing for events
    no one is notified of)."""
    data: dict[str, Any]
    if isinstance(event, events.TicketCreated):
        requester = event.ticket.requester
        data = {"event": "created", "actor_id": requester.id if requester else None}
    elif isinstance(event, events.TicketReplied):
        data = {
            "event": "replied",
            "message_id": event.message_id,
            "kind": event.kind,
            "actor_id": event.author.id if event.author else None,
        }
    elif isinstance(event, events.TicketStatusChanged):
        if event.new_status != TicketStatus.CLOSED or event.old_status == TicketStatus.CLOSED:
            return
        data = {"event": "closed", "actor_id": event.changed_by.id if event.changed_by else None}
    elif isinstance(event, events.TicketAssigned):
        if event.new_assignee is None:
            return
        data = {
            "event": "assigned",
            "assignee_id": event.new_assignee.id,
            "actor_id": event.changed_by.id if event.changed_by else None,
        }
    else:
        return
    data["ticket_id"] = event.ticket.id
    data["id"] = uuid.uuid4().hex
    enqueue(db, NOTIFY_JOB, data, key=f"{NOTIFY_JOB}:{data['id']}")


@dataclass(frozen=True)
class _Mail:
    kind: Kind
    user: User
    subject: TranslationString
    body: list[Text | HtmlPart]
    part: str


def _wants(db: Session, settings: Mapping[str, Any], user: User | None, kind: Kind) -> bool:
    if user is None or not user.active or not user.email:
        return False
    if kind.audience == "agent" and not user.is_staff:
        return False
    return user_choices(db, user, settings).get(kind.key, False)


def _link(settings: Mapping[str, Any], kind: Kind, number: str) -> str | None:
    base = str(settings.get("frontdesk.public_url", "") or "").strip().rstrip("/")
    if not base:
        return None
    path = "/management/tickets/" if kind.audience == "agent" else "/tickets/"
    return f"{base}{path}{number}"


def _subject(kind: Kind, ticket: Ticket) -> TranslationString:
    mapping = {"tag": subject_tag(ticket.number), "subject": ticket.subject}
    department = ticket.department.name if ticket.department else ""
    subjects = {
        TICKET_RECEIVED: _("${tag} We received your request: ${subject}", mapping=mapping),
        AGENT_REPLIED: _("${tag} New reply: ${subject}", mapping=mapping),
        TICKET_CLOSED: _("${tag} Closed: ${subject}", mapping=mapping),
        NEW_TICKET: _(
            "${tag} New ticket in ${department}: ${subject}",
            mapping={**mapping, "department": department},
        ),
        CUSTOMER_REPLIED: _("${tag} Customer replied: ${subject}", mapping=mapping),
        TICKET_ASSIGNED: _("${tag} Assigned to you: ${subject}", mapping=mapping),
    }
    return subjects[kind]


def _quote(message: TicketMessage | None) -> list[Text | HtmlPart]:
    if message is None:
        return []
    return [HtmlPart(text=message.body, html=message.body_html)]


def _mails(
    db: Session, data: dict[str, Any], ticket: Ticket
) -> list[tuple[Kind, User | None, list[Text | HtmlPart]]]:
    """Who gets which kind for the event in ``data``, with the body's middle part."""
    number = ticket.number
    requester = ticket.requester
    actor = db.get(User, data["actor_id"]) if data.get("actor_id") else None
    actor_name = actor.display_name if actor else ""
    event = data["event"]
    found: list[tuple[Kind, User | None, list[Text | HtmlPart]]] = []
    if event == "created":
        first = min(ticket.messages, key=lambda m: m.id, default=None)
        found.append(
            (
                TICKET_RECEIVED,
                requester,
                [
                    _(
                        "Thank you for contacting us. We received your request and gave it "
                        "the number ${number}; we will answer as soon as we can.",
                        mapping={"number": number},
                    )
                ],
            )
        )
        if ticket.department is not None:
            intro = _(
                "${name} opened a new ticket in ${department}:",
                mapping={
                    "name": requester.display_name if requester else "",
                    "department": ticket.department.name,
                },
            )
            for agent in ticket.department.agents:
                if agent.id != (requester.id if requester else None):
                    found.append((NEW_TICKET, agent, [intro, *_quote(first)]))
    elif event == "replied":
        message = db.get(TicketMessage, data["message_id"])
        kind = data.get("kind")
        if message is None or kind == MessageKind.NOTE:
            return []  # internal notes never leave the help desk
        if kind == MessageKind.AGENT:
            intro = _(
                "${name} replied to your ticket ${number}:",
                mapping={"name": actor_name, "number": number},
            )
            found.append((AGENT_REPLIED, requester, [intro, *_quote(message)]))
        elif kind == MessageKind.CUSTOMER:
            intro = _(
                "${name} replied to ticket ${number}:",
                mapping={"name": actor_name, "number": number},
            )
            found.append((CUSTOMER_REPLIED, ticket.assignee, [intro, *_quote(message)]))
    elif event == "closed":
        text = _(
            "Your ticket ${number} was closed. If you still need help, reply to this e-mail.",
            mapping={"number": number},
        )
        found.append((TICKET_CLOSED, requester, [text]))
    elif event == "assigned":
        assignee = db.get(User, data["assignee_id"])
        if assignee is not None and ticket.assignee_id == assignee.id:
            text = (
                _(
                    "${name} assigned ticket ${number} to you.",
                    mapping={"name": actor_name, "number": number},
                )
                if actor_name
                else _("Ticket ${number} was assigned to you.", mapping={"number": number})
            )
            found.append((TICKET_ASSIGNED, assignee, [text]))
    return found


def notify_job(ctx: JobContext, payload: dict[str, Any]) -> None:
    """The ``mail.notify`` job: queue the mails one ticket event calls for."""
    with job_session(ctx) as db, db.begin():
        _notify(db, ctx.settings, payload)


def _notify(db: Session, settings: Mapping[str, Any], payload: dict[str, Any]) -> None:
    ticket = db.get(Ticket, payload["ticket_id"])
    if ticket is None:
        return
    actor_id = payload.get("actor_id")
    if payload["event"] == "created" and ticket.messages:
        # An agent may open a ticket for a customer: the first message's author acted.
        actor_id = min(ticket.messages, key=lambda m: m.id).author_id or actor_id
    domain = mail_domain(settings)
    thread = ticket_thread_id(ticket_id=ticket.id, domain=domain)
    seen: set[int] = set()
    for kind, user, middle in _mails(db, payload, ticket):
        if user is None or user.id in seen:
            continue
        if user.id == actor_id and kind is not TICKET_RECEIVED:
            continue  # nobody hears of their own action
        if not _wants(db, settings, user, kind):
            continue
        seen.add(user.id)
        body: list[Text | HtmlPart] = [
            _("Hello ${name},", mapping={"name": user.display_name}),
            *middle,
        ]
        link = _link(settings, kind, ticket.number)
        if link:
            body.append(_("View the ticket: ${link}", mapping={"link": link}))
        body.append(
            _(
                "You receive this e-mail because of your notification settings; you can "
                "change them in your profile."
            )
        )
        part = f"{kind.key}.m{payload['message_id']}" if payload.get("message_id") else kind.key
        queue_mail(
            db,
            to=user.email or "",
            subject=_subject(kind, ticket),
            body=body,
            locale=user.locale,
            key=f"{NOTIFY_JOB}:{payload['id']}:{user.id}",
            department_id=ticket.department_id,
            in_reply_to=thread,
            references=[thread],
            message_id=make_message_id(ticket_id=ticket.id, part=part, domain=domain),
        )
