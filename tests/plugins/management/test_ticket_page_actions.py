"""Acting on a ticket from its page: reply, note, status/priority/due, assign, transfer,
merge; conflicts with other agents; double submits; canned replies in the reply box."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from webtest import TestApp

from frontdesk.db.tickets import TicketMessage
from frontdesk.db.users import User
from frontdesk.plugins.management.workspace.models import CannedReply
from frontdesk.plugins.management.workspace.ticket import parse_due
from frontdesk.tickets import (
    add_message,
    assign,
    change_status,
    create_ticket,
    find_ticket,
    merge,
    set_priority,
)
from frontdesk.tickets.attachments import Upload
from tests.plugins.management.workspace_support import PLUGINS, build_desk, login, texts
from tests.sample_plugins.recorder import EventLog

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.fixture
def desk(commit):
    return build_desk(commit)


@pytest.fixture(scope="module")
def shared_listener():
    """One listener for the module, so the (cached) app is built once per backend."""
    return EventLog()


@pytest.fixture
def listener(shared_listener):
    shared_listener.seen.clear()
    return shared_listener


@pytest.fixture
def app(make_webapp, desk, listener):
    return make_webapp([*PLUGINS, listener])


def ticket(engine, number="1001"):
    """The ticket as committed, with its messages (read in a session that is closed
    again: an open one would block the cleanup's TRUNCATE)."""
    with Session(engine) as db:
        found = find_ticket(db, number)
        assert found is not None
        list(found.messages)
        return found


def form_of(app, form_id, number="1001"):
    return app.get(f"/management/tickets/{number}").forms[form_id]


def ticket_events(listener):
    return [name for name, _event in listener.seen if name.startswith("ticket_")]


def flashes(page):
    return texts(page, ".flash")


def error(page, field_id):
    return (
        page.html.select_one(f"#{field_id}").find_parent(class_="field").select_one(".field__error")
    )


# --- Reply and note -------------------------------------------------------------------


def test_reply_reaches_the_customer_and_marks_the_ticket_waiting(app, engine, listener):
    login(app, "alex")
    form = form_of(app, "reply-form")
    form["body"] = "We sent a technician."
    done = form.submit(status=303)
    assert done.location.startswith("http://localhost/management/tickets/1001#message-")
    page = done.follow()
    assert flashes(page) == ["Reply sent."]
    t = ticket(engine)
    assert [(m.kind, m.body) for m in t.messages][-1] == ("agent", "We sent a technician.")
    assert t.status == "waiting"
    assert ticket_events(listener) == ["ticket_status_changed", "ticket_replied"]


def test_note_stays_internal_and_leaves_the_status(app, engine, listener):
    login(app, "alex")
    form = form_of(app, "note-form")
    form["body"] = "Check the warranty first."
    page = form.submit(status=303).follow()
    assert flashes(page) == ["Internal note added."]
    t = ticket(engine)
    assert (t.messages[-1].kind, t.status) == ("note", "open")
    assert page.html.select(".message--note")[-1].select_one(".message__label").text == (
        "Internal note"
    )


def test_an_empty_reply_is_refused_beside_the_field_with_the_input_kept(app, engine, listener):
    login(app, "alex")
    form = form_of(app, "reply-form")
    form["body"] = "   "
    page = form.submit(status=400)
    assert error(page, "reply-body").text == "Write a message."
    assert page.forms["reply-form"]["body"].value == "   "
    assert len(ticket(engine).messages) == 1
    assert ticket_events(listener) == []


def test_a_refused_attachment_keeps_the_text_and_writes_nothing(app, engine):
    login(app, "alex")
    form = form_of(app, "reply-form")
    form["body"] = "See attached."
    page = form.submit(upload_files=[("attachments", "evil.exe", b"MZ")], status=400)
    assert "cannot be attached" in error(page, "reply-attachments").text
    assert page.forms["reply-form"]["body"].value == "See attached."
    assert "choose them again" in page.text
    assert len(ticket(engine).messages) == 1


def test_a_double_submitted_reply_is_added_once(app, engine):
    login(app, "alex")
    form = form_of(app, "reply-form")
    form["body"] = "Only once, please."
    first = form.submit(status=303)
    second = form.submit(status=303)  # the same form again: same token, old version
    assert first.location == second.location
    assert [m.body for m in ticket(engine).messages].count("Only once, please.") == 1


def test_two_copies_of_one_form_racing_in_add_one_message(app, engine):
    login(app, "alex")
    form = form_of(app, "reply-form")
    form["body"] = "Racing."
    fields = dict(form.submit_fields())
    cookies = {c.name: c.value for c in app.cookiejar}
    barrier = threading.Barrier(2)
    statuses = []

    def send():
        client = TestApp(app.app)
        for name, value in cookies.items():
            client.set_cookie(name, value)
        barrier.wait()
        response = client.post("/management/tickets/1001/reply", fields, status="*")
        statuses.append(response.status_int)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303, 303]
    with Session(engine) as db:
        count = db.scalar(select(func.count()).where(TicketMessage.body == "Racing."))
    assert count == 1


# --- Conflicts ------------------------------------------------------------------------


def test_a_reply_after_another_agents_reply_asks_before_sending(app, desk, engine, commit):
    login(app, "alex")
    form = form_of(app, "reply-form")
    form["body"] = "My answer, written slowly."
    with commit() as db:  # meanwhile, Sam answers
        add_message(
            db, find_ticket(db, "1001"), author=db.get(User, desk["sam"]), body="Sam was faster."
        )

    page = form.submit(status=409)

    notice = page.html.select_one("#conflict")
    assert notice["role"] == "alert"
    assert "This ticket changed since you opened it" in notice.text
    assert "Sam was faster." in notice.select_one(".conflict-messages").text
    assert "Status: Open → Waiting on customer" in texts(page, ".conflict-changes li")
    kept = page.forms["reply-form"]
    assert kept["body"].value == "My answer, written slowly."
    assert kept["submission_token"].value == form["submission_token"].value
    assert page.html.select_one("#reply-form button[type=submit]:not([name])").text == (
        "Send anyway"
    )
    assert page.html.select_one(".message--new").text.count("Sam was faster.") == 1
    assert [m.body for m in ticket(engine).messages][-1] == "Sam was faster.", "nothing sent"

    sent = kept.submit(status=303).follow()

    assert flashes(sent) == ["Reply sent."]
    assert [m.body for m in ticket(engine).messages] == [
        "Smoke everywhere.",
        "Sam was faster.",
        "My answer, written slowly.",
    ]


def test_a_status_change_after_an_assignment_says_what_changed(app, desk, engine, commit):
    login(app, "alex")
    form = form_of(app, "properties-form")
    form["priority"] = "high"
    with commit() as db:
        sam = db.get(User, desk["sam"])
        assign(db, find_ticket(db, "1001"), sam, by=sam)

    page = form.submit(status=409)

    assert texts(page, ".conflict-changes li") == ["Assigned to: nobody → Sam Agent"]
    assert page.forms["properties-form"]["priority"].value == "high", "input kept"
    assert ticket(engine).priority == "normal"
    page.forms["properties-form"].submit(status=303)
    t = ticket(engine)
    assert (t.priority, t.assignee_id) == ("high", desk["sam"]), "nothing overwritten"


def test_a_conflict_is_not_bypassed_by_leaving_out_the_version(app, desk, engine):
    login(app, "alex")
    fields = dict(form_of(app, "reply-form").submit_fields())
    fields["body"] = "sneaky"
    del fields["version"]
    app.post("/management/tickets/1001/reply", fields, status=400)
    assert len(ticket(engine).messages) == 1


def test_every_action_checks_the_version(app, desk, engine, commit):
    login(app, "alex")
    page = app.get("/management/tickets/1001")
    with commit() as db:
        set_priority(db, find_ticket(db, "1001"), "low", by=db.get(User, desk["sam"]))
    values = {
        "reply-form": {"body": "x"},
        "note-form": {"body": "x"},
        "properties-form": {"status": "closed"},
        "assign-form": {"assignee": str(desk["alex"])},
        "transfer-form": {"department": str(desk["billing"])},
        "merge-form": {"target": "1003"},
    }
    for form_id, fields in values.items():
        form = page.forms[form_id]
        for name, value in fields.items():
            form[name] = value
        answer = form.submit(status=409)
        assert "Priority: Normal → Low" in texts(answer, ".conflict-changes li"), form_id
    t = ticket(engine)
    assert (t.status, t.priority, len(t.messages), t.department_id) == (
        "open",
        "low",
        1,
        desk["sales"],
    )


# --- Status, priority, due ------------------------------------------------------------


def test_change_status_priority_and_due(app, engine, listener):
    login(app, "alex")
    form = form_of(app, "properties-form")
    form["status"], form["priority"], form["due"] = "on_hold", "urgent", "2030-05-01T09:30"
    page = form.submit(status=303).follow()
    assert flashes(page) == ["Ticket updated."]
    t = ticket(engine)
    assert (t.status, t.priority) == ("on_hold", "urgent")
    due = t.due_at if t.due_at.tzinfo else t.due_at.replace(tzinfo=dt.UTC)
    assert due == dt.datetime(2030, 5, 1, 9, 30, tzinfo=dt.UTC)
    assert ticket_events(listener) == ["ticket_status_changed"]
    # Shown through core's formatting (Babel, the viewer's zone named: UTC by default).
    shown = page.html.select_one(".ticket-meta time")
    assert shown["datetime"] == "2030-05-01T09:30:00Z"
    assert " ".join(shown.text.split()) == "May 1, 2030, 9:30 AM UTC"

    form = page.forms["properties-form"]
    assert form["due"].value == "2030-05-01T09:30"
    form["due"] = ""
    form.submit(status=303)
    assert ticket(engine).due_at is None


def test_submitting_unchanged_properties_changes_nothing(app, engine):
    login(app, "alex")
    page = form_of(app, "properties-form").submit(status=303).follow()
    assert flashes(page) == ["Nothing changed."]
    assert ticket(engine).version == 1


def test_bad_properties_are_refused_whole(app, engine, listener):
    login(app, "alex")
    form = form_of(app, "properties-form")
    form["status"] = "closed"
    form["due"] = "next tuesday-ish"
    page = form.submit(status=400)
    assert "2026-12-01 17:00" in error(page, "due").text
    assert page.forms["properties-form"]["due"].value == "next tuesday-ish"
    assert page.forms["properties-form"]["status"].value == "closed", "input kept"
    assert page.html.select_one(".ticket-meta .badge").text == "Open", "nothing applied"
    t = ticket(engine)
    assert (t.status, t.version) == ("open", 1)
    assert ticket_events(listener) == []


def test_a_forged_status_is_refused(app, engine):
    login(app, "alex")
    form = form_of(app, "properties-form")
    form["status"].force_value("deleted")
    page = form.submit(status=400)
    assert error(page, "status").text == "Choose a status."


def test_parse_due():
    assert parse_due("") is None
    assert parse_due("2030-01-02 03:04") == dt.datetime(2030, 1, 2, 3, 4, tzinfo=dt.UTC)
    assert parse_due("2030-01-02") == dt.datetime(2030, 1, 2, 23, 59, tzinfo=dt.UTC)
    with pytest.raises(ValueError):
        parse_due("2030-13-40")


# --- Assign ---------------------------------------------------------------------------


def test_assign_offers_active_agents_of_the_department_and_administrators(app):
    login(app, "alex")
    options = texts(app.get("/management/tickets/1001"), "#assignee option")
    assert options == [
        "Nobody (unassigned)",
        "Ada Admin",
        "Alex Agent (me)",
        "Sam Agent",
    ]
    login(app, "bea")
    options = texts(app.get("/management/tickets/1002"), "#assignee option")
    assert options == ["Nobody (unassigned)", "Ada Admin", "Bea Agent (me)", "Sam Agent"]


def test_assign_and_unassign(app, desk, engine, listener):
    login(app, "alex")
    form = form_of(app, "assign-form")
    form["assignee"] = str(desk["sam"])
    page = form.submit(status=303).follow()
    assert flashes(page) == ["Assigned to Sam Agent."]
    assert ticket(engine).assignee_id == desk["sam"]
    form = page.forms["assign-form"]
    assert form["assignee"].value == str(desk["sam"])
    form["assignee"] = ""
    assert flashes(form.submit(status=303).follow()) == ["Unassigned."]
    assert ticket(engine).assignee_id is None
    assert ticket_events(listener) == ["ticket_assigned", "ticket_assigned"]


@pytest.mark.parametrize("who", ["bea", "ivan", "casey", "nobody"])
def test_assigning_someone_outside_the_department_is_refused(app, desk, engine, who):
    login(app, "alex")
    form = form_of(app, "assign-form")
    form["assignee"].force_value(str(desk.get(who, 999999)))
    page = form.submit(status=400)
    assert error(page, "assignee").text == "Choose an agent of the ticket's department."
    assert ticket(engine).assignee_id is None


# --- Transfer -------------------------------------------------------------------------


def test_transfer_to_a_department_i_do_not_work_in_leaves_my_queue(app, desk, engine, commit):
    with commit() as db:
        alex = db.get(User, desk["alex"])
        assign(db, find_ticket(db, "1001"), alex, by=alex)
    login(app, "alex")
    form = form_of(app, "transfer-form")
    assert texts(app.get("/management/tickets/1001"), "#transfer-department option") == [
        "Choose…",
        "Billing",
    ]
    form["department"] = str(desk["billing"])
    done = form.submit(status=303)
    assert done.location == "http://localhost/management/tickets/"
    assert "moved to Billing" in flashes(done.follow())[0]
    t = ticket(engine)
    assert (t.department_id, t.assignee_id) == (desk["billing"], None)
    app.get("/management/tickets/1001", status=404)


def test_transfer_within_my_departments_stays_on_the_ticket(app, desk, engine):
    login(app, "ada")
    form = form_of(app, "transfer-form")
    form["department"] = str(desk["billing"])
    page = form.submit(status=303).follow()
    assert flashes(page) == ["Moved to Billing."]


def test_transfer_needs_a_real_other_department(app, desk, engine):
    login(app, "alex")
    form = form_of(app, "transfer-form")
    page = form.submit(status=400)
    assert error(page, "transfer-department").text == "Choose another active department."
    form["department"].force_value("424242")
    assert error(form.submit(status=400), "transfer-department").text == (
        "Choose an active department."
    )


# --- Merge ----------------------------------------------------------------------------


def merge_dialog(app, target, number="1001"):
    """Send the merge form: the answer is the dialog naming the target, nothing merged."""
    form = form_of(app, "merge-form", number)
    form["target"] = target
    return form.submit(status=200)


def dialog(page):
    found = page.html.select_one("#merge-dialog")
    return " ".join(found.get_text(" ").split()) if found else None


def test_merge_shows_the_target_then_moves_the_conversation(app, engine, commit, desk):
    with commit() as db:
        create_ticket(
            db,
            requester=db.get(User, desk["casey"]),
            subject="Printer still smoking",
            body="Again.",
            department_id=desk["sales"],
        )
    login(app, "alex")
    page = merge_dialog(app, "#1004")
    assert "Merge this ticket into #1004?" in dialog(page)
    assert "Subject Printer still smoking" in dialog(page)
    assert "Requester Casey Customer" in dialog(page)
    assert page.html.select_one("#merge-dialog-warning") is None
    assert ticket(engine).merged_into_id is None, "the dialog merges nothing"

    done = page.forms["merge-confirm-form"].submit(status=303)
    assert done.location == "http://localhost/management/tickets/1004"
    page = done.follow()
    assert flashes(page) == ["Merged #1001 into this ticket."]
    assert "Smoke everywhere." in page.text
    source, target = ticket(engine, "1001"), ticket(engine, "1004")
    assert (source.status, source.merged_into_id) == ("closed", target.id)
    merged = app.get("/management/tickets/1001")
    assert merged.html.select_one(".ticket-header .banner a")["href"] == "/management/tickets/1004"
    assert "merge-form" not in merged.forms


def test_merging_across_customers_needs_a_confirmation_naming_both_and_leaks_nothing(
    app, engine, commit, desk
):
    with commit() as db:
        message = add_message(
            db,
            find_ticket(db, "1001"),
            author=db.get(User, desk["casey"]),
            body="My card number is in the photo.",
            uploads=[Upload(filename="card.png", data=PNG)],
        )
        attachment_id = message.attachments[0].id
    login(app, "alex")
    page = merge_dialog(app, "1003")
    warning = " ".join(page.html.select_one("#merge-dialog-warning").get_text(" ").split())
    assert "this ticket was asked by Casey Customer, #1003 by Jordan Customer" in warning
    assert "Requester Jordan Customer" in dialog(page)

    # A forged or stale confirmation only brings the dialog back.
    for confirm in ("", "yes", "1003:1:1", f"1003:{desk['casey']}:{desk['casey']}"):
        fields = dict(page.forms["merge-confirm-form"].submit_fields())
        again = app.post("/management/tickets/1001/merge", {**fields, "confirm": confirm})
        assert again.status_int == 200 and dialog(again) is not None
    assert ticket(engine).merged_into_id is None

    page.forms["merge-confirm-form"].submit(status=303)
    source, target = ticket(engine, "1001"), ticket(engine, "1003")
    assert (source.status, source.merged_into_id) == ("closed", target.id)
    assert [m.kind for m in target.messages] == ["customer", "note"]
    assert "visible to that requester only" in target.messages[-1].body

    # Jordan, the target's customer, reads neither casey's messages nor the photo.
    login(app, "jordan", prefix="")
    page = app.get("/tickets/1003")
    assert "Smoke everywhere." not in page.text and "card number" not in page.text
    assert "card.png" not in page.text
    app.get(f"/tickets/1003/attachments/{attachment_id}", status=404)
    app.get("/tickets/1001", status=404)
    # Casey still reads her own conversation where it was.
    login(app, "casey", prefix="")
    page = app.get("/tickets/1001")
    assert "My card number is in the photo." in page.text
    assert "another ticket and is closed" in page.text
    assert app.get(f"/tickets/1001/attachments/{attachment_id}").body == PNG


@pytest.mark.parametrize("target", ["1002", "9999"])
def test_merging_into_an_unseen_ticket_looks_like_no_ticket(app, engine, target):
    login(app, "alex")
    form = form_of(app, "merge-form")
    form["target"] = target
    page = form.submit(status=400)
    assert error(page, "merge-target").text == f"There is no ticket #{target}."
    assert ticket(engine).merged_into_id is None


def test_merging_needs_the_status_permission_on_the_target_too(app, engine):
    login(app, "sam")  # may change Sales tickets, only view Billing ones
    form = form_of(app, "merge-form")
    form["target"] = "1002"
    page = form.submit(status=400)
    assert error(page, "merge-target").text == "You may not change ticket #1002."
    assert len(ticket(engine, "1002").messages) == 1


def test_a_merged_away_ticket_is_refused_before_the_dialog(app, engine, commit, desk):
    with commit() as db:
        gone = create_ticket(
            db,
            requester=db.get(User, desk["casey"]),
            subject="Duplicate",
            body="Same fire.",
            department_id=desk["sales"],
        )
        merge(db, gone, find_ticket(db, "1001"), by=db.get(User, desk["alex"]))
    login(app, "alex")
    form = form_of(app, "merge-form", "1003")
    form["target"] = "1004"
    page = form.submit(status=400)
    assert error(page, "merge-target").text == (
        "#1004 was itself merged; pick the ticket it went into."
    )
    assert page.html.select_one("#merge-dialog") is None


def test_a_ticket_cannot_be_merged_into_itself(app, engine):
    login(app, "alex")
    form = form_of(app, "merge-form")
    form["target"] = "1001"
    page = form.submit(status=400)
    assert error(page, "merge-target").text == "A ticket cannot be merged into itself."


# --- Canned replies in the reply box --------------------------------------------------


@pytest.fixture
def canned(commit, desk):
    with commit() as db:
        rows = [
            CannedReply(owner_id=desk["alex"], title="Thanks", body="Thank you for writing."),
            CannedReply(owner_id=None, title="Hours", body="We answer 9 to 5."),
            CannedReply(owner_id=desk["sam"], title="Sam's", body="Sam's secret phrasing."),
        ]
        db.add_all(rows)
        db.flush()
        return {r.title: r.id for r in rows}


def test_the_reply_box_offers_my_and_shared_canned_replies(app, canned):
    login(app, "alex")
    page = app.get("/management/tickets/1001")
    groups = {
        g["label"]: [o.text for o in g.select("option")]
        for g in page.html.select("#reply-canned optgroup")
    }
    assert groups == {"Mine": ["Thanks"], "Shared": ["Hours"]}
    option = page.html.select_one(f'#reply-canned option[value="{canned["Hours"]}"]')
    assert option["data-body"] == "We answer 9 to 5."
    assert page.html.select_one("script[src$='workspace.js']") is not None
    assert not [s for s in page.html.select("script") if s.string], "no inline script"


def test_insert_without_javascript_puts_the_text_in_the_reply_box(app, canned, engine):
    login(app, "alex")
    form = form_of(app, "reply-form")
    form["body"] = "Hello Casey,"
    form["canned"] = str(canned["Thanks"])
    page = form.submit("action", value="insert_canned", status=200)
    kept = page.forms["reply-form"]
    assert kept["body"].value == "Hello Casey,\n\nThank you for writing."
    assert kept["submission_token"].value == form["submission_token"].value
    assert len(ticket(engine).messages) == 1, "nothing sent"
    assert flashes(kept.submit(status=303).follow()) == ["Reply sent."]


def test_another_agents_canned_reply_cannot_be_inserted(app, canned):
    login(app, "alex")
    form = form_of(app, "reply-form")
    form["canned"].force_value(str(canned["Sam's"]))
    page = form.submit("action", value="insert_canned", status=400)
    assert error(page, "reply-canned").text == "Choose a canned reply to insert."
    assert "secret phrasing" not in page.text


def test_without_canned_replies_the_box_links_to_setting_them_up(app):
    login(app, "alex")
    page = app.get("/management/tickets/1001")
    assert page.html.select_one("#reply-canned") is None
    assert page.html.find("a", string="Set up canned replies")["href"] == "/management/canned/"


def test_closed_tickets_can_be_reopened_by_status(app, desk, engine, commit):
    with commit() as db:
        change_status(db, find_ticket(db, "1001"), "closed", by=db.get(User, desk["alex"]))
    login(app, "alex")
    form = form_of(app, "properties-form")
    form["status"] = "open"
    form.submit(status=303)
    assert ticket(engine).status == "open"


# --- A form that comes back -----------------------------------------------------------


def _refuse(form, field):
    """Fill ``form`` so that it is refused for its ``field``."""
    bad = {"body": "   ", "due": "next Tuesday", "department": "", "target": "9999"}
    form[field] = bad[field]


@pytest.mark.parametrize(
    ("form_id", "field", "field_id"),
    [
        ("reply-form", "body", "reply-body"),
        ("note-form", "body", "note-body"),
        ("properties-form", "due", "due"),
        ("transfer-form", "department", "transfer-department"),
        ("merge-form", "target", "merge-target"),
    ],
)
def test_a_refused_form_opens_at_its_first_invalid_field(app, form_id, field, field_id):
    """The forms sit far down the page: the answer puts the focus (and so the view) on
    the field, and sums the errors up at the top with a link to it."""
    login(app, "alex")
    form = form_of(app, form_id)
    _refuse(form, field)
    page = form.submit(status=400)
    focused = page.html.select("[autofocus]")
    assert [element["id"] for element in focused] == [field_id]
    summary = page.html.select_one(".error-summary[role=alert]")
    assert summary.find_previous(id="conversation-title") is None, "summary at the top"
    link = summary.select_one("a")
    assert link["href"] == f"#{field_id}"
    assert link.text == error(page, field_id).text


def test_a_page_without_errors_opens_focused_nowhere(app):
    login(app, "alex")
    page = app.get("/management/tickets/1001")
    assert page.html.select("[autofocus]") == []
    assert page.html.select_one(".error-summary") is None


@pytest.mark.parametrize("action", ["reply", "note", "properties", "assign", "transfer", "merge"])
def test_reloading_the_address_of_a_refused_form_shows_the_ticket(app, action):
    """After a refused POST the address bar shows the form's action URL; opening it
    again is a GET, which leads back to the form instead of a 404."""
    login(app, "alex")
    back = app.get(f"/management/tickets/1001/{action}", status=303)
    assert back.location == f"http://localhost/management/tickets/1001#{action}-form"
    assert f"{action}-form" in back.follow().forms
    app.get("/management/tickets/1002/reply", status=404)  # not one of alex's tickets
