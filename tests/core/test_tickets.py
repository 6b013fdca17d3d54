"""The ticket service: validation, numbering, status rules and events."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from frontdesk.db.meta import utcnow
from frontdesk.db.session import is_retryable_db_error
from frontdesk.db.tickets import Attachment, Ticket, TicketMessage
from frontdesk.db.users import Department
from frontdesk.i18n.messages import plain
from frontdesk.identity.accounts import ValidationError, create_user
from frontdesk.plugin_platform import events
from frontdesk.tickets import (
    TicketConflict,
    add_message,
    assign,
    change_status,
    check_version,
    create_ticket,
    merge,
    set_priority,
    transfer,
)
from frontdesk.tickets.attachments import Upload, UploadPolicy


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
    casey = world["casey"]
    casey.display_name, casey.email = "Casey Customer", "casey@example.com"
    seen = []
    before = utcnow()
    ticket = new_ticket(db, world, priority="high", notify=seen.append)

    (event,) = seen
    assert isinstance(event, events.TicketCreated)
    assert event.ticket == events.TicketSnapshot(
        id=ticket.id,
        number=ticket.number,
        subject="Printer on fire",
        status="open",
        priority="high",
        department_id=world["support"].id,
        department_name="Support",
        requester=events.Person(id=casey.id, name="Casey Customer", email="casey@example.com"),
        assignee=None,
        created_at=event.ticket.created_at,
        updated_at=event.ticket.updated_at,
    )
    assert (event.ticket_id, event.number) == (ticket.id, ticket.number)
    for moment in (event.ticket.created_at, event.ticket.updated_at, event.occurred_at):
        assert moment.tzinfo is not None and moment.utcoffset().total_seconds() == 0
        assert before <= moment <= utcnow()
    with pytest.raises(AttributeError):
        event.ticket.subject = "changed"  # frozen: a listener cannot alter what others see


def test_change_events_carry_who_and_the_ticket_as_changed(db, world):
    ticket = new_ticket(db, world)
    seen = []
    assign(db, ticket, world["alex"], by=world["alex"], notify=seen.append)
    add_message(db, ticket, author=world["alex"], body="On it", notify=seen.append)

    assigned, status, replied = seen
    alex = events.Person.of(world["alex"])
    assert (assigned.old_assignee, assigned.new_assignee, assigned.changed_by) == (
        None,
        alex,
        alex,
    )
    assert assigned.ticket.assignee == alex
    assert (status.old_status, status.new_status, status.ticket.status) == (
        "open",
        "waiting",
        "waiting",
    )
    assert (replied.author, replied.kind, replied.ticket.status) == (alex, "agent", "waiting")


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
            Upload(filename="shot.png", data=b"\x89PNG\r\n\x1a\n..."),
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
    assert message in plain(error.value.errors["attachments"])
    assert db.scalar(select(func.count(Ticket.id))) == 0
    assert db.scalar(select(func.count(TicketMessage.id))) == 0
    assert db.scalar(select(func.count(Attachment.id))) == 0


def test_too_many_files(db, world):
    uploads = [Upload(filename=f"{n}.txt", data=b"x") for n in range(3)]
    with pytest.raises(ValidationError, match="at most 2 files"):
        new_ticket(db, world, uploads=uploads, policy=UploadPolicy(max_files=2))


def test_the_attachment_quota_counts_a_customers_files_but_not_staffs(db, world):
    policy = UploadPolicy(user_quota=1000)
    ticket = new_ticket(db, world, uploads=[Upload(filename="a.txt", data=b"x" * 900)])
    with pytest.raises(ValidationError, match="over your storage quota of 1000 bytes"):
        add_message(
            db, ticket, author=world["casey"], body="More", policy=policy,
            uploads=[Upload(filename="b.txt", data=b"x" * 101)],
        )  # fmt: skip
    add_message(db, ticket, author=world["casey"], body="Fits", policy=policy,
                uploads=[Upload(filename="c.txt", data=b"x" * 100)])  # fmt: skip
    add_message(db, ticket, author=world["alex"], body="Manual", policy=policy,
                uploads=[Upload(filename="m.txt", data=b"x" * 5000)])  # fmt: skip
    assert db.scalar(select(func.count(Attachment.id))) == 3


def test_a_double_submitted_reply_is_added_once(db, world):
    ticket = new_ticket(db, world)
    first = add_message(db, ticket, author=world["alex"], body="On it", submission_token="t-1")
    second = add_message(db, ticket, author=world["alex"], body="On it", submission_token="t-1")
    assert first.id == second.id
    assert db.scalar(select(func.count(TicketMessage.id))) == 2


def test_stale_forms_are_caught(db, world):
    ticket = new_ticket(db, world)
    loaded_version, loaded_at = ticket.version, utcnow()
    add_message(db, ticket, author=world["casey"], body="Any news?")
    with pytest.raises(TicketConflict) as conflict:
        check_version(ticket, loaded_version, loaded_at)
    assert [m.body for m in conflict.value.since] == ["Any news?"]
    check_version(ticket, ticket.version, utcnow())  # the current version passes


def test_concurrent_updates_of_one_ticket_fail_instead_of_losing_one(engine, world, db):
    ticket = new_ticket(db, world)
    db.commit()
    with Session(engine) as first, Session(engine) as second:
        a, b = first.get(Ticket, ticket.id), second.get(Ticket, ticket.id)
        a.subject = "first"
        first.commit()
        b.subject = "second"
        # PostgreSQL: the version check finds no row; SQLite: the stale snapshot may not
        # write at all. Either way nothing is lost and the request is retried.
        with pytest.raises((StaleDataError, OperationalError)) as failure:
            second.commit()
    assert is_retryable_db_error(failure.value)


def test_transfer_unassigns_an_agent_of_the_old_department(db, world):
    ticket = new_ticket(db, world)
    assign(db, ticket, world["alex"], by=world["alex"])
    transfer(db, ticket, world["internal"].id, by=world["alex"])
    assert ticket.department == world["internal"] and ticket.assignee is None
    with pytest.raises(ValidationError, match="active department"):
        transfer(db, ticket, world["closed"].id, by=world["alex"])


def test_merge_moves_the_conversation_and_closes_the_source(db, world):
    target = new_ticket(db, world, subject="Printer")
    source = new_ticket(db, world, subject="Printer again", body="Still burning")
    merge(db, source, target, by=world["alex"])
    assert source.status == "closed" and source.merged_into_id == target.id
    bodies = [m.body for m in target.messages]
    assert "Still burning" in bodies and bodies[-1].startswith("Merged #1002")
    with pytest.raises(ValidationError, match="itself"):
        merge(db, target, target, by=world["alex"])
    with pytest.raises(ValidationError, match="was itself merged"):
        merge(db, new_ticket(db, world), source, by=world["alex"])


def test_merging_another_requesters_ticket_needs_confirming_and_moves_nothing(db, world):
    jordan = create_user(db, username="jordan", role="customer", password=None)
    target = new_ticket(db, world, requester=jordan, subject="Jordan's printer")
    source = new_ticket(db, world, body="Casey's secret")
    with pytest.raises(ValidationError, match="different requesters"):
        merge(db, source, target, by=world["alex"])
    assert source.merged_into_id is None and len(target.messages) == 1

    merge(db, source, target, by=world["alex"], other_requester_confirmed=True)
    assert source.status == "closed" and source.merged_into_id == target.id
    assert [m.body for m in source.messages] == ["Casey's secret"], "stays with casey"
    assert [m.kind for m in target.messages] == ["customer", "note"]
    assert "Casey's secret" not in target.messages[-1].body


def test_priority_must_be_known(db, world):
    ticket = new_ticket(db, world)
    set_priority(db, ticket, "urgent", by=world["alex"])
    assert ticket.priority == "urgent"
    with pytest.raises(ValidationError, match="priority"):
        set_priority(db, ticket, "asap", by=world["alex"])
