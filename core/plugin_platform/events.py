"""Domain events: frozen snapshots handed to plugins in two phases.

Call :func:`emit` inside a request. First, at once and inside the request's transaction,
``frontdesk_before_commit_event(event, dbsession, request)`` runs: a listener's writes
commit or roll back with the change, and its exception fails the whole request. Then,
only if and after the transaction commits, the event's own ``frontdesk_*`` hook runs, so
a rolled-back or retried request notifies nobody, and a retried one notifies once.

Each event carries what a listener needs without reading the database again: ticket
events hold a :class:`TicketSnapshot` of the ticket as it was when the event happened.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from frontdesk.db.meta import utcnow

if TYPE_CHECKING:  # pragma: no cover
    from pyramid.request import Request

log = logging.getLogger(__name__)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` as an aware UTC datetime (SQLite hands back naive UTC values)."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


@dataclass(frozen=True, kw_only=True)
class Person:
    """A user as they were when the event happened.

    :ivar id: the user's id. :ivar name: their display name.
    :ivar email: their e-mail address, or ``None``.
    """

    id: int
    name: str
    email: str | None

    @classmethod
    def of(cls, user: Any) -> Person | None:
        """The snapshot of a ``frontdesk.db.users.User`` (``None`` for nobody)."""
        if user is None:
            return None
        return cls(id=user.id, name=user.display_name, email=user.email)


@dataclass(frozen=True, kw_only=True)
class TicketSnapshot:
    """A ticket as it was when the event happened.

    :ivar id: database id. :ivar number: the number people see (``"1001"``).
    :ivar subject: the subject line. :ivar status: ``open``, ``waiting``, ``on_hold`` or
        ``closed``. :ivar priority: ``low``, ``normal``, ``high`` or ``urgent``.
    :ivar department_id: its department's id, or ``None``.
    :ivar department_name: its department's name, or ``None``.
    :ivar requester: who asked (:class:`Person`), or ``None``.
    :ivar assignee: the agent it is assigned to (:class:`Person`), or ``None``.
    :ivar created_at: when it was opened (aware, UTC).
    :ivar updated_at: when it last changed (aware, UTC).
    """

    id: int
    number: str
    subject: str
    status: str
    priority: str
    department_id: int | None
    department_name: str | None
    requester: Person | None
    assignee: Person | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, ticket: Any) -> TicketSnapshot:
        """The snapshot of a ``frontdesk.db.tickets.Ticket``."""
        department = ticket.department
        return cls(
            id=ticket.id,
            number=ticket.number,
            subject=ticket.subject,
            status=ticket.status,
            priority=ticket.priority,
            department_id=department.id if department is not None else None,
            department_name=department.name if department is not None else None,
            requester=Person.of(ticket.requester),
            assignee=Person.of(ticket.assignee),
            created_at=as_utc(ticket.created_at),
            updated_at=as_utc(ticket.updated_at),
        )


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of all events; ``hook`` names the hook that delivers it after commit.

    :ivar occurred_at: when it happened (aware, UTC).
    """

    hook: ClassVar[str]
    occurred_at: dt.datetime = field(default_factory=utcnow)


@dataclass(frozen=True, kw_only=True)
class TicketEvent(Event):
    """Base of the ticket events. :ivar ticket: the ticket after the change."""

    ticket: TicketSnapshot

    @property
    def ticket_id(self) -> int:
        return self.ticket.id

    @property
    def number(self) -> str:
        return self.ticket.number


@dataclass(frozen=True, kw_only=True)
class TicketCreated(TicketEvent):
    """A ticket was opened (``ticket.requester`` asked)."""

    hook: ClassVar[str] = "frontdesk_ticket_created"


@dataclass(frozen=True, kw_only=True)
class TicketReplied(TicketEvent):
    """A message was added. :ivar message_id: its id. :ivar author: who wrote it.
    :ivar kind: ``customer``, ``agent`` or ``note`` (internal, never shown to customers).
    """

    hook: ClassVar[str] = "frontdesk_ticket_replied"
    message_id: int
    author: Person | None
    kind: str


@dataclass(frozen=True, kw_only=True)
class TicketStatusChanged(TicketEvent):
    """The status changed from ``old_status`` to ``new_status`` (also ``ticket.status``).
    :ivar changed_by: who changed it, or ``None``."""

    hook: ClassVar[str] = "frontdesk_ticket_status_changed"
    old_status: str
    new_status: str
    changed_by: Person | None


@dataclass(frozen=True, kw_only=True)
class TicketAssigned(TicketEvent):
    """The assignee changed. :ivar old_assignee: before, or ``None``.
    :ivar new_assignee: now (also ``ticket.assignee``), or ``None`` for unassigned.
    :ivar changed_by: who changed it, or ``None``."""

    hook: ClassVar[str] = "frontdesk_ticket_assigned"
    old_assignee: Person | None
    new_assignee: Person | None
    changed_by: Person | None


@dataclass(frozen=True, kw_only=True)
class ChatStarted(Event):
    hook: ClassVar[str] = "frontdesk_chat_started"
    chat_id: int
    customer_id: int | None
    department_id: int | None


@dataclass(frozen=True, kw_only=True)
class ChatMessage(Event):
    hook: ClassVar[str] = "frontdesk_chat_message"
    chat_id: int
    message_id: int
    author_id: int | None


@dataclass(frozen=True, kw_only=True)
class ChatEnded(Event):
    hook: ClassVar[str] = "frontdesk_chat_ended"
    chat_id: int
    ended_by: int | None


@dataclass(frozen=True, kw_only=True)
class ArticlePublished(Event):
    hook: ClassVar[str] = "frontdesk_article_published"
    article_id: int
    title: str


@dataclass(frozen=True, kw_only=True)
class UserLoggedIn(Event):
    hook: ClassVar[str] = "frontdesk_user_logged_in"
    user_id: int
    interface: str


def notifier(request: Request) -> Callable[[Event], None]:
    """The ``notify`` argument for :mod:`frontdesk.tickets`: :func:`emit` for ``request``."""
    return lambda event: emit(request, event)


def emit_all(request: Request, events: Iterable[Event]) -> None:
    """Emit events held back until a form succeeded (a refused attempt notifies nobody)."""
    for event in events:
        emit(request, event)


def emit(request: Request, event: Event) -> None:
    """Hand ``event`` to active plugins: now inside the request's transaction
    (``frontdesk_before_commit_event``), and once the transaction has committed (the
    event's own hook).

    An exception from an in-transaction listener propagates: the request fails and its
    transaction, the change and the listener's writes alike, is rolled back.
    """
    # Resolved now, while the request can still read plugin state: plugins that are off
    # hear nothing.
    hooks = request.registry.frontdesk_plugins.active_hook(request)
    emit_in(request.tm.get(), hooks, event, dbsession=request.dbsession, request=request)


def emit_in(txn: Any, hooks: Any, event: Event, *, dbsession: Any, request: Any) -> None:
    """Deliver ``event`` through ``hooks`` in two phases around the transaction ``txn``
    (a ``transaction`` object): :func:`emit` for a request, and background jobs with
    ``request=None``."""
    hooks.frontdesk_before_commit_event(event=event, dbsession=dbsession, request=request)
    hook = getattr(hooks, event.hook)

    def deliver(committed: bool) -> None:
        if not committed:
            return
        try:
            hook(event=event, request=request)
        except Exception:  # a broken notifier must not turn a committed change into a 500
            log.exception("plugin failed while handling %s", type(event).__name__)

    txn.addAfterCommitHook(deliver)
