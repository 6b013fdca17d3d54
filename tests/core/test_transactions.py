"""One transaction per request: all or nothing, retried when the database says so, and
events delivered once, after commit."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from frontdesk.db.session import is_retryable_db_error
from frontdesk.db.state import get_setting
from frontdesk.testing import set_plugin_enabled
from tests.sample_plugins.recorder import SAMPLE_EVENTS, EventLog, Recorder


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def app(make_webapp, recorder):
    return make_webapp(["portal", recorder])


def test_request_that_raises_after_writing_leaves_nothing_behind(app, recorder, db):
    page = app.post("/recorder/write-then-fail", status=500)

    assert "nothing was saved" in page.text
    assert "Traceback" not in page.text and "boom" not in page.text
    assert get_setting(db, "recorder.written") is None
    assert recorder.seen == []


def test_failed_request_answers_json_clients_in_json(app):
    page = app.post("/recorder/write-then-fail", headers={"Accept": "application/json"}, status=500)

    assert page.json["error"]["status"] == 500


def test_serialization_failure_is_retried_and_notifies_once(app, recorder, db):
    page = app.post("/recorder/flaky")

    assert page.text == "attempt 2"
    assert get_setting(db, "recorder.flaky") == "2"
    assert [name for name, _ in recorder.seen] == ["ticket_replied"]


def test_events_are_delivered_after_commit(app, recorder):
    app.post("/recorder/emit/ticket_created")

    assert recorder.seen == [("ticket_created", SAMPLE_EVENTS["ticket_created"])]


def test_disabled_plugin_receives_no_events(make_webapp, recorder):
    listener = EventLog()
    app = make_webapp(["portal", recorder, listener])
    set_plugin_enabled(app, "listener", False)
    app.post("/recorder/emit/chat_started")

    assert [n for n, _ in recorder.seen] == ["chat_started"]
    assert listener.seen == []


class _PgError(Exception):
    def __init__(self, sqlstate):
        super().__init__("pg")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("orig", "retry"),
    [
        (_PgError("40001"), True),  # serialization_failure
        (_PgError("40P01"), True),  # deadlock_detected
        (_PgError("23505"), False),  # unique_violation: retrying cannot help
        (sqlite3.OperationalError("database is locked"), True),
        (sqlite3.OperationalError("no such table: users"), False),
    ],
)
def test_retryable_database_errors(orig, retry):
    assert is_retryable_db_error(OperationalError("SELECT 1", {}, orig)) is retry


def test_non_database_errors_are_not_retried():
    assert not is_retryable_db_error(RuntimeError("database is locked"))
