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


def test_contention_outlasting_the_retries_answers_503_with_retry_after(app, recorder, db):
    page = app.post("/recorder/always-busy", status=503)

    assert recorder.attempts == 3  # retry.attempts
    assert page.headers["Retry-After"] == "5"
    assert "try again in a few seconds" in page.text
    assert "Traceback" not in page.text and "UPDATE" not in page.text
    assert get_setting(db, "recorder.busy") is None


def test_database_locked_at_commit_is_retried(app, recorder, db):
    recorder.failing_commits = 2

    app.post("/recorder/emit/ticket_created", status=200)

    assert recorder.failing_commits == 0
    assert [name for name, _ in recorder.seen] == ["ticket_created"]  # once, after commit


def test_database_locked_at_every_commit_answers_503_not_the_servers_500(app, recorder, db):
    recorder.failing_commits = 3

    page = app.post("/recorder/flash/1", headers={"Accept": "application/json"}, status=503)

    assert page.headers["Retry-After"] == "5"
    assert page.json["error"]["title"] == "Temporarily unavailable"
    assert "Set-Cookie" not in page.headers  # the failed attempt's flash is not delivered
    assert get_setting(db, "recorder.flashed") is None


def test_committed_request_never_reports_failure_however_many_messages_pile_up(app, db):
    # A client that does not follow redirects: every answer queues more messages.
    for _ in range(5):
        app.post("/recorder/flash/20", status=303)

    assert get_setting(db, "recorder.flashed") == "20"
    assert all(len(cookie.value) < 4000 for cookie in app.cookiejar)
    shown = [p.text for p in app.get("/").html.select(".flash")]
    assert len(shown) == 4  # the newest ones, shortened
    assert shown[-1].startswith("Message 19: xxx") and len(shown[-1]) <= 200
