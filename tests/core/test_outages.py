"""A database that is locked too long or down: a clean 503 with Retry-After, through a
real waitress server, and nothing half-written."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from sqlalchemy import func, select

from frontdesk.app import make_app
from frontdesk.db.session import engine_from_settings
from frontdesk.db.tickets import Ticket, TicketMessage
from frontdesk.db.users import Department
from frontdesk.identity.accounts import create_user
from frontdesk.testing import TEST_SETTINGS
from tests.clients import Client
from tests.servers import free_port, threaded_server

JSON = {"Accept": "application/json"}


def assert_unavailable(reply: Any) -> None:
    assert reply.status == 503
    assert reply.headers["Retry-After"] == "5"
    assert "Temporarily unavailable" in reply.text
    assert "Traceback" not in reply.text and "sqlite3" not in reply.text


@pytest.fixture
def department(commit) -> int:
    with commit() as db:
        support = Department(name="Support")
        db.add(support)
        create_user(db, username="casey", role="customer", password="casey-password")
        db.flush()
        return support.id


def test_write_lock_held_past_the_busy_timeout_answers_503_and_saves_nothing(
    engine, department, commit
):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite locks the whole database; PostgreSQL locks rows")
    url = engine.url.render_as_string(hide_password=False)
    impatient = engine_from_settings(
        {"sqlalchemy.url": url, "frontdesk.sqlite.busy_timeout": "0.3"}
    )
    app = make_app(TEST_SETTINGS, plugins=["portal"], engine=impatient)
    ticket = {"department": str(department), "subject": "Locked out", "body": "Help"}
    with threaded_server(app) as base:
        client = Client(base)
        assert client.login("casey", "casey-password").status == 303
        ticket["csrf_token"] = client.csrf_token("/tickets/new")

        other_process = sqlite3.connect(engine.url.database, isolation_level=None)
        other_process.execute("BEGIN IMMEDIATE")  # holds the write lock
        try:
            assert_unavailable(client.post("/tickets/new", ticket))
            reply = client.post("/tickets/new", ticket, headers=JSON)
            assert reply.status == 503 and reply.headers["Retry-After"] == "5"
            assert reply.json()["error"]["title"] == "Temporarily unavailable"
            assert client.get("/tickets/").status == 200  # readers are not held up
        finally:
            other_process.execute("ROLLBACK")
            other_process.close()

        assert client.post("/tickets/new", ticket).status == 303
    impatient.dispose()
    with commit() as db:
        assert db.scalar(select(func.count(Ticket.id))) == 1
        assert db.scalar(select(func.count(TicketMessage.id))) == 1


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_database_down_answers_503_and_readiness_fails_while_liveness_holds(backend, tmp_path):
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path}"  # a directory: "unable to open database file"
    else:
        url = f"postgresql+psycopg://frontdesk@127.0.0.1:{free_port()}/frontdesk"  # nobody
    app = make_app({**TEST_SETTINGS, "sqlalchemy.url": url}, plugins=["portal"])
    with threaded_server(app) as base:
        client = Client(base)

        assert_unavailable(client.get("/"))
        assert_unavailable(client.post("/login", {"username": "casey", "password": "x"}))
        reply = client.get("/tickets/", headers=JSON)
        assert reply.status == 503 and reply.headers["Retry-After"] == "5"
        assert reply.json()["error"]["status"] == 503

        assert client.get("/healthz").status == 200
        ready = client.get("/readyz")
        assert ready.status == 503 and ready.headers["Retry-After"] == "5"
        assert "the database cannot be reached" in ready.text
    app.registry["dbengine"].dispose()
