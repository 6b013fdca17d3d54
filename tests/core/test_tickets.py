"""The ticket service: validation, numbering, status rules and events."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from frontdesk import events
from frontdesk.accounts import ValidationError, create_user
from frontdesk.attachments import Upload, UploadPolicy
from frontdesk.db.tickets import Attachment, Ticket, TicketMessage
from frontdesk.db.users import Department
from frontdesk.tickets import add_message, assign, change_status, create_ticket


@pytest.fixture
def world(db):
    support = Department(name="Support")
    internal = Department(name="Escalations", customer_visible=False)
    closed = Department(name="Old", active=False)
    db.add_all([support, internal, closed])
    db.flush()
    people = {
        "casey": create_user(db, username="casey", role="customer", password=None),
        "alex": create_user(
            db, username="alex", role="agent", password=None, departments=["Support"]
        ),
        "sam": create_user(
            db, username="sam", role="agent", password=None, departments=["Escalations"]
        ),
    }
    return {"support": support, "internal": internal, "closed": closed, **people}


def new_ticket(db, world, **kw):
    args = dict(
        requester=world["casey"],
        subject="Printer on fire",
        body="Help!",
        department_id=world["support"].id,
    )
    args.update(kw)
    return create_ticket(db, **args)


def test_tickets_get_consecutive_unique_numbers(db, world):
    numbers = [new_ticket(db, world).number for _ in range(3)]
    assert numbers == ["1001", "1002", "1003"]


def test_create_reports_every_bad_field_and_writes_nothing(db, world):
    with pytest.raises(ValidationError) as error:
        new_ticket(db, world, subject="  ", body="", department_id=None, priority="whenever")
    assert set(error.value.errors) == {"subject", "body", "department", "priority"}
    assert db.scalar(select(func.count(Ticket.id))) == 0


@pytest.mark.parametrize("department", ["internal", "closed"])
def test_customers_cannot_use_hidden_or_inactive_departments(db, world, department):
    with pytest.raises(ValidationError) as error:
        new_ticket(db, world, department_id=world[department].id)
    assert error.value.errors == {"department": "Choose a department."}


def test_subject_whitespace_is_tidied_and_length_limited(db, world):
    assert new_ticket(db, world, subject="  two   words \n").subject == "two words"
    with pytest.raises(ValidationError, match="subject"):
        new_ticket(db, world, subject="x" * 201)


def test_created_event_carries_a_snapshot(db, world):
    seen = []
    ticket = new_ticket(db, world, notify=seen.append)
    assert seen == [
        events.TicketCreated(
            ticket_id=ticket.id,
            number=ticket.number,
            subject="Printer on fire",
            department_id=world["support"].id,
            requester_id=world["casey"].id,
        )
    ]


def test_replies_move_the_status_between_customer_and_staff(db, world):
    ticket = new_ticket(db, world)
    seen = []
    add_message(db, ticket, author=world["alex"], body="On it", notify=seen.append)
    assert ticket.status == "waiting"
    add_message(db, ticket, author=world["casey"], body="Thanks", notify=seen.append)
    assert ticket.status == "open"
    assert [type(e).__name__ for e in seen] == [
        "TicketStatusChanged",
        "TicketReplied",
        "TicketStatusChanged",
        "TicketReplied",
    ]


def test_internal_notes_change_nothing_and_are_staff_only(db, world):
    ticket = new_ticket(db, world)
    add_message(db, ticket, author=world["alex"], body="Between us", note=True)
    assert ticket.status == "open" and ticket.messages[-1].kind == "note"
    with pytest.raises(ValidationError, match="Customers cannot write internal notes"):
        add_message(db, ticket, author=world["casey"], body="sneaky", note=True)


def test_customer_reply_reopens_a_closed_ticket(db, world):
    ticket = new_ticket(db, world)
    change_status(db, ticket, "closed", by=world["casey"])
    assert ticket.closed_at is not None
    add_message(db, ticket, author=world["casey"], body="Still broken")
    assert ticket.status == "open" and ticket.closed_at is None


def test_customers_may_only_close_and_reopen(db, world):
    ticket = new_ticket(db, world)
    with pytest.raises(ValidationError, match="close or reopen"):
        change_status(db, ticket, "on_hold", by=world["casey"])
    with pytest.raises(ValidationError, match="Choose a status"):
        change_status(db, ticket, "exploded", by=world["alex"])


def test_assignment_needs_an_agent_of_the_department(db, world):
    ticket = new_ticket(db, world)
    with pytest.raises(ValidationError, match="agent of the ticket's department"):
        assign(db, ticket, world["sam"], by=world["alex"])
    with pytest.raises(ValidationError):
        assign(db, ticket, world["casey"], by=world["alex"])
    seen = []
    assign(db, ticket, world["alex"], by=world["alex"], notify=seen.append)
    assert ticket.assignee == world["alex"] and len(seen) == 1
    assign(db, ticket, world["alex"], by=world["alex"], notify=seen.append)
    assert len(seen) == 1, "no event when nothing changes"


def test_attachments_are_stored_with_safe_types(db, world):
    ticket = new_ticket(
        db,
        world,
        uploads=[
            Upload(filename="../../etc/log.txt", data=b"hello"),
            Upload(filename="shot.png", data=b"\x89PNG..."),
        ],
    )
    stored = {a.filename: a.content_type for a in ticket.messages[0].attachments}
    assert stored == {"log.txt": "text/plain", "shot.png": "image/png"}


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (Upload(filename="page.html", data=b"<script>"), "cannot be attached"),
        (Upload(filename="logo.svg", data=b"<svg/>"), "cannot be attached"),
        (Upload(filename="run.exe", data=b"MZ"), "cannot be attached"),
        (Upload(filename="noextension", data=b"x"), "cannot be attached"),
        (Upload(filename="big.txt", data=b"x" * 2000), "the limit is 1000 bytes"),
        (Upload(filename="empty.txt", data=b""), "is empty"),
    ],
)
def test_refused_uploads_leave_no_ticket(db, world, upload, message):
    with pytest.raises(ValidationError) as error:
        new_ticket(db, world, uploads=[upload], policy=UploadPolicy(max_size=1000))
    assert message in error.value.errors["attachments"]
    assert db.scalar(select(func.count(Ticket.id))) == 0
    assert db.scalar(select(func.count(TicketMessage.id))) == 0
    assert db.scalar(select(func.count(Attachment.id))) == 0


def test_too_many_files(db, world):
    uploads = [Upload(filename=f"{n}.txt", data=b"x") for n in range(3)]
    with pytest.raises(ValidationError, match="at most 2 files"):
        new_ticket(db, world, uploads=uploads, policy=UploadPolicy(max_files=2))
