"""A test plugin that records every new ticket in a table of its own, in both event
phases: inside the request's transaction, and after commit through a session of its own.

A subject containing ``[refuse]`` makes the in-transaction listener raise, and
``POST /ticketlog/create-then-fail`` opens a ticket and then fails, to observe rollbacks.
"""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.request import Request
from sqlalchemy.orm import Session

from frontdesk import PUBLIC, PluginInfo, hookimpl
from frontdesk.db.session import run_in_new_session
from frontdesk.db.users import Department, User
from frontdesk.events import Event, TicketCreated, notifier
from frontdesk.tickets import create_ticket
from tests.sample_plugins.ticketlog.models import LogEntry

PLUGIN = PluginInfo(
    name="ticketlog",
    title="Ticket log",
    migrations="tests.sample_plugins.ticketlog:migrations/versions",
)
REFUSE = "[refuse]"


def _entry(event: TicketCreated, phase: str) -> LogEntry:
    requester = event.ticket.requester
    return LogEntry(
        number=event.ticket.number,
        phase=phase,
        department=event.ticket.department_name,
        requester_email=requester.email if requester else None,
    )


@hookimpl
def frontdesk_before_commit_event(event: Event, dbsession: Session) -> None:
    match event:
        case TicketCreated() if REFUSE in event.ticket.subject:
            raise RuntimeError("ticketlog refuses this ticket")
        case TicketCreated():
            dbsession.add(_entry(event, "in transaction"))


@hookimpl
def frontdesk_ticket_created(event: TicketCreated, request: Request) -> None:
    run_in_new_session(request.registry, lambda db: db.add(_entry(event, "after commit")))


@hookimpl
def frontdesk_configure(config: Configurator) -> None:
    config.add_route("ticketlog.create_then_fail", "/ticketlog/create-then-fail")
    config.add_view(
        create_then_fail,
        route_name="ticketlog.create_then_fail",
        request_method="POST",
        require_csrf=False,
        permission=PUBLIC,
    )


def create_then_fail(request: Request) -> None:
    """Open a ticket for ``username`` in ``department``, then fail the request."""
    db = request.dbsession
    requester = db.query(User).filter_by(username=request.POST["username"]).one()
    department = db.query(Department).filter_by(name=request.POST["department"]).one()
    create_ticket(
        db,
        requester=requester,
        subject="Will not survive",
        body="The request fails after this.",
        department_id=department.id,
        notify=notifier(request),
    )
    raise RuntimeError("failing after the ticket was created")
