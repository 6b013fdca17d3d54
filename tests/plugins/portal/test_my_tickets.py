"""My tickets: only one's own, newest activity first, status filter, pages, columns."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from frontdesk.db.tickets import Ticket
from tests.plugins.portal.conftest import login, make_ticket
from tests.sample_plugins import greeter


def numbers(page):
    return [a.text for a in page.html.select(".ticket-table__number a")]


def set_ticket(commit, number, **values):
    with commit() as db:
        db.execute(update(Ticket).where(Ticket.number == number).values(**values))


def test_the_list_needs_a_login(app):
    assert app.get("/tickets/", status=303).location.startswith("http://localhost/login")


def test_a_customer_sees_only_their_own_tickets(app, commit):
    mine = make_ticket(commit, "casey", subject="Mine")
    theirs = make_ticket(commit, "jordan", subject="Jordan's secret")
    login(app, "casey")
    page = app.get("/tickets/")
    assert numbers(page) == [f"#{mine}"]
    assert "Jordan's secret" not in page.text and f"#{theirs}" not in page.text
    for status in ("open", "waiting", "on_hold", "closed", ""):
        assert "Jordan" not in app.get("/tickets/", {"status": status}).text


def test_newest_activity_first(app, commit):
    first, second, third = (make_ticket(commit, "casey", subject=s) for s in "ABC")
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    set_ticket(commit, first, updated_at=base + dt.timedelta(hours=2))
    set_ticket(commit, second, updated_at=base)
    set_ticket(commit, third, updated_at=base)  # same time: the later ticket first
    login(app, "casey")
    assert numbers(app.get("/tickets/")) == [f"#{first}", f"#{third}", f"#{second}"]


def test_rows_show_number_subject_status_department_and_age(app, commit):
    number = make_ticket(commit, "casey", subject="Invoice wrong", department="Billing")
    set_ticket(commit, number, status="waiting")
    login(app, "casey")
    row = app.get("/tickets/").html.select_one(".ticket-table tbody tr")
    cells = [td.get_text(" ", strip=True) for td in row.select("td")]
    assert cells[:4] == [f"#{number}", "Invoice wrong", "Waiting on customer", "Billing"]
    assert cells[4] == "just now"
    assert row.select_one(".badge")["class"] == ["badge", "badge--waiting"]
    assert row.select_one("a")["href"] == f"/tickets/{number}"
    assert [td["data-label"] for td in row.select("td")] == [
        "Number",
        "Subject",
        "Status",
        "Department",
        "Last activity",
    ]


def test_status_filter(app, commit):
    tickets = {status: make_ticket(commit, "casey") for status in ("open", "waiting", "closed")}
    for status, number in tickets.items():
        set_ticket(commit, number, status=status)
    login(app, "casey")
    for status, number in tickets.items():
        page = app.get("/tickets/", {"status": status})
        assert numbers(page) == [f"#{number}"]
        assert page.html.select_one('.filters a[aria-current="page"]')["href"] == (
            f"/tickets/?status={status}"
        )
    empty = app.get("/tickets/", {"status": "on_hold"})
    assert numbers(empty) == []
    assert "No tickets are on hold." in empty.html.select_one(".empty-state").text
    labels = [a.text for a in empty.html.select(".filters a")]
    assert labels == ["All", "Open", "Waiting on customer", "On hold", "Closed"]


@pytest.mark.parametrize("status", ["bogus", "OPEN", "' OR 1=1 --", ""])
def test_an_unknown_status_filter_shows_everything(app, commit, status):
    make_ticket(commit, "casey")
    make_ticket(commit, "casey")
    login(app, "casey")
    page = app.get("/tickets/", {"status": status})
    assert len(numbers(page)) == 2
    assert page.html.select_one('.filters a[aria-current="page"]').text == "All"


def test_empty_state(app):
    login(app, "casey")
    page = app.get("/tickets/")
    assert page.html.select_one(".ticket-table") is None
    assert "You have no tickets yet." in page.html.select_one(".empty-state").text
    assert page.html.select_one(".empty-state a")["href"] == "/tickets/new"


@pytest.fixture
def many(app, commit):
    """45 tickets of Casey's: 1001 is the oldest activity, 1045 the newest."""
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for i in range(45):
        number = make_ticket(commit, "casey", subject=f"Ticket {i}")
        set_ticket(commit, number, updated_at=base + dt.timedelta(minutes=i))
    set_ticket(commit, "1001", status="closed")
    login(app, "casey")
    return app


def test_pages_of_twenty(many):
    first = many.get("/tickets/")
    assert numbers(first) == [f"#{n}" for n in range(1045, 1025, -1)]
    assert first.html.select_one(".pagination__status").text == "Page 1 of 3"
    assert first.html.select_one('.pagination a[rel="prev"]') is None
    older = first.html.select_one('.pagination a[rel="next"]')["href"]
    assert older == "/tickets/?page=2"

    second = many.get(older)
    assert numbers(second) == [f"#{n}" for n in range(1025, 1005, -1)]
    assert second.html.select_one('.pagination a[rel="prev"]')["href"] == "/tickets/"

    last = many.get("/tickets/?page=3")
    assert numbers(last) == [f"#{n}" for n in range(1005, 1000, -1)]
    assert last.html.select_one('.pagination a[rel="next"]') is None


@pytest.mark.parametrize(
    ("page", "shown"),
    [("0", 1), ("-3", 1), ("abc", 1), ("1.5", 1), ("99", 3), ("99999999999999999999", 1)],
)
def test_bad_page_numbers_are_clamped(many, page, shown):
    result = many.get("/tickets/", {"page": page})
    assert result.html.select_one(".pagination__status").text == f"Page {shown} of 3"


def test_pages_keep_the_status_filter(many, commit):
    for number in range(1002, 1025):
        set_ticket(commit, str(number), status="closed")
    page = many.get("/tickets/?status=closed")
    assert len(numbers(page)) == 20
    assert page.html.select_one('.pagination a[rel="next"]')["href"] == (
        "/tickets/?status=closed&page=2"
    )
    assert numbers(many.get("/tickets/?status=closed&page=2")) == [
        "#1004",
        "#1003",
        "#1002",
        "#1001",
    ]


def test_plugins_add_columns(make_webapp, desk, commit):
    number = make_ticket(commit, "casey")
    app = make_webapp(["portal", greeter])
    login(app, "casey")
    page = app.get("/tickets/")
    assert [th.text for th in page.html.select(".ticket-table th")][-1] == "Greeting"
    row = page.html.select_one(".ticket-table tbody tr")
    assert row.select("td")[-1].text == f"Hi #{number}"
    assert row.select("td")[-1]["data-label"] == "Greeting"
    assert "Mood" not in page.text  # a staff-only column


def test_tickets_without_the_slash_redirect(app):
    login(app, "casey")
    assert app.get("/tickets?status=open", status=303).location == (
        "http://localhost/tickets/?status=open"
    )


def test_an_agents_portal_list_shows_only_their_own_requests(make_webapp, commit):
    """The portal is the customer's view: an agent sees what they asked for, not their queue."""
    from frontdesk.db.users import Department
    from frontdesk.identity.accounts import create_user
    from frontdesk.tickets import create_ticket

    with commit() as db:
        db.add(Department(name="Support"))
        db.flush()
        agent = create_user(
            db, username="alex", role="agent", password="alex-password", departments=["Support"]
        )
        casey = create_user(db, username="casey", role="customer", password=None)
        support = db.query(Department).one()
        create_ticket(db, requester=casey, subject="Casey's", body="x", department_id=support.id)
        create_ticket(db, requester=agent, subject="Alex's own", body="x", department_id=support.id)
    app = make_webapp(["portal", "management"])
    form = app.get("/login").forms["login-form"]
    form["username"], form["password"] = "alex", "alex-password"
    form.submit()
    page = app.get("/tickets/")
    assert "Alex's own" in page.text and "Casey's" not in page.text
