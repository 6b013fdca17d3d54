"""The portal's test desk: departments, two customers, an agent, and helpers to log in
and to make tickets through the ticket service (as another process would)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from frontdesk.db.tickets import Attachment, Ticket, TicketMessage
from frontdesk.db.users import Department
from frontdesk.identity.accounts import create_user, find_user
from frontdesk.tickets import add_message, create_ticket, find_ticket
from frontdesk.tickets.attachments import Upload

PASSWORDS = {
    "casey": "casey-password",
    "jordan": "jordan-password",
    "alex": "alex-password",
}


@pytest.fixture
def desk(commit) -> dict[str, int]:
    """Support and Billing (customers see them), Internal (hidden), Archive (inactive)."""
    with commit() as db:
        departments = [
            Department(name="Support", description="Help with the product"),
            Department(name="Billing"),
            Department(name="Internal", customer_visible=False),
            Department(name="Archive", active=False),
        ]
        db.add_all(departments)
        db.flush()
        create_user(
            db,
            username="casey",
            role="customer",
            password=PASSWORDS["casey"],
            display_name="Casey Customer",
            email="casey@example.com",
        )
        create_user(
            db,
            username="jordan",
            role="customer",
            password=PASSWORDS["jordan"],
            display_name="Jordan Customer",
            email="jordan@example.com",
        )
        create_user(
            db,
            username="alex",
            role="agent",
            password=PASSWORDS["alex"],
            display_name="Alex Agent",
            departments=["Support", "Billing", "Internal"],
        )
        return {d.name: d.id for d in departments}


@pytest.fixture
def app(make_webapp, desk):
    return make_webapp(["portal"])


def login(app: Any, username: str, status: int = 303) -> Any:
    """Log ``username`` into the portal through its login form."""
    form = app.get("/login").forms["login-form"]
    form["username"] = username
    form["password"] = PASSWORDS[username]
    return form.submit(status=status)


def csrf(app: Any) -> str:
    """The session's CSRF token (the portal's password page carries it in a form)."""
    return app.get("/account/password").forms["password-form"]["csrf_token"].value


def make_ticket(
    commit: Any,
    requester: str,
    subject: str = "Printer on fire",
    body: str = "Help!",
    department: str = "Support",
    files: dict[str, bytes] | None = None,
) -> str:
    """Open a ticket through the service; returns its number."""
    with commit() as db:
        ticket = create_ticket(
            db,
            requester=find_user(db, requester),
            subject=subject,
            body=body,
            department_id=db.scalar(select(Department.id).where(Department.name == department)),
            uploads=[Upload(filename=n, data=d) for n, d in (files or {}).items()],
        )
        return ticket.number


def add_reply(
    commit: Any,
    number: str,
    author: str,
    body: str,
    *,
    note: bool = False,
    files: dict[str, bytes] | None = None,
) -> int:
    """Reply (or write an internal note) through the service; returns the message id."""
    with commit() as db:
        message = add_message(
            db,
            find_ticket(db, number),
            author=find_user(db, author),
            body=body,
            note=note,
            uploads=[Upload(filename=n, data=d) for n, d in (files or {}).items()],
        )
        return message.id


def attachment_id(commit: Any, filename: str) -> int:
    with commit() as db:
        return db.scalar(select(Attachment.id).where(Attachment.filename == filename))


def counts(commit: Any) -> tuple[int, int, int]:
    """Tickets, messages and attachments in the database (nothing half-written), read in
    a fresh transaction."""
    with commit() as db:
        return (
            db.scalar(select(func.count(Ticket.id))),
            db.scalar(select(func.count(TicketMessage.id))),
            db.scalar(select(func.count(Attachment.id))),
        )


def no_live_script(page: Any) -> bool:
    """No <script> element besides the layout's own script file."""
    return all(
        s.get("src", "").startswith("/static/frontdesk/") for s in page.html.find_all("script")
    )
