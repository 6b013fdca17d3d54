"""One ticket in the portal: conversation without internal notes, reply, close/reopen,
downloads, and every other customer's ticket answering 404."""

from __future__ import annotations

import pytest
from markupsafe import Markup
from sqlalchemy import select, update
from webtest import TestApp

from frontdesk import PluginInfo, Slot, hookimpl
from frontdesk.db.tickets import Attachment, TicketMessage
from frontdesk.tickets import find_ticket, merge
from tests.plugins.portal.conftest import (
    add_reply,
    attachment_id,
    counts,
    csrf,
    login,
    make_ticket,
    no_live_script,
)
from tests.sample_plugins.recorder import EventLog


@pytest.fixture
def ticket(commit) -> str:
    """Casey's ticket: her message with a file, Alex's answer, and an internal note."""
    number = make_ticket(
        commit, "casey", subject="Printer on fire", body="It **smokes**.", files={"log.txt": b"42"}
    )
    add_reply(commit, number, "alex", "Unplug it, please.", files={"steps.pdf": b"%PDF-1.4"})
    add_reply(
        commit, number, "alex", "Internal: customer sounds angry", note=True,
        files={"internal.txt": b"secret notes"},
    )  # fmt: skip
    return number


def status_of(commit, number):
    with commit() as db:
        return find_ticket(db, number).status


def message_count(commit, number):
    with commit() as db:
        return len(find_ticket(db, number).messages)


def test_the_ticket_page(app, ticket):
    login(app, "casey")
    page = app.get(f"/tickets/{ticket}")
    assert page.html.select_one(".ticket-number").text == f"#{ticket}"
    assert page.html.select_one(".ticket-subject").text == "Printer on fire"
    details = [
        " ".join(x.get_text(" ", strip=True).split()) for x in page.html.select(".details dd")
    ]
    assert details[:2] == ["Waiting on customer", "Support"]
    messages = page.html.select(".conversation > li")
    assert [m.select_one(".message__author").text for m in messages] == ["You", "Alex Agent"]
    assert messages[0].select_one(".message__body strong").text == "smokes"
    assert messages[1].select_one(".badge").text == "Support team"
    assert [a.text for a in page.html.select(".attachments a")] == ["log.txt", "steps.pdf"]
    assert page.html.select_one("#reply-form")["enctype"] == "multipart/form-data"
    assert page.html.select_one("#status-form button").text == "Close ticket"


def test_internal_notes_are_never_shown_to_the_customer(app, ticket, commit):
    login(app, "casey")
    page = app.get(f"/tickets/{ticket}")
    assert "customer sounds angry" not in page.text
    assert "internal.txt" not in page.text
    assert len(page.html.select(".conversation > li")) == 2
    # Nor its attachment, even by guessing the URL.
    app.get(f"/tickets/{ticket}/attachments/{attachment_id(commit, 'internal.txt')}", status=404)


def test_notes_stay_hidden_in_the_portal_for_staff_too(app, ticket):
    login(app, "alex")
    assert "customer sounds angry" not in app.get(f"/tickets/{ticket}").text


def test_downloads_are_attachments_that_never_render(app, ticket, commit):
    login(app, "casey")
    page = app.get(f"/tickets/{ticket}")
    download = page.click("log.txt")
    assert download.body == b"42"
    assert download.headers["Content-Disposition"].startswith('attachment; filename="log.txt"')
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.content_type == "text/plain"
    pdf = app.get(f"/tickets/{ticket}/attachments/{attachment_id(commit, 'steps.pdf')}")
    assert pdf.content_type == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("bad", ["abc", "0", "-1", "99999", "99999999999999999999"])
def test_made_up_attachment_ids_are_404(app, ticket, bad):
    login(app, "casey")
    app.get(f"/tickets/{ticket}/attachments/{bad}", status=404)


def test_an_attachment_is_only_served_under_its_own_ticket(app, ticket, commit):
    other = make_ticket(commit, "casey", subject="Other", files={"other.txt": b"other"})
    login(app, "casey")
    app.get(f"/tickets/{ticket}/attachments/{attachment_id(commit, 'other.txt')}", status=404)
    assert app.get(f"/tickets/{other}/attachments/{attachment_id(commit, 'other.txt')}").body


def test_markdown_is_sanitised(app, commit):
    number = make_ticket(
        commit,
        "casey",
        body="<script>alert(1)</script>\n\n[x](javascript:alert(2))\n\n<iframe src=//evil>",
    )
    login(app, "casey")
    page = app.get(f"/tickets/{number}")
    body = page.html.select_one(".message__body")
    assert no_live_script(page)
    assert body.find("iframe") is None
    assert "<script>alert(1)</script>" in body.text
    assert "javascript:" not in str(body.find("a") or "")


def test_the_page_shows_the_html_stored_with_each_message(app, commit, ticket, monkeypatch):
    # Markdown is rendered when a message is stored, never when the page is viewed.
    with commit() as db:
        first = find_ticket(db, ticket).messages[0]
        assert first.body_html == "<p>It <strong>smokes</strong>.</p>\n"
        first.body_html = "<p>Stored <em>once</em></p>"

    def no_rendering(source):
        raise AssertionError("the page rendered Markdown")

    monkeypatch.setattr("frontdesk.db.text.markdown_tokens", no_rendering)
    login(app, "casey")
    body = app.get(f"/tickets/{ticket}").html.select_one(".message__body")
    assert body.select_one("em").text == "once" and "smokes" not in body.text


def test_invisible_characters_are_removed_from_file_names(app, commit):
    # "inv<RLO>gpj.txt" would show as "invtxt.jpg".
    number = make_ticket(
        commit, "casey", files={"inv\u202egpj.txt": b"text", "a\u200bb\u2066c.pdf": b"%PDF-1"}
    )
    login(app, "casey")
    page = app.get(f"/tickets/{number}")
    assert [a.text for a in page.html.select(".attachments a")] == ["invgpj.txt", "abc.pdf"]
    download = page.click("invgpj.txt")
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=\"invgpj.txt\"; filename*=UTF-8''invgpj.txt"
    )


def test_a_file_is_served_by_what_it_contains_not_its_name(app, commit):
    html = b"<html><script>alert(document.cookie)</script></html>"
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    number = make_ticket(commit, "casey", files={"photo.png": html, "real.png": png})
    login(app, "casey")
    page = app.get(f"/tickets/{number}")
    fake = page.click("photo.png")
    assert fake.content_type == "application/octet-stream"
    assert fake.headers["Content-Disposition"].startswith("attachment;")
    assert page.click("real.png").content_type == "image/png"
    # A file stored before the check is served by its content as well.
    with commit() as db:
        db.execute(update(Attachment).values(content_type="image/png"))
    assert page.click("photo.png").content_type == "application/octet-stream"


# --- Other people's tickets -----------------------------------------------------------


@pytest.fixture
def jordans(commit) -> str:
    return make_ticket(
        commit, "jordan", subject="Jordan's secret", body="secret body", files={"j.txt": b"j"}
    )


def test_another_customers_ticket_is_404_everywhere(app, commit, jordans):
    login(app, "casey")
    token = csrf(app)
    before = counts(commit)
    file_id = attachment_id(commit, "j.txt")

    app.get(f"/tickets/{jordans}", status=404)
    app.post(f"/tickets/{jordans}/reply", {"csrf_token": token, "body": "mine now"}, status=404)
    app.post(f"/tickets/{jordans}/status", {"csrf_token": token, "status": "closed"}, status=404)
    app.get(f"/tickets/{jordans}/attachments/{file_id}", status=404)
    assert counts(commit) == before
    assert status_of(commit, jordans) == "open"

    with commit() as db:
        find_ticket(db, jordans).status = "closed"
    app.post(f"/tickets/{jordans}/status", {"csrf_token": token, "status": "open"}, status=404)
    assert status_of(commit, jordans) == "closed"


def test_another_customers_ticket_looks_like_one_that_does_not_exist(app, jordans):
    login(app, "casey")
    theirs = app.get(f"/tickets/{jordans}", status=404)
    missing = app.get("/tickets/987654", status=404)
    assert theirs.html.select_one("main").text == missing.html.select_one("main").text
    assert "Jordan" not in theirs.text


def test_an_attachment_of_another_ticket_is_404_under_ones_own(app, commit, ticket, jordans):
    login(app, "casey")
    app.get(f"/tickets/{ticket}/attachments/{attachment_id(commit, 'j.txt')}", status=404)


def test_visitors_who_are_not_logged_in_are_sent_to_log_in(app, ticket):
    assert app.get(f"/tickets/{ticket}", status=303).location.startswith("http://localhost/login")
    assert app.get(f"/tickets/{ticket}/attachments/1", status=303)


def test_an_agent_of_another_department_cannot_open_it(make_webapp, desk, commit, ticket):
    from frontdesk.identity.accounts import create_user

    with commit() as db:
        create_user(
            db, username="sam", role="agent", password="sam-password-1", departments=["Billing"]
        )
    app = make_webapp(["portal"])
    form = app.get("/login").forms["login-form"]
    form["username"], form["password"] = "sam", "sam-password-1"
    form.submit(status=303)
    app.get(f"/tickets/{ticket}", status=404)


# --- Replying ---------------------------------------------------------------------------


def reply_form(app, number, body="Thanks, it worked."):
    form = app.get(f"/tickets/{number}").forms["reply-form"]
    form["body"] = body
    return form


def test_reply(app, commit, ticket):
    login(app, "casey")
    done = reply_form(app, ticket).submit(status=303)
    with commit() as db:
        newest = db.scalar(select(TicketMessage).order_by(TicketMessage.id.desc()).limit(1))
        assert newest.kind == "customer" and newest.body == "Thanks, it worked."
    assert done.location == f"http://localhost/tickets/{ticket}#message-{newest.id}"
    page = done.follow()
    assert "Your reply was sent." in page.html.select_one(".flash--success").text
    assert page.html.select_one(f"#message-{newest.id} .message__body").text.strip() == (
        "Thanks, it worked."
    )
    assert status_of(commit, ticket) == "open", "a customer's reply reopens the ticket"


def test_reply_with_an_attachment(app, commit, ticket):
    login(app, "casey")
    form = reply_form(app, ticket)
    form["attachments"] = [("screenshot.png", b"\x89PNG...")]
    page = form.submit(status=303).follow()
    assert "screenshot.png" in [a.text for a in page.html.select(".attachments a")]


def test_an_empty_reply_is_refused_beside_the_field(app, commit, ticket):
    login(app, "casey")
    before = counts(commit)
    page = reply_form(app, ticket, body="   ").submit(status=400)
    assert page.html.select_one("#body-error").text == "Write a message."
    assert page.html.select_one("#body")["aria-describedby"] == "body-hint body-error"
    assert len(page.html.select(".conversation > li")) == 2, "the page is shown whole"
    assert counts(commit) == before
    # The form sits below the conversation: the page opens focused on the field, with
    # the error summed up at the top and linked to it.
    assert [element["id"] for element in page.html.select("[autofocus]")] == ["body"]
    summary = page.html.select_one(".error-summary[role=alert]")
    assert summary.find_previous(class_="conversation") is None
    assert summary.select_one("a")["href"] == "#body"
    assert summary.select_one("a").text == "Write a message."
    assert app.get(f"/tickets/{ticket}").html.select("[autofocus]") == [], "not on a fresh page"


@pytest.mark.parametrize("action", ["reply", "status"])
def test_reloading_the_address_of_a_refused_form_shows_the_ticket(app, ticket, action):
    login(app, "casey")
    back = app.get(f"/tickets/{ticket}/{action}", status=303)
    assert back.location == f"http://localhost/tickets/{ticket}#{action}-form"
    assert f"{action}-form" in back.follow().forms


def test_a_refused_upload_keeps_the_text(make_webapp, desk, commit, ticket):
    app = make_webapp(["portal"], **{"frontdesk.attachments.max_size": "1000"})
    login(app, "casey")
    before = counts(commit)
    form = reply_form(app, ticket, body="See the attached page")
    form["attachments"] = [("page.html", b"<script>alert(1)</script>")]
    page = form.submit(status=400)
    assert page.html.select_one("#attachments-error").text.startswith(
        "page.html: files of this type cannot be attached"
    )
    assert page.html.select_one("#body").text == "See the attached page"
    assert page.html.select_one("#attachments-again") is not None
    form = page.forms["reply-form"]
    form["attachments"] = [("big.txt", b"x" * 1001)]
    page = form.submit(status=400)
    assert page.html.select_one("#attachments-error").text == (
        "big.txt is 1001 bytes; the limit is 1000 bytes."
    )
    assert counts(commit) == before


def test_a_customer_over_the_attachment_quota_is_told_beside_the_field(
    make_webapp, desk, commit, ticket
):
    app = make_webapp(["portal"], **{"frontdesk.attachments.user_quota": "1000"})
    login(app, "casey")  # she has stored 2 bytes (log.txt)
    form = reply_form(app, ticket, body="Here are the logs")
    form["attachments"] = [("one.txt", b"x" * 600)]
    form.submit(status=303)
    before = counts(commit)

    form = reply_form(app, ticket, body="And more logs")
    form["attachments"] = [("two.txt", b"x" * 600)]
    page = form.submit(status=400)
    assert page.html.select_one("#attachments-error").text == (
        "These files (600 bytes) would take you over your storage quota of 1000 bytes "
        "for attachments (398 bytes left)."
    )
    assert page.html.select_one("#body").text == "And more logs"
    assert counts(commit) == before


def test_a_double_submitted_reply_is_added_once(app, commit, ticket):
    login(app, "casey")
    form = reply_form(app, ticket)
    first = form.submit(status=303).location
    second = form.submit(status=303).location
    assert first == second
    assert message_count(commit, ticket) == 4  # 3 before (one a note) + 1


def test_reply_needs_the_csrf_token(app, commit, ticket):
    login(app, "casey")
    app.post(f"/tickets/{ticket}/reply", {"body": "no token"}, status=400)
    assert message_count(commit, ticket) == 3


def test_replying_to_a_closed_ticket_reopens_it(app, commit, ticket):
    with commit() as db:
        find_ticket(db, ticket).status = "closed"
    login(app, "casey")
    page = app.get(f"/tickets/{ticket}")
    assert "Replying reopens the ticket." in page.html.select_one("#body-hint").text
    reply_form(app, ticket).submit(status=303)
    assert status_of(commit, ticket) == "open"


# --- Close and reopen -----------------------------------------------------------------


def test_close_and_reopen(app, commit, ticket):
    login(app, "casey")
    page = app.get(f"/tickets/{ticket}").forms["status-form"].submit(status=303).follow()
    assert f"Ticket #{ticket} was closed." in page.text
    assert status_of(commit, ticket) == "closed"
    assert page.html.select_one(".ticket-header .badge").text == "Closed"
    assert page.html.select_one("#status-form button").text == "Reopen ticket"

    page = page.forms["status-form"].submit(status=303).follow()
    assert f"Ticket #{ticket} was reopened." in page.text
    assert status_of(commit, ticket) == "open"


@pytest.mark.parametrize("status", ["on_hold", "waiting", "deleted", ""])
def test_customers_only_close_and_reopen(app, commit, ticket, status):
    login(app, "casey")
    page = app.post(
        f"/tickets/{ticket}/status", {"csrf_token": csrf(app), "status": status}, status=303
    ).follow()
    assert "can only be closed or reopened" in page.html.select_one(".flash--error").text
    assert status_of(commit, ticket) == "waiting"


def test_status_needs_the_token(app, commit, ticket):
    login(app, "casey")
    app.post(f"/tickets/{ticket}/status", {"status": "closed"}, status=400)
    assert status_of(commit, ticket) == "waiting"


def test_events_for_reply_and_status(make_webapp, desk, commit, ticket):
    log = EventLog()
    app = make_webapp(["portal", log])
    login(app, "casey")
    reply_form(app, ticket).submit(status=303)
    app.get(f"/tickets/{ticket}").forms["status-form"].submit(status=303)
    seen = [(name, getattr(e, "new_status", None)) for name, e in log.seen]
    assert seen == [
        ("user_logged_in", None),
        ("ticket_status_changed", "open"),  # a customer's reply reopens
        ("ticket_replied", None),
        ("ticket_status_changed", "closed"),
    ]
    assert all(e.number == ticket for name, e in log.seen if name != "user_logged_in")


# --- Plugins and merged tickets -------------------------------------------------------


class SidePanel:
    PLUGIN = PluginInfo(name="sidepanel", title="Side panel")

    @hookimpl
    def frontdesk_ui_slot(self, slot, context):
        if slot == Slot.PORTAL_TICKET_SIDE_PANEL:
            return Markup('<section class="card" id="sla">SLA for #{}</section>').format(
                context.number
            )
        return None


def test_plugins_fill_the_side_panel(make_webapp, desk, ticket):
    app = make_webapp(["portal", SidePanel()])
    login(app, "casey")
    assert app.get(f"/tickets/{ticket}").html.select_one("aside #sla").text == f"SLA for #{ticket}"


def test_a_merged_ticket_points_to_its_successor(app, commit, ticket):
    target = make_ticket(commit, "casey", subject="The real one")
    with commit() as db:
        from frontdesk.identity.accounts import find_user

        merge(db, find_ticket(db, ticket), find_ticket(db, target), by=find_user(db, "alex"))
    login(app, "casey")
    page = app.get(f"/tickets/{ticket}")
    assert page.html.select_one(".flash--info a")["href"] == f"/tickets/{target}"
    assert page.html.select_one("#reply-form") is None
    assert page.html.select_one("#status-form") is None
    # The merge note is internal: the customer sees the moved messages, not the note.
    successor = app.get(f"/tickets/{target}")
    assert "Merged #" not in successor.text
    assert "smokes" in successor.text


def test_a_fresh_browser_cannot_reuse_a_download_url(app, commit, ticket):
    login(app, "casey")
    url = f"/tickets/{ticket}/attachments/{attachment_id(commit, 'log.txt')}"
    assert app.get(url).body == b"42"
    assert TestApp(app.app).get(url, status=303).location.startswith("http://localhost/login")
