"""Events in two phases: inside the request's transaction (a listener's writes commit or
roll back with the ticket), and after commit (writing through a session of its own).

The ticketlog sample plugin owns a table (with its own migration branch) and records
each new ticket in both phases; it gets a database of its own, migrated with its branch.
"""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from frontdesk.db.session import new_session, run_in_new_session
from frontdesk.db.state import get_setting, set_setting
from frontdesk.db.tickets import Ticket
from frontdesk.testing import (
    clear_database,
    db_session,
    log_in,
    make_customer,
    make_department,
    make_test_app,
    set_plugin_enabled,
)
from tests.conftest import separate_database
from tests.sample_plugins import ticketlog
from tests.sample_plugins.ticketlog.models import LogEntry

PLUGINS = ["portal", ticketlog]


@pytest.fixture(scope="module")
def log_engine(database_url, tmp_path_factory):
    with separate_database(database_url, "ticketlog", tmp_path_factory.mktemp("log")) as engine:
        yield engine


@pytest.fixture(scope="module")
def log_app(log_engine):
    return make_test_app(plugins=PLUGINS, engine=log_engine)


@pytest.fixture
def app(log_app, log_engine):
    log_app.reset()
    make_department(log_app, "Support")
    make_customer(log_app, "casey", email="casey@example.com")
    yield log_app
    clear_database(log_engine)


def entries(app):
    with db_session(app.app.registry["dbengine"]) as db:
        rows = db.scalars(select(LogEntry).order_by(LogEntry.id))
        return [(e.phase, e.number, e.department, e.requester_email) for e in rows]


def tickets(app):
    with db_session(app.app.registry["dbengine"]) as db:
        return db.scalar(select(func.count(Ticket.id)))


def submit(app, subject="Printer on fire", status=303):
    log_in(app, "casey")
    form = app.get("/tickets/new").forms["ticket-form"]
    form["department"].select(text="Support")
    form["subject"] = subject
    form["body"] = "It smokes."
    return form.submit(status=status)


def test_hook_frontdesk_before_commit_event(app):
    submit(app)

    assert entries(app)[0] == ("in transaction", "1001", "Support", "casey@example.com")


def test_after_commit_handler_writes_through_a_session_of_its_own(app):
    submit(app)

    assert entries(app) == [
        ("in transaction", "1001", "Support", "casey@example.com"),
        ("after commit", "1001", "Support", "casey@example.com"),
    ]


def test_listener_writes_roll_back_with_the_ticket_when_the_request_fails_later(app):
    page = app.post(
        "/ticketlog/create-then-fail", {"username": "casey", "department": "Support"}, status=500
    )

    assert "nothing was saved" in page.text
    assert tickets(app) == 0
    assert entries(app) == [], "the listener's row went with the ticket"


def test_listener_exception_rolls_back_the_ticket(app):
    page = submit(app, subject="[refuse] Printer on fire", status=500)

    assert "nothing was saved" in page.text
    assert "Traceback" not in page.text and "ticketlog refuses" not in page.text
    assert tickets(app) == 0
    assert entries(app) == []


def test_a_disabled_plugin_listens_in_neither_phase(app):
    set_plugin_enabled(app, "ticketlog", False)
    try:
        submit(app, subject="[refuse] would fail if anyone listened")
    finally:
        set_plugin_enabled(app, "ticketlog", True)

    assert tickets(app) == 1
    assert entries(app) == []


# --- the session helper for after-commit handlers --------------------------------------


class _SerializationFailure(Exception):
    sqlstate = "40001"


def test_new_session_commits_at_the_end_and_rolls_back_on_error(engine):
    with new_session(engine) as db:
        set_setting(db, "helper.kept", "yes")
    with pytest.raises(RuntimeError), new_session(engine) as db:
        set_setting(db, "helper.lost", "yes")
        raise RuntimeError("handler failed")

    with db_session(engine) as db:
        assert (get_setting(db, "helper.kept"), get_setting(db, "helper.lost")) == ("yes", None)


def test_run_in_new_session_retries_when_the_database_asks(engine):
    attempts = []

    def work(db):
        attempts.append(1)
        set_setting(db, "helper.attempt", str(len(attempts)))
        if len(attempts) == 1:
            raise OperationalError("UPDATE ...", {}, _SerializationFailure())
        return "done"

    assert run_in_new_session(engine, work) == "done"
    assert len(attempts) == 2
    with db_session(engine) as db:
        assert get_setting(db, "helper.attempt") == "2"


@pytest.mark.parametrize(
    "error",
    [
        IntegrityError("INSERT ...", {}, Exception("unique")),  # retrying cannot help
        OperationalError("COMMIT", {}, sqlite3.OperationalError("database is locked")),
    ],
)
def test_run_in_new_session_gives_up_and_writes_nothing(engine, error):
    attempts = []

    def work(db):
        attempts.append(1)
        set_setting(db, "helper.failed", "yes")
        raise error

    with pytest.raises(type(error)):
        run_in_new_session(engine, work, attempts=3)

    retryable = isinstance(error, OperationalError)
    assert len(attempts) == (3 if retryable else 1)
    with db_session(engine) as db:
        assert get_setting(db, "helper.failed") is None
