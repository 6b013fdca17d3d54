"""Agents' replies and notes are rate-limited too, with a staff-sized limit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from frontdesk.db.tickets import TicketMessage
from tests.plugins.management.workspace_support import PLUGINS, build_desk, login

LOW = {"frontdesk.limits.replies_per_minute": "1", "frontdesk.limits.staff_factor": "3"}


@pytest.fixture
def desk(commit):
    return build_desk(commit)


def send(app, form_id, status=303):
    form = app.get("/management/tickets/1001").forms[form_id]
    form["body"] = "We are on it."
    return form.submit(status=status)


def test_an_agent_gets_the_staff_limit_then_a_readable_429(make_webapp, desk, engine):
    app = make_webapp(PLUGINS, **LOW)
    login(app, "alex")
    for form_id in ("reply-form", "note-form", "reply-form"):  # 1 x staff factor 3
        send(app, form_id)

    page = send(app, "note-form", status=429)

    assert 0 < int(page.headers["Retry-After"]) <= 60
    assert "Too many replies in a short time." in page.text
    assert page.html.select_one(".user-menu__name").text == "Alex Agent"
    with Session(engine) as db:
        assert db.scalar(select(func.count(TicketMessage.id))) == 3 + 3  # 3 tickets' first
    login(app, "sam")
    send(app, "reply-form")  # another agent has a limit of their own
