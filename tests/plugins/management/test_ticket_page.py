"""The ticket page: what it shows, and who may see and act on it (department by
department), CSRF on every form, attachments."""

from __future__ import annotations

import pytest
from markupsafe import Markup
from sqlalchemy.orm import Session

from frontdesk import PluginInfo, Slot, hookimpl
from frontdesk.db.tickets import Attachment
from frontdesk.db.users import User
from frontdesk.tickets import add_message, find_ticket
from frontdesk.tickets.attachments import Upload as FileUpload
from tests.plugins.management.workspace_support import PLUGINS, build_desk, login, texts

ACTIONS = ("reply", "note", "properties", "assign", "transfer", "merge")
FORMS = [f"{action}-form" for action in ACTIONS]


@pytest.fixture
def desk(commit):
    return build_desk(commit)


@pytest.fixture
def app(make_webapp, desk):
    return make_webapp(PLUGINS)


def csrf(page):
    return page.html.select_one('input[name="csrf_token"]')["value"]


def forged(page, action, desk):
    """A complete, well-formed POST for ``action`` (with the CSRF token)."""
    version = page.html.select_one('input[name="version"]')
    return {
        "csrf_token": csrf(page),
        "version": version["value"] if version else "1",
        "loaded_at": "",
        "body": "forged",
        "submission_token": "t",
        "status": "closed",
        "priority": "urgent",
        "due": "",
        "assignee": str(desk["sam"]),
        "department": str(desk["sales"]),
        "target": "1003",
    }


def test_the_page_shows_the_header_and_the_conversation(app, desk, commit):
    with commit() as db:
        ticket, alex = find_ticket(db, "1001"), db.get(User, desk["alex"])
        add_message(db, ticket, author=alex, body="We are **on it**.")
        add_message(db, ticket, author=alex, body="Fire brigade called.", note=True)
    login(app, "alex")
    page = app.get("/management/tickets/1001")
    assert texts(page, "h1") == ["#1001 Printer on fire"]
    meta = dict(zip(texts(page, ".ticket-meta dt"), texts(page, ".ticket-meta dd"), strict=True))
    assert meta["Requester"] == "Casey Customer"
    assert meta["Department"] == "Sales"
    assert meta["Status"] == "Waiting on customer"
    assert meta["Priority"] == "Normal"
    assert meta["Assignee"] == "Unassigned"
    assert meta["Due"] == "No due time"
    messages = page.html.select(".message")
    assert [m["class"][1] for m in messages] == [
        "message--customer",
        "message--agent",
        "message--note",
    ]
    assert messages[1].select_one(".message__body strong").text == "on it"


def test_the_page_reads_each_message_as_stored_html(app, desk, commit, monkeypatch):
    # Ten long replies used to be rendered again on every view of the agent's page.
    with commit() as db:
        ticket, alex = find_ticket(db, "1001"), db.get(User, desk["alex"])
        for n in range(10):
            add_message(db, ticket, author=alex, body=f"Reply **{n}**\n\n" + "[x " * 9000)

    def no_rendering(source):
        raise AssertionError("the page rendered Markdown")

    monkeypatch.setattr("frontdesk.db.text.markdown_tokens", no_rendering)
    login(app, "alex")
    page = app.get("/management/tickets/1001")
    assert [s.text for s in page.html.select(".message__body strong")] == [
        str(n) for n in range(10)
    ]


def test_internal_notes_are_labelled_and_styled_apart(app, desk, commit):
    with commit() as db:
        add_message(
            db,
            find_ticket(db, "1001"),
            author=db.get(User, desk["alex"]),
            body="Customer is a VIP.",
            note=True,
        )
    login(app, "alex")
    note = app.get("/management/tickets/1001").html.select_one(".message--note")
    assert note.select_one(".message__label").text == "Internal note"
    assert "Customer is a VIP." in note.text


def test_message_bodies_are_sanitised(app, desk, commit):
    with commit() as db:
        add_message(
            db,
            find_ticket(db, "1001"),
            author=db.get(User, desk["casey"]),
            body="<script>alert(1)</script> [x](javascript:alert(1))",
        )
    login(app, "alex")
    page = app.get("/management/tickets/1001")
    assert not page.html.select(".message__body script")
    assert not page.html.select('.message a[href^="javascript"]')


def test_agents_see_every_form_in_their_department(app, desk):
    login(app, "alex")
    page = app.get("/management/tickets/1001")
    assert set(FORMS) <= set(page.forms)
    for form_id in FORMS:
        fields = page.forms[form_id].fields
        assert {"csrf_token", "version", "loaded_at"} <= set(fields), form_id
    assert page.forms["reply-form"]["submission_token"].value


def test_a_ticket_of_another_department_is_not_found(app, desk):
    login(app, "alex")
    assert app.get("/management/tickets/1002", status=404)
    assert app.get("/management/tickets/9999", status=404)
    page = app.get("/management/tickets/1001")
    for action in ACTIONS:
        app.post(f"/management/tickets/1002/{action}", forged(page, action, desk), status=404)


def test_administrators_see_and_act_everywhere(app, desk):
    login(app, "ada")
    page = app.get("/management/tickets/1002")
    assert set(FORMS) <= set(page.forms)


def test_view_only_agents_see_the_ticket_but_no_forms(app, desk):
    login(app, "sam")
    page = app.get("/management/tickets/1002")
    assert texts(page, "h1") == ["#1002 Invoice missing"]
    assert not set(FORMS) & set(page.forms)
    assert "You may read this ticket but not change it." in page.text
    assert set(FORMS) <= set(app.get("/management/tickets/1001").forms), "Sales: full rights"


@pytest.mark.parametrize("action", ACTIONS)
def test_forged_actions_without_the_permission_are_forbidden(app, desk, engine, action):
    login(app, "sam")
    page = app.get("/management/tickets/1002")
    app.post(f"/management/tickets/1002/{action}", forged(page, action, desk), status=403)
    with Session(engine) as db:
        ticket = find_ticket(db, "1002")
        assert [m.body for m in ticket.messages] == ["Where is my invoice?"]
        assert (ticket.status, ticket.priority, ticket.assignee_id) == ("open", "normal", None)
        assert ticket.version == 1


@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_needs_the_csrf_token(app, desk, engine, action):
    login(app, "alex")
    page = app.get("/management/tickets/1001")
    data = forged(page, action, desk)
    del data["csrf_token"]
    refused = app.post(f"/management/tickets/1001/{action}", data, status=400)
    assert "Form expired" in refused.text
    data["csrf_token"] = "not-the-token"
    app.post(f"/management/tickets/1001/{action}", data, status=400)
    with Session(engine) as db:
        assert find_ticket(db, "1001").version == 1


def test_side_panel_slot_gets_the_ticket(make_webapp, desk):
    class Crm:
        PLUGIN = PluginInfo(name="crm", title="CRM")

        @hookimpl
        def frontdesk_ui_slot(self, request, slot, context):
            if slot == Slot.MANAGEMENT_TICKET_SIDE_PANEL:
                return Markup('<section id="crm">Customer since 2019 (#{})</section>').format(
                    context.number
                )
            return None

    app = make_webapp([*PLUGINS, Crm()])
    login(app, "alex")
    page = app.get("/management/tickets/1001")
    assert page.html.select_one(".ticket-side #crm").text == "Customer since 2019 (#1001)"


def test_reply_with_attachment_and_download_it(app, desk, engine):
    login(app, "alex")
    form = app.get("/management/tickets/1001").forms["reply-form"]
    form["body"] = "The log you asked for."
    page = form.submit(upload_files=[("attachments", "boot.log", b"all good\n")], status=303)
    page = page.follow()
    link = page.html.find("a", string="boot.log")
    download = app.get(link["href"])
    assert download.body == b"all good\n"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment;")


def test_attachments_are_served_only_through_their_own_ticket(app, desk, commit, engine):
    with commit() as db:
        message = add_message(
            db,
            find_ticket(db, "1002"),
            author=db.get(User, desk["casey"]),
            body="Here",
            uploads=[FileUpload(filename="invoice.pdf", data=b"%PDF-1.4")],
        )
        attachment_id = message.attachments[0].id
    login(app, "alex")
    app.get(f"/management/tickets/1001/attachments/{attachment_id}", status=404)
    app.get(f"/management/tickets/1002/attachments/{attachment_id}", status=404)
    app.get("/management/tickets/1001/attachments/notanumber", status=404)
    login(app, "bea")
    assert app.get(f"/management/tickets/1002/attachments/{attachment_id}").body == b"%PDF-1.4"
    with Session(engine) as db:
        assert db.get(Attachment, attachment_id).filename == "invoice.pdf"


def test_html_attachments_never_render(app, desk, commit):
    with commit() as db:
        message = add_message(
            db,
            find_ticket(db, "1001"),
            author=db.get(User, desk["casey"]),
            body="See",
            uploads=[FileUpload(filename="notes.txt", data=b"<script>x</script>")],
        )
        attachment_id = message.attachments[0].id
    login(app, "alex")
    download = app.get(f"/management/tickets/1001/attachments/{attachment_id}")
    assert download.content_type == "text/plain"
    assert "sandbox" in download.headers["Content-Security-Policy"]
