"""The ticket queue: filters, search, sorting and pagination, never beyond the agent's
departments."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import update

from frontdesk import PluginInfo, TicketColumn, hookimpl
from frontdesk.db.tickets import Ticket
from frontdesk.db.users import User
from frontdesk.plugins.management.workspace.queue import QueueFilters, escape_like
from frontdesk.tickets import (
    add_message,
    assign,
    change_status,
    create_ticket,
    find_ticket,
    set_due,
    set_priority,
)
from tests.plugins.management.workspace_support import PLUGINS, build_desk, login, texts


@pytest.fixture
def desk(commit):
    return build_desk(commit)


@pytest.fixture
def app(make_webapp, desk):
    return make_webapp(PLUGINS)


def numbers(page):
    return [n.removeprefix("#") for n in texts(page, ".queue-table .queue-number")]


def queue(app, **params):
    return app.get("/management/tickets/", params=params)


def set_times(commit, stamps):
    """Give tickets fixed ``updated_at``/``created_at`` (arranging only: the app never
    writes ticket fields outside the service)."""
    with commit() as db:
        for number, moment in stamps.items():
            db.execute(
                update(Ticket)
                .where(Ticket.number == number)
                .values(updated_at=moment, created_at=moment)
            )


BASE = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)


def test_default_shows_not_closed_tickets_of_my_departments_newest_first(app, commit):
    set_times(commit, {"1001": BASE, "1002": BASE, "1003": BASE + dt.timedelta(hours=1)})
    login(app, "alex")
    page = queue(app)
    assert numbers(page) == ["1003", "1001"]
    row = page.html.select_one(".queue-table tbody tr")
    cells = {td["data-label"]: " ".join(td.get_text(" ").split()) for td in row.select("td")}
    assert cells == {
        "Number": "#1003",
        "Subject": "Password reset",
        "Requester": "Jordan Customer",
        "Department": "Sales",
        "Status": "Open",
        "Priority": "Normal",
        "Assignee": "Unassigned",
        "Updated": cells["Updated"],
    }
    assert cells["Updated"].endswith("ago")
    assert row.select_one("a")["href"] == "/management/tickets/1003"


def test_the_department_filter_offers_only_departments_where_i_may_view(app, desk):
    login(app, "alex")
    options = texts(queue(app), "#department option")
    assert options == ["All my departments", "Sales"]
    login(app, "sam")
    assert texts(queue(app), "#department option") == ["All my departments", "Billing", "Sales"]
    login(app, "ada")
    assert texts(queue(app), "#department option") == ["All my departments", "Billing", "Sales"]


def test_another_departments_filter_shows_nothing_of_it(app, desk):
    login(app, "alex")
    page = queue(app, department=desk["billing"])
    assert "1002" not in numbers(page)
    assert sorted(numbers(page)) == ["1001", "1003"], "an unknown department is ignored"


def test_filter_by_department_status_priority_and_assignee(app, desk, commit):
    with commit() as db:
        alex = db.get(User, desk["alex"])
        assign(db, find_ticket(db, "1001"), alex, by=alex)
        set_priority(db, find_ticket(db, "1003"), "urgent", by=alex)
        change_status(db, find_ticket(db, "1003"), "on_hold", by=alex)
    login(app, "sam")
    assert sorted(numbers(queue(app, department=desk["billing"]))) == ["1002"]
    assert numbers(queue(app, status="on_hold")) == ["1003"]
    assert numbers(queue(app, priority="urgent")) == ["1003"]
    assert sorted(numbers(queue(app, assignee="unassigned"))) == ["1002", "1003"]
    assert numbers(queue(app, assignee="me")) == []
    login(app, "alex")
    assert numbers(queue(app, assignee="me")) == ["1001"]


def test_closed_tickets_show_only_when_asked_for(app, desk, commit):
    with commit() as db:
        change_status(db, find_ticket(db, "1001"), "closed", by=db.get(User, desk["alex"]))
    login(app, "alex")
    assert numbers(queue(app)) == ["1003"]
    assert numbers(queue(app, status="closed")) == ["1001"]
    assert sorted(numbers(queue(app, status="any"))) == ["1001", "1003"]


def test_overdue_filter(app, desk, commit):
    with commit() as db:
        alex = db.get(User, desk["alex"])
        set_due(db, find_ticket(db, "1001"), BASE, by=alex)
        set_due(
            db, find_ticket(db, "1003"), dt.datetime.now(dt.UTC) + dt.timedelta(days=1), by=alex
        )
    login(app, "alex")
    assert numbers(queue(app, due="overdue")) == ["1001"]
    assert sorted(numbers(queue(app, due="set"))) == ["1001", "1003"]


def test_search_finds_subject_and_message_text_case_insensitively(app, desk, commit):
    with commit() as db:
        add_message(
            db, find_ticket(db, "1003"), author=db.get(User, desk["alex"]), body="Try the TONER."
        )
    login(app, "alex")
    assert numbers(queue(app, q="PRINTER")) == ["1001"]
    assert numbers(queue(app, q="toner")) == ["1003"]
    assert numbers(queue(app, q="smoke printer")) == ["1001"], "every word must match"
    assert numbers(queue(app, q="smoke toner")) == []
    assert numbers(queue(app, q="#1003")) == ["1003"]
    assert queue(app, q="toner").html.select_one("#q")["value"] == "toner"


def test_search_never_finds_tickets_of_other_departments(app, desk):
    login(app, "alex")
    assert numbers(queue(app, q="invoice")) == []
    assert numbers(queue(app, q="#1002")) == []
    login(app, "bea")
    assert numbers(queue(app, q="invoice")) == ["1002"]


def test_search_also_reads_internal_notes(app, desk, commit):
    with commit() as db:
        add_message(
            db, find_ticket(db, "1001"), author=db.get(User, desk["alex"]), body="VIP", note=True
        )
    login(app, "sam")
    assert numbers(queue(app, q="vip")) == ["1001"]


def test_search_wildcards_match_only_themselves(app, desk, commit):
    with commit() as db:
        casey = db.get(User, desk["casey"])
        for subject in ["Discount 50% off", "Discount 500 off", "file_name wrong", "filename ok"]:
            create_ticket(
                db, requester=casey, subject=subject, body="x", department_id=desk["sales"]
            )
    login(app, "alex")
    assert texts(queue(app, q="50%"), ".queue-subject") == ["Discount 50% off"]
    assert texts(queue(app, q="file_name"), ".queue-subject") == ["file_name wrong"]
    assert numbers(queue(app, q="%")) == ["1004"]
    assert numbers(queue(app, q="\\")) == []


def test_escape_like():
    assert escape_like(r"50%_a\b") == r"50\%\_a\\b"


def test_sort_by_priority_created_and_number(app, desk, commit):
    with commit() as db:
        casey, alex = db.get(User, desk["casey"]), db.get(User, desk["alex"])
        for _ in range(8):  # numbers 1004..1011: "1011" sorts after "1004" as a number
            create_ticket(
                db, requester=casey, subject="More", body="x", department_id=desk["sales"]
            )
        set_priority(db, find_ticket(db, "1003"), "urgent", by=alex)
        set_priority(db, find_ticket(db, "1001"), "low", by=alex)
    set_times(commit, {str(n): BASE + dt.timedelta(minutes=n % 7) for n in range(1001, 1012)})
    login(app, "ada")
    by_priority = numbers(queue(app, sort="priority"))
    assert by_priority[0] == "1003" and by_priority[-1] == "1001"
    assert numbers(queue(app, sort="number")) == [str(n) for n in range(1011, 1000, -1)]
    assert numbers(queue(app, sort="number", order="asc"))[:3] == ["1001", "1002", "1003"]
    created = numbers(queue(app, sort="created"))
    expected = sorted(range(1001, 1012), key=lambda n: (n % 7, n), reverse=True)
    assert created == [str(n) for n in expected], "ties broken by the id, newest first"


def test_unknown_sort_and_filters_fall_back_to_the_defaults(app, desk):
    login(app, "alex")
    page = queue(app, sort="subject; DROP TABLE tickets", status="nope", order="sideways", page="x")
    assert sorted(numbers(page)) == ["1001", "1003"]
    assert page.html.select_one("#sort option[selected]")["value"] == "updated"


def test_column_headings_sort_and_flip_the_order(app, desk):
    login(app, "alex")
    page = queue(app, q="o")
    heading = page.html.select_one('th[aria-sort="descending"] a')
    assert heading.text == "Updated"
    query = parse_qs(urlsplit(heading["href"]).query)
    assert query == {"q": ["o"], "order": ["asc"]}
    number = parse_qs(urlsplit(page.html.find("a", string="Number")["href"]).query)
    assert number == {"q": ["o"], "sort": ["number"]}


def test_pagination_is_stable_and_keeps_the_filters(app, desk, commit):
    with commit() as db:
        casey = db.get(User, desk["casey"])
        for i in range(60):
            create_ticket(
                db,
                requester=casey,
                subject=f"Bulk {i}",
                body="same moment",
                department_id=desk["sales"],
            )
    # Every bulk ticket updated at the very same moment: only the id orders them.
    set_times(commit, {str(n): BASE for n in range(1004, 1064)})
    login(app, "alex")
    page = queue(app, q="bulk", priority="normal")
    assert texts(page, ".queue-summary") == ["60 tickets · page 1 of 3"]
    seen = []
    while True:
        seen += numbers(page)
        assert len(numbers(page)) <= 25
        link = page.html.select_one('a[rel="next"]')
        if link is None:
            break
        query = parse_qs(urlsplit(link["href"]).query)
        assert query["q"] == ["bulk"] and query["priority"] == ["normal"]
        page = app.get(link["href"])
    assert seen == [str(n) for n in range(1063, 1003, -1)], "no ticket repeated or skipped"
    previous = page.html.select_one('a[rel="prev"]')
    assert parse_qs(urlsplit(previous["href"]).query)["page"] == ["2"]


def test_a_page_past_the_end_shows_the_last_page(app, desk):
    login(app, "alex")
    page = queue(app, page="99")
    assert sorted(numbers(page)) == ["1001", "1003"]


def test_no_match_says_so(app, desk):
    login(app, "alex")
    page = queue(app, q="no such words")
    assert page.html.select_one(".queue-table") is None
    assert "No tickets match these filters" in page.html.select_one(".empty-state").text


def test_plugins_add_columns(make_webapp, desk):
    class Sla:
        PLUGIN = PluginInfo(name="sla", title="SLA")

        @hookimpl
        def frontdesk_ticket_list_columns(self, request):
            return [TicketColumn(key="sla", title="SLA", render=lambda t: f"<{t.number}>")]

    app = make_webapp([*PLUGINS, Sla()])
    login(app, "alex")
    page = queue(app)
    assert "SLA" in texts(page, ".queue-table thead th")
    assert texts(page, ".queue-extra--sla") == ["<1003>", "<1001>"], "plain text is escaped"


def test_the_bare_address_redirects_keeping_the_query(app, desk):
    login(app, "alex")
    response = app.get("/management/tickets?status=closed", status=303)
    assert response.location == "http://localhost/management/tickets/?status=closed"


def test_filters_from_params_ignore_garbage():
    filters = QueueFilters.from_params(
        {"department": "2", "page": "-3", "q": "  a   b ", "assignee": "everyone"}, {1}
    )
    assert filters == QueueFilters(q="a b")
    assert filters.params(page=2) == {"q": "a b", "page": "2"}
    assert QueueFilters.from_params({"department": "1"}, {1}).department == 1


def test_a_search_page_past_the_end_shows_the_last_page(app, desk, commit):
    with commit() as db:
        casey = db.get(User, desk["casey"])
        for i in range(30):
            create_ticket(
                db, requester=casey, subject=f"Bulk {i}", body="x", department_id=desk["sales"]
            )
    login(app, "alex")
    page = queue(app, q="bulk", page="7")
    assert texts(page, ".queue-summary") == ["30 tickets · page 2 of 2"]
    assert len(numbers(page)) == 5
    assert queue(app, q="nothing like this", page="3").html.select_one(".queue-table") is None
