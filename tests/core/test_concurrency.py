"""Many writers at once against a real waitress server: every request answers, nothing is
lost or duplicated (attachments included), on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from frontdesk.app import make_app
from frontdesk.db.jobs import OutboxEntry
from frontdesk.db.tickets import Attachment, Ticket, TicketMessage
from frontdesk.db.users import Department
from frontdesk.identity.accounts import create_user
from frontdesk.testing import TEST_SETTINGS
from tests.clients import Client, all_at_once
from tests.servers import threaded_server

WRITERS = 16
TICKETS_EACH = 3
#: Pages whose templates a fresh server compiles on first use.
FIRST_PAGES = ("/", "/login", "/register", "/management/login")


def customer(number: int) -> tuple[str, str]:
    return f"customer{number}", f"password-{number}"


def attachment(username: str, round_: int) -> bytes:
    return f"log of {username}, round {round_}\n".encode() * 10


@pytest.fixture
def desk(commit) -> int:
    """A department and ``WRITERS`` customers; returns the department id."""
    with commit() as db:
        support = Department(name="Support")
        db.add(support)
        for number in range(WRITERS):
            username, password = customer(number)
            create_user(db, username=username, role="customer", password=password)
        db.flush()
        return support.id


@pytest.fixture
def server(engine, desk, tmp_path) -> Any:
    # As in production: notifications wait in the job queue for a worker, they are not
    # sent by the request's own thread (test apps' default "immediate" backend).
    settings = {
        **TEST_SETTINGS,
        "frontdesk.jobs.backend": "sqlite",
        "frontdesk.jobs.sqlite_path": str(tmp_path / "jobs.sqlite"),
    }
    app = make_app(settings, plugins=["portal"], engine=engine)
    with threaded_server(app, threads=WRITERS) as url:
        yield url


def test_concurrent_logins_and_ticket_submissions_all_succeed(server, desk, commit):
    def customer_session(number: int, together) -> list[int]:
        client = Client(server)
        token = client.csrf_token("/login")
        username, password = customer(number)
        together()
        statuses = [
            client.post(
                "/login", {"csrf_token": token, "username": username, "password": password}
            ).status
        ]
        token = client.csrf_token("/tickets/new")
        for round_ in range(TICKETS_EACH):
            together()
            reply = client.post(
                "/tickets/new",
                {
                    "csrf_token": token,
                    "department": str(desk),
                    "subject": f"{username} #{round_}",
                    "body": "Everything at once",
                },
                files={"attachments": (f"{username}-{round_}.txt", attachment(username, round_))},
            )
            statuses.append(reply.status)
        return statuses

    statuses = [s for run in all_at_once(WRITERS, customer_session) for s in run]

    assert statuses.count(303) == len(statuses), sorted(set(statuses))
    with commit() as db:
        subjects = db.scalars(select(Ticket.subject)).all()
        numbers = db.scalars(select(Ticket.number)).all()
        messages = db.scalar(select(func.count(TicketMessage.id)))
        files = {a.filename: a.data for a in db.scalars(select(Attachment))}
        notifications = db.scalar(
            select(func.count(OutboxEntry.id)).where(OutboxEntry.name == "mail.notify")
        )
    assert sorted(subjects) == sorted(
        f"{customer(n)[0]} #{r}" for n in range(WRITERS) for r in range(TICKETS_EACH)
    )
    assert len(set(numbers)) == WRITERS * TICKETS_EACH
    assert messages == WRITERS * TICKETS_EACH
    # Each ticket's notification is waiting for the worker, none lost.
    assert notifications == WRITERS * TICKETS_EACH
    assert files == {
        f"{customer(n)[0]}-{r}.txt": attachment(customer(n)[0], r)
        for n in range(WRITERS)
        for r in range(TICKETS_EACH)
    }


@pytest.mark.parametrize("restart", range(3))
def test_first_pages_after_a_start_render_under_concurrent_load(engine, restart):
    # Templates compile on first render; compiling in many threads at once used to fail.
    app = make_app(TEST_SETTINGS, plugins=["portal", "management"], engine=engine)
    with threaded_server(app, threads=WRITERS) as url:

        def first_visit(number: int, together) -> int:
            client = Client(url)
            together()
            return client.get(FIRST_PAGES[number % len(FIRST_PAGES)]).status

        statuses = all_at_once(WRITERS, first_visit)

    assert all(status < 500 for status in statuses), statuses
