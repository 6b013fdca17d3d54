"""Submitting a ticket: the form, its errors, attachments and limits, anonymous visitors."""

from __future__ import annotations

import http.client
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from frontdesk.db.tickets import Attachment, Ticket
from frontdesk.db.users import User
from frontdesk.identity.accounts import find_user
from frontdesk.plugin_platform.events import TicketCreated
from frontdesk.tickets import find_ticket
from tests.plugins.portal.conftest import counts, login, no_live_script
from tests.sample_plugins.recorder import EventLog, Recorder
from tests.servers import threaded_server

SMALL_LIMIT = {"frontdesk.attachments.max_size": "1000"}
ANONYMOUS = {"frontdesk.portal.anonymous_tickets": "true"}


def fill(page, *, department="Support", subject="Printer on fire", body="It *smokes*.", **more):
    form = page.forms["ticket-form"]
    if department is not None:
        form["department"].select(text=department)
    form["subject"] = subject
    form["body"] = body
    for field, value in more.items():
        form[field] = value
    return form


def error(page, field):
    node = page.html.select_one(f"#{field}-error")
    return node.text if node is not None else None


def test_the_form_needs_a_login(app):
    page = app.get("/tickets/new", status=303)
    assert page.location == "http://localhost/login?next=%2Ftickets%2Fnew"
    app.post("/tickets/new", {"subject": "x"}, status=400)  # no token: refused before all


def test_only_departments_customers_may_use_are_offered(app):
    login(app, "casey")
    form = app.get("/tickets/new").forms["ticket-form"]
    assert [text for _value, _sel, text in form["department"].options] == [
        "Choose a department",
        "Billing",
        "Support",
    ]
    assert form.enctype == "multipart/form-data"
    assert form["csrf_token"].value


def test_the_form_says_markdown_and_limits(app):
    login(app, "casey")
    page = app.get("/tickets/new")
    assert "You can use Markdown" in page.html.select_one("#body-hint").text
    assert page.html.select_one("#attachments")["multiple"] is not None
    hint = page.html.select_one("#attachments-hint").text
    assert "up to 5 files, at most 10.0 MB each" in hint and ".pdf" in hint


def test_a_customer_submits_a_ticket_with_attachments(app, commit):
    login(app, "casey")
    form = fill(app.get("/tickets/new"))
    form["attachments"] = [("notes.txt", b"hello"), ("photo.png", b"\x89PNG fake")]
    done = form.submit(status=303)

    assert done.location == "http://localhost/tickets/1001"
    page = done.follow()
    assert "Ticket #1001 was created." in page.html.select_one(".flash--success").text
    assert page.html.select_one(".ticket-number").text == "#1001"
    assert page.html.select_one(".ticket-subject").text == "Printer on fire"
    assert page.html.select_one(".message__body em").text == "smokes"
    assert [a.text for a in page.html.select(".attachments a")] == ["notes.txt", "photo.png"]
    with commit() as db:
        ticket = find_ticket(db, "1001")
        assert ticket.requester.username == "casey"
        assert ticket.department.name == "Support"
        assert ticket.status == "open"
    assert counts(commit) == (1, 1, 2)


def test_missing_fields_are_reported_beside_them_and_input_is_kept(app, commit):
    login(app, "casey")
    page = app.get("/tickets/new").forms["ticket-form"]
    page["subject"] = "  "
    page["body"] = "A body I typed"
    result = page.submit(status=400)

    assert error(result, "department") == "Choose a department."
    assert error(result, "subject") == "Enter a subject."
    assert error(result, "body") is None
    assert result.html.select_one("#body").text == "A body I typed"
    assert result.html.select_one("#subject")["aria-describedby"] == "subject-error"
    assert result.html.select_one("#subject")["aria-invalid"] == "true"

    result = fill(result, subject="Kept subject", body="").submit(status=400)
    assert error(result, "body") == "Write a message."
    assert result.html.select_one("#subject")["value"] == "Kept subject"
    selected = result.html.select_one("#department option[selected]")
    assert selected.text == "Support", "the chosen department is kept"
    assert counts(commit) == (0, 0, 0)


@pytest.mark.parametrize("department", ["Internal", "Archive", "999999", "abc", "99999999999"])
def test_hidden_inactive_or_made_up_departments_are_refused(app, commit, desk, department):
    login(app, "casey")
    form = fill(app.get("/tickets/new"), department=None)
    value = str(desk.get(department, department))
    form["department"].force_value(value)
    result = form.submit(status=400)
    assert error(result, "department") == "Choose a department."
    assert counts(commit) == (0, 0, 0)


def test_a_long_subject_is_refused(app, commit):
    login(app, "casey")
    result = fill(app.get("/tickets/new"), subject="x" * 201).submit(status=400)
    assert error(result, "subject") == "Keep the subject under 200 characters."
    assert counts(commit) == (0, 0, 0)


def test_an_upload_over_the_limit_is_refused_and_nothing_is_stored(make_webapp, desk, commit):
    app = make_webapp(["portal"], **SMALL_LIMIT)
    login(app, "casey")
    page = app.get("/tickets/new")
    assert "at most 1000 bytes each" in page.html.select_one("#attachments-hint").text
    form = fill(page)
    form["attachments"] = [("big.txt", b"x" * 1001)]
    result = form.submit(status=400)

    assert error(result, "attachments") == "big.txt is 1001 bytes; the limit is 1000 bytes."
    assert "choose them again" in result.html.select_one("#attachments-again").text
    assert result.html.select_one("#subject")["value"] == "Printer on fire"
    assert counts(commit) == (0, 0, 0)

    form = fill(result)
    form["attachments"] = [("small.txt", b"x" * 1000)]
    assert form.submit(status=303)
    assert counts(commit) == (1, 1, 1)


@pytest.mark.parametrize("filename", ["page.html", "drawing.svg", "setup.exe", "no-extension"])
def test_refused_file_types(app, commit, filename):
    login(app, "casey")
    form = fill(app.get("/tickets/new"))
    form["attachments"] = [(filename, b"<html><script>alert(1)</script></html>")]
    result = form.submit(status=400)
    assert error(result, "attachments").startswith(
        f"{filename}: files of this type cannot be attached (allowed: "
    )
    assert counts(commit) == (0, 0, 0)


def test_too_many_files(make_webapp, desk, commit):
    app = make_webapp(["portal"], **{"frontdesk.attachments.max_files": "2"})
    login(app, "casey")
    form = fill(app.get("/tickets/new"))
    form["attachments"] = [("a.txt", b"a"), ("b.txt", b"b"), ("c.txt", b"c")]
    result = form.submit(status=400)
    assert error(result, "attachments") == "Attach at most 2 files."
    assert counts(commit) == (0, 0, 0)


def test_script_in_subject_body_and_file_name_is_shown_as_text(app):
    login(app, "casey")
    form = fill(
        app.get("/tickets/new"),
        subject="<script>alert('subject')</script>",
        body=(
            "<script>alert('body')</script>\n\n"
            "[click](javascript:alert(1)) <img src=x onerror=alert(1)>"
        ),
    )
    # (A "/" would be cut off as a path: the file name keeps its base name only.)
    form["attachments"] = [("<script>alert(1)<script>.txt", b"data")]
    page = form.submit(status=303).follow()

    assert no_live_script(page)
    assert "&lt;script&gt;alert('subject')&lt;/script&gt;" in page.text.replace("&#39;", "'")
    assert page.html.select_one(".ticket-subject").text == "<script>alert('subject')</script>"
    body = page.html.select_one(".message__body")
    assert "<script>alert('body')</script>" in body.text
    assert body.find("img") is None
    assert all(not a.get("href", "").startswith("javascript") for a in body.find_all("a"))
    assert page.html.select_one(".attachments a").text == "<script>alert(1)<script>.txt"
    assert "&lt;script&gt;alert(1)&lt;script&gt;.txt" in page.text
    # The list escapes the subject as well.
    listing = app.get("/tickets/")
    assert no_live_script(listing)
    assert listing.html.select_one(".ticket-table__subject").text == (
        "<script>alert('subject')</script>"
    )


def test_creating_a_ticket_emits_the_event_after_commit(make_webapp, desk):
    log = EventLog()
    app = make_webapp(["portal", log])
    login(app, "casey")
    fill(app.get("/tickets/new")).submit(status=303)
    assert [
        (name, e.number, e.ticket.subject) for name, e in log.seen if name != "user_logged_in"
    ] == [("ticket_created", "1001", "Printer on fire")]
    assert isinstance(log.seen[-1][1], TicketCreated)


def test_a_refused_form_emits_nothing(make_webapp, desk):
    log = EventLog()
    app = make_webapp(["portal", log])
    login(app, "casey")
    fill(app.get("/tickets/new"), subject="").submit(status=400)
    assert [name for name, _e in log.seen] == ["user_logged_in"]


def test_agents_may_submit_in_the_portal_too(app, commit):
    login(app, "alex")
    form = app.get("/tickets/new").forms["ticket-form"]
    assert "Internal" not in [text for _v, _s, text in form["department"].options]
    fill(app.get("/tickets/new")).submit(status=303)
    with commit() as db:
        assert find_ticket(db, "1001").requester.username == "alex"


def test_without_departments_the_form_says_so(make_webapp, commit):
    from frontdesk.identity.accounts import create_user

    with commit() as db:
        create_user(db, username="casey", role="customer", password="casey-password")
    app = make_webapp(["portal"])
    login(app, "casey")
    page = app.get("/tickets/new")
    assert page.html.select_one("#ticket-form") is None
    assert "cannot be submitted at the moment" in page.text


# --- Anonymous submission -------------------------------------------------------------


def test_anonymous_submission_is_off_by_default(app):
    assert app.get("/tickets/new", status=303).location.startswith("http://localhost/login")
    assert app.get("/").html.find("a", string="Submit a ticket") is None
    app.get("/tickets/submitted", status=303)


@pytest.fixture
def anon(make_webapp, desk):
    return make_webapp(["portal"], **ANONYMOUS)


def test_a_visitor_submits_with_an_email_address(anon, commit):
    home = anon.get("/")
    assert home.html.find("a", string="Submit a ticket")["href"] == "/tickets/new"
    page = anon.get("/tickets/new")
    assert page.html.select_one('label[for="email"]').text == "Email address"
    form = fill(page, name="Robin Visitor", email="Robin@Example.org")
    form["attachments"] = [("log.txt", b"error 42")]
    done = form.submit(status=303)

    assert done.location == "http://localhost/tickets/submitted"
    confirmation = done.follow()
    assert confirmation.html.select_one("h1").text == "Thank you: ticket #1001 was created."
    assert "Robin@Example.org" in confirmation.text
    assert "cannot be opened in the portal" in confirmation.text
    with commit() as db:
        ticket = find_ticket(db, "1001")
        robin = ticket.requester
        assert robin.role == "customer" and robin.password_hash is None
        assert robin.email == "Robin@Example.org" and robin.display_name == "Robin Visitor"
        assert robin.username == "robin@example.org"
    assert counts(commit) == (1, 1, 1)
    # The visitor cannot open the ticket page (they are asked to log in).
    assert anon.get("/tickets/1001", status=303).location.startswith("http://localhost/login")


def test_the_same_email_again_is_the_same_customer(anon, commit):
    for email in ("robin@example.org", "ROBIN@example.org"):
        fill(anon.get("/tickets/new"), name="Robin", email=email).submit(status=303)
    with commit() as db:
        requesters = db.scalars(select(Ticket.requester_id)).all()
        assert len(requesters) == 2 and len(set(requesters)) == 1
        assert db.scalar(select(func.count(User.id)).where(User.email.ilike("robin@%"))) == 1


def test_a_new_username_never_clashes(anon, commit):
    from frontdesk.identity.accounts import create_user

    with commit() as db:
        create_user(db, username="robin@example.org", role="customer", password="pw-0123456789")
    fill(anon.get("/tickets/new"), name="Robin", email="robin@example.org").submit(status=303)
    with commit() as db:
        assert find_ticket(db, "1001").requester.username == "robin@example.org-2"


def test_an_email_of_a_registered_account_gets_the_same_answer_and_tells_nothing(anon, commit):
    """The form must not reveal whether an address has an account: the ticket joins the
    account's tickets (its owner sees it when logged in), the visitor sees the usual
    confirmation, and no second account appears."""
    page = fill(anon.get("/tickets/new"), name="Mallory", email="CASEY@example.com").submit(
        status=303
    )
    assert page.location.endswith("/tickets/submitted")
    fresh = fill(anon.get("/tickets/new"), name="Robin", email="robin@example.org").submit(
        status=303
    )
    assert fresh.location == page.location
    with commit() as db:
        assert find_ticket(db, "1001").requester.username == "casey"
        assert db.scalar(select(func.count(User.id)).where(User.email.ilike("casey@%"))) == 1


def test_an_email_of_a_staff_account_never_makes_staff_the_requester(anon, commit):
    from frontdesk.identity.accounts import create_user

    with commit() as db:
        create_user(db, username="ada", role="agent", password="pw-0123456789", email="a@x.org")
    fill(anon.get("/tickets/new"), name="Mallory", email="A@x.org").submit(status=303)
    with commit() as db:
        requester = find_ticket(db, "1001").requester
        assert requester.role == "customer" and requester.password_hash is None


def test_anonymous_errors_all_at_once_and_nothing_is_created(anon, commit):
    page = fill(anon.get("/tickets/new"), subject="", name="", email="nope").submit(status=400)
    assert error(page, "name") == "Enter your name."
    assert error(page, "email") == "Enter an email address like name@example.com."
    assert error(page, "subject") == "Enter a subject."
    assert counts(commit) == (0, 0, 0)


def test_a_visitor_whose_ticket_is_refused_leaves_no_account(anon, commit):
    form = fill(anon.get("/tickets/new"), body="", name="Robin", email="robin@example.org")
    page = form.submit(status=400)
    assert error(page, "body") == "Write a message."
    with commit() as db:
        assert find_user(db, "robin@example.org") is None
    assert counts(commit) == (0, 0, 0)


def test_only_the_visitor_with_valid_fields_and_no_ticket_errors_gets_a_ticket(anon, commit):
    # Name and email wrong, ticket fields right: the ticket is not created either.
    page = fill(anon.get("/tickets/new"), name="", email="robin@example.org").submit(status=400)
    assert error(page, "name") == "Enter your name."
    assert counts(commit) == (0, 0, 0)
    with commit() as db:
        assert db.scalar(select(func.count(User.id))) == 3


def test_logged_in_users_are_not_asked_for_name_and_email(anon):
    login(anon, "casey")
    page = anon.get("/tickets/new")
    assert page.html.select_one("#email") is None
    assert fill(page).submit(status=303).location == "http://localhost/tickets/1001"


def test_anonymous_submission_emits_created_once(make_webapp, desk):
    log = EventLog()
    app = make_webapp(["portal", log], **ANONYMOUS)
    fill(app.get("/tickets/new"), name="", email="x@example.org").submit(status=400)
    assert log.seen == []
    fill(app.get("/tickets/new"), name="Robin", email="x@example.org").submit(status=303)
    assert [name for name, _e in log.seen] == ["ticket_created"]


def test_an_administrator_switches_anonymous_tickets_at_run_time(app, commit):
    from frontdesk.db.state import set_setting

    with commit() as db:
        set_setting(db, "portal.anonymous_tickets", "true")
    assert app.get("/tickets/new").html.select_one("#email") is not None


def test_upload_limits_changed_at_run_time_apply(app, commit):
    from frontdesk.db.state import set_setting

    with commit() as db:
        set_setting(db, "attachments.max_size", "10")
    login(app, "casey")
    form = fill(app.get("/tickets/new"))
    form["attachments"] = [("a.txt", b"x" * 11)]
    assert (
        error(form.submit(status=400), "attachments") == "a.txt is 11 bytes; the limit is 10 bytes."
    )


# --- The same form sent more than once --------------------------------------------------


def test_the_same_form_sent_twice_opens_one_ticket(make_webapp, desk, commit):
    log = EventLog()
    app = make_webapp(["portal", log])
    login(app, "casey")
    form = fill(app.get("/tickets/new"))
    first, second = form.submit(status=303), form.submit(status=303)

    assert first.location == second.location == "http://localhost/tickets/1001"
    assert "Ticket #1001 was created." in second.follow().text
    assert counts(commit) == (1, 1, 0)
    assert [name for name, _e in log.seen if name != "user_logged_in"] == ["ticket_created"]
    # A fresh form is a new ticket.
    assert fill(app.get("/tickets/new")).submit(status=303).location.endswith("/tickets/1002")


def test_a_visitor_sending_the_form_twice_gets_one_ticket_and_one_account(anon, commit):
    form = fill(anon.get("/tickets/new"), name="Robin", email="robin@example.org")
    for _attempt in range(2):
        done = form.submit(status=303)
        assert done.location == "http://localhost/tickets/submitted"
        assert "ticket #1001 was created" in done.follow().text
    assert counts(commit) == (1, 1, 0)
    with commit() as db:
        assert db.scalar(select(func.count(User.id)).where(User.email == "robin@example.org")) == 1


def test_a_refused_form_keeps_its_token_so_the_corrected_one_counts_once(app, commit):
    login(app, "casey")
    form = fill(app.get("/tickets/new"), subject="")
    token = form["submission_token"].value
    page = form.submit(status=400)
    again = page.forms["ticket-form"]
    assert again["submission_token"].value == token
    again["subject"] = "Printer on fire"
    assert again.submit(status=303).location == again.submit(status=303).location
    assert counts(commit) == (1, 1, 0)


def test_someone_elses_token_opens_a_ticket_of_ones_own(app, commit):
    login(app, "casey")
    form = fill(app.get("/tickets/new"))
    form.submit(status=303)
    app.reset()
    login(app, "jordan")
    theirs = fill(app.get("/tickets/new"), subject="Mine")
    theirs["submission_token"] = form["submission_token"].value
    assert theirs.submit(status=303).location == "http://localhost/tickets/1002"
    with commit() as db:
        assert find_ticket(db, "1002").requester.username == "jordan"


def send_in_parallel(url: str, fields: dict[str, str], cookie: str, copies: int) -> list[Any]:
    """POST the same form ``copies`` times at once over real HTTP; (status, location)s."""
    body = urlencode(fields).encode()
    host, port = url.split("//", 1)[1].split("/", 1)[0].split(":")
    start = threading.Barrier(copies)

    def send() -> tuple[int, str]:
        connection = http.client.HTTPConnection(host, int(port), timeout=60)
        start.wait()
        connection.request(
            "POST",
            "/tickets/new",
            body,
            {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        )
        response = connection.getresponse()
        response.read()
        connection.close()
        return response.status, response.getheader("Location", "")

    with ThreadPoolExecutor(copies) as pool:
        return list(pool.map(lambda _n: send(), range(copies)))


@pytest.mark.parametrize("visitor", [False, True], ids=["logged-in", "anonymous"])
def test_five_copies_at_once_open_one_ticket_and_all_succeed(anon, commit, visitor):
    if not visitor:
        login(anon, "casey")
    form = fill(
        anon.get("/tickets/new"), **({"name": "Robin", "email": "r@example.org"} if visitor else {})
    )
    fields = {name: value for name, value in form.submit_fields()}
    cookie = "; ".join(f"{c.name}={c.value}" for c in anon.cookiejar)

    with threaded_server(anon.app) as base:
        answers = send_in_parallel(base, fields, cookie, copies=5)

    assert [status for status, _location in answers] == [303] * 5, answers
    target = "/tickets/submitted" if visitor else "/tickets/1001"
    assert {location.split("//", 1)[1].split("/", 1)[1] for _s, location in answers} == {
        target.lstrip("/")
    }
    assert counts(commit) == (1, 1, 0)
    with commit() as db:
        assert find_ticket(db, "1001") is not None
        if visitor:
            assert db.scalar(select(func.count(User.id)).where(User.email == "r@example.org")) == 1


def test_two_forms_from_one_new_address_at_once_share_the_customer(
    racing_writers, anon, commit, monkeypatch
):
    """Another visitor's form with the same address creates the customer just after this
    one picked the username: this ticket goes to that customer, not to an error."""
    from frontdesk.identity import contacts

    pick = contacts.username_for

    def pick_then_lose_the_race(db, email):
        username = pick(db, email)
        monkeypatch.setattr(contacts, "username_for", pick)  # a retry picks again
        with commit() as other:
            contacts.requester_for_email(other, name="Robin", email=email)
        return username

    monkeypatch.setattr(contacts, "username_for", pick_then_lose_the_race)
    form = fill(anon.get("/tickets/new"), name="Robin", email="robin@example.org")
    assert form.submit(status=303).location == "http://localhost/tickets/submitted"
    with commit() as db:
        robins = db.scalars(select(User).where(User.email == "robin@example.org")).all()
        assert [u.username for u in robins] == ["robin@example.org"]
        assert find_ticket(db, "1001").requester_id == robins[0].id


REPORT = b"%PDF " + bytes(range(256)) * 3


def test_a_retried_submission_stores_the_same_file(make_webapp, desk, commit):
    recorder = Recorder()
    app = make_webapp(["portal", recorder])
    login(app, "casey")
    form = fill(app.get("/tickets/new"))
    # Small enough to stay in memory: larger uploads spool to temporary files that
    # WebOb leaves for the garbage collector (a ResourceWarning under -W error).
    form["attachments"] = [("report.pdf", REPORT)]
    recorder.failing_commits = 1  # the first attempt fails at commit and is run again

    page = form.submit(status=303).follow()

    assert recorder.failing_commits == 0
    assert "was created" in page.text
    with commit() as db:
        (attachment,) = db.scalars(select(Attachment)).all()
        assert attachment.data == REPORT
    assert counts(commit) == (1, 1, 1)
