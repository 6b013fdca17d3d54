"""Writes are rate-limited per user and per address: 429, Retry-After, a readable page."""

from __future__ import annotations

from webtest import TestApp

from tests.plugins.portal.conftest import counts, login, make_ticket

LOW = {
    "frontdesk.limits.tickets_per_hour": "2",
    "frontdesk.limits.replies_per_minute": "2",
    "frontdesk.limits.anonymous_per_hour": "2",
    "frontdesk.limits.address_writes_per_hour": "5",
}
ANONYMOUS = {"frontdesk.portal.anonymous_tickets": "true"}


def client(app, address="203.0.113.9"):
    return TestApp(app.app, extra_environ={**app.extra_environ, "REMOTE_ADDR": address})


def submit(app, status=303, **fields):
    form = app.get("/tickets/new").forms["ticket-form"]
    form["department"].select(text="Support")
    form["subject"], form["body"] = "Printer on fire", "It smokes."
    for name, value in fields.items():
        form[name] = value
    return form.submit(status=status)


def reply(app, number, status=303, **headers):
    form = app.get(f"/tickets/{number}").forms["reply-form"]
    form["body"] = "Any news?"
    return form.submit(status=status, headers=headers)


def test_a_customer_over_the_ticket_limit_gets_a_readable_429_and_nothing_is_created(
    make_webapp, desk, commit
):
    casey = client(make_webapp(["portal"], **LOW))
    login(casey, "casey")
    submit(casey)
    submit(casey)

    page = submit(casey, status=429)

    assert 3000 < int(page.headers["Retry-After"]) <= 3600
    assert page.html.select_one("h1").text.strip() == "Too many requests"
    assert "Too many new tickets in a short time. Please try again in 60 minutes" in page.text
    assert page.html.select_one(".user-menu__name").text == "Casey Customer", "in the layout"
    assert counts(commit)[0] == 2
    jordan = client(make_webapp(["portal"], **LOW), "198.51.100.4")
    login(jordan, "jordan")
    submit(jordan)  # the limit is Casey's, not everybody's


def test_the_count_survives_the_refusal_and_other_processes_share_it(make_webapp, desk):
    first = client(make_webapp(["portal"], **LOW))
    login(first, "casey")
    submit(first)
    submit(first)
    submit(first, status=429)
    again = client(make_webapp(["portal"], **LOW))  # a new session, as on another worker
    login(again, "casey")
    submit(again, status=429)


def test_replies_are_limited_per_minute_and_json_clients_get_json(make_webapp, desk, commit):
    number = make_ticket(commit, "casey")
    casey = client(make_webapp(["portal"], **LOW))
    login(casey, "casey")
    reply(casey, number)
    reply(casey, number)

    refused = reply(casey, number, status=429, Accept="application/json")

    assert refused.json["error"]["status"] == 429
    assert "Too many replies" in refused.json["error"]["message"]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert counts(commit)[1] == 3  # the ticket's first message and two replies


def test_anonymous_visitors_are_limited_per_address(make_webapp, desk, commit):
    visitor = client(make_webapp(["portal"], **LOW, **ANONYMOUS))
    for n in range(2):
        submit(visitor, name=f"Robin {n}", email=f"robin{n}@example.org")

    page = submit(visitor, status=429, name="Robin 3", email="robin3@example.org")

    assert "Too many tickets from your network" in page.text
    assert counts(commit)[0] == 2
    other = client(make_webapp(["portal"], **LOW, **ANONYMOUS), "198.51.100.4")
    submit(other, name="Kim", email="kim@example.org")


def test_throw_away_accounts_share_their_address_limit(make_webapp, desk, commit):
    settings = {**LOW, "frontdesk.limits.tickets_per_hour": "100"}
    number = make_ticket(commit, "jordan")
    casey = client(make_webapp(["portal"], **settings))
    login(casey, "casey")
    for _ in range(5):
        submit(casey)
    jordan = client(make_webapp(["portal"], **settings))
    login(jordan, "jordan")

    assert "Too many messages from your network" in reply(jordan, number, status=429).text


def test_default_limits_stop_a_flood(make_webapp, desk, commit):
    casey = client(make_webapp(["portal"]))
    login(casey, "casey")
    for _ in range(20):
        submit(casey)
    submit(casey, status=429)
    assert counts(commit)[0] == 20
