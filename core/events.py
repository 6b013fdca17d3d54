"""Domain events: frozen snapshots handed to plugins after the transaction commits.

Call :func:`emit` inside a request; the matching ``frontdesk_*`` hook runs only if and
after the request's transaction commits, so a rolled-back or retried request notifies
nobody, and a retried one notifies once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:  # pragma: no cover
    from pyramid.request import Request

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of all events; ``hook`` names the hook that delivers it."""

    hook: ClassVar[str]


@dataclass(frozen=True, kw_only=True)
class TicketCreated(Event):
    hook: ClassVar[str] = "frontdesk_ticket_created"
    ticket_id: int
    number: str
    subject: str
    department_id: int | None
    requester_id: int | None


@dataclass(frozen=True, kw_only=True)
class TicketReplied(Event):
    hook: ClassVar[str] = "frontdesk_ticket_replied"
    ticket_id: int
    number: str
    message_id: int
    author_id: int | None
    kind: str


@dataclass(frozen=True, kw_only=True)
class TicketStatusChanged(Event):
    hook: ClassVar[str] = "frontdesk_ticket_status_changed"
    ticket_id: int
    number: str
    old_status: str
    new_status: str
    changed_by: int | None


@dataclass(frozen=True, kw_only=True)
class TicketAssigned(Event):
    hook: ClassVar[str] = "frontdesk_ticket_assigned"
    ticket_id: int
    number: str
    old_assignee_id: int | None
    new_assignee_id: int | None
    changed_by: int | None


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
    """The ``notify`` argument for :mod:`frontdesk.tickets`: events reach plugins after commit."""
    return lambda event: emit(request, event)


def emit_all(request: Request, events: Iterable[Event]) -> None:
    """Emit events held back until a form succeeded (a refused attempt notifies nobody)."""
    for event in events:
        emit(request, event)


def emit(request: Request, event: Event) -> None:
    """Deliver ``event`` to plugins once the request's transaction has committed."""
    # Resolved now, while the request can still read plugin state: plugins that are off
    # hear nothing.
    hook = getattr(request.registry.frontdesk_plugins.active_hook(request), event.hook)

    def deliver(committed: bool) -> None:
        if not committed:
            return
        try:
            hook(event=event, request=request)
        except Exception:  # a broken notifier must not turn a committed request into a 500
            log.exception("plugin failed while handling %s", type(event).__name__)

    request.tm.get().addAfterCommitHook(deliver)
