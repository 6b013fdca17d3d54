"""A test plugin that records events and writes/raises on demand, to observe transactions."""

from __future__ import annotations

import datetime as dt
import sqlite3

from pyramid.config import Configurator
from pyramid.events import ContextFound
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response
from sqlalchemy.exc import OperationalError

from frontdesk import PUBLIC, Edition, License, LicenseRefusal, PluginInfo, hookimpl
from frontdesk import events as ev
from frontdesk.db.state import set_setting


class EventLog:
    """A plugin instance that keeps a log of the events it was handed."""

    def __init__(self, name: str = "listener") -> None:
        self.PLUGIN = PluginInfo(name=name, title=name.capitalize())
        self.seen: list[tuple[str, ev.Event]] = []

    def _record(self, name: str, event: ev.Event) -> None:
        self.seen.append((name, event))


class Recorder(EventLog):
    """Also writes, emits and fails on request, and reads test license keys."""

    def __init__(self) -> None:
        super().__init__("recorder")
        self.attempts = 0
        #: How many of the next requests (attempts) fail at COMMIT, as on a locked database.
        self.failing_commits = 0

    @hookimpl
    def frontdesk_configure(self, config: Configurator) -> None:
        config.add_route("recorder.write_then_fail", "/recorder/write-then-fail")
        config.add_route("recorder.emit", "/recorder/emit/{kind}")
        config.add_route("recorder.flaky", "/recorder/flaky")
        config.add_view(
            self.write_then_fail,
            route_name="recorder.write_then_fail",
            request_method="POST",
            require_csrf=False,
            permission=PUBLIC,
        )
        config.add_view(
            self.emit,
            route_name="recorder.emit",
            renderer="string",
            request_method="POST",
            require_csrf=False,
            permission=PUBLIC,
        )
        config.add_view(
            self.flaky,
            route_name="recorder.flaky",
            renderer="string",
            request_method="POST",
            require_csrf=False,
            permission=PUBLIC,
        )
        config.add_route("recorder.always_busy", "/recorder/always-busy")
        config.add_view(
            self.always_busy,
            route_name="recorder.always_busy",
            renderer="string",
            request_method="POST",
            require_csrf=False,
            permission=PUBLIC,
        )
        config.add_route("recorder.flash", "/recorder/flash/{count}")
        config.add_view(
            self.flash,
            route_name="recorder.flash",
            request_method="POST",
            require_csrf=False,
            permission=PUBLIC,
        )
        config.add_subscriber(self.maybe_fail_commit, ContextFound)

    def write_then_fail(self, request: Request) -> None:
        set_setting(request.dbsession, "recorder.written", "yes")
        request.dbsession.flush()
        ev.emit(request, SAMPLE_EVENTS["ticket_created"])
        raise RuntimeError("boom after writing")

    def emit(self, request: Request) -> str:
        ev.emit(request, SAMPLE_EVENTS[request.matchdict["kind"]])
        return "emitted"

    def flaky(self, request: Request) -> str:
        """Write, emit, then fail like a serialization failure on the first attempt only."""
        self.attempts += 1
        set_setting(request.dbsession, "recorder.flaky", str(self.attempts))
        ev.emit(request, SAMPLE_EVENTS["ticket_replied"])
        if self.attempts == 1:
            raise OperationalError("UPDATE ...", {}, _FakeSerializationFailure())
        return f"attempt {self.attempts}"

    def always_busy(self, request: Request) -> str:
        """Write, then fail like a serialization failure on every attempt."""
        self.attempts += 1
        set_setting(request.dbsession, "recorder.busy", str(self.attempts))
        raise OperationalError("UPDATE ...", {}, _FakeSerializationFailure())

    def flash(self, request: Request) -> Response:
        """Write, queue ``count`` long flash messages and redirect (they pile up in the
        session cookie of a client that does not follow redirects)."""
        set_setting(request.dbsession, "recorder.flashed", request.matchdict["count"])
        for number in range(int(request.matchdict["count"])):
            request.session.flash(f"Message {number}: " + "x" * 1000, "success")
        return HTTPSeeOther(request.application_url + "/")

    def maybe_fail_commit(self, event: ContextFound) -> None:
        if self.failing_commits > 0:
            self.failing_commits -= 1
            event.request.tm.get().join(_LockedAtCommit())

    @hookimpl
    def frontdesk_verify_license(
        self, key: str, trusted_keys: dict
    ) -> License | LicenseRefusal | None:
        if key == "TEST-ENTERPRISE":
            return License(
                license_id="t-1",
                licensee="Test Co",
                edition=Edition.ENTERPRISE,
                seats=5,
                issued=dt.date(2026, 1, 1),
                expires=dt.date(2999, 1, 1),
            )
        if key == "TEST-EXPIRED":
            return License(
                license_id="t-2",
                licensee="Test Co",
                edition=Edition.ENTERPRISE,
                seats=5,
                issued=dt.date(2020, 1, 1),
                expires=dt.date(2020, 12, 31),
            )
        if key.startswith("TEST-"):
            return LicenseRefusal(reason="the signature does not match")
        return None


class _FakeSerializationFailure(Exception):
    sqlstate = "40001"


class _LockedAtCommit:
    """A resource that fails the transaction's vote as SQLite's COMMIT fails on a locked
    database (before the database commits: every resource is rolled back)."""

    def sortKey(self) -> str:
        return "!recorder"  # votes before the database session

    def tpc_vote(self, _txn: object) -> None:
        raise OperationalError("COMMIT", {}, sqlite3.OperationalError("database is locked"))

    def abort(self, _txn: object) -> None: ...
    def tpc_begin(self, _txn: object) -> None: ...
    def commit(self, _txn: object) -> None: ...
    def tpc_finish(self, _txn: object) -> None: ...
    def tpc_abort(self, _txn: object) -> None: ...


def _hook(name: str):
    @hookimpl
    def impl(self, event: ev.Event) -> None:
        self._record(name, event)

    impl.__name__ = f"frontdesk_{name}"
    return impl


_TICKET = ev.TicketSnapshot(
    id=1,
    number="1001",
    subject="Printer on fire",
    status="open",
    priority="normal",
    department_id=None,
    department_name=None,
    requester=None,
    assignee=None,
    created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    updated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
)
SAMPLE_EVENTS: dict[str, ev.Event] = {
    "ticket_created": ev.TicketCreated(ticket=_TICKET),
    "ticket_replied": ev.TicketReplied(ticket=_TICKET, message_id=7, author=None, kind="agent"),
    "ticket_status_changed": ev.TicketStatusChanged(
        ticket=_TICKET, old_status="open", new_status="closed", changed_by=None
    ),
    "ticket_assigned": ev.TicketAssigned(
        ticket=_TICKET,
        old_assignee=None,
        new_assignee=ev.Person(id=3, name="Alex Agent", email=None),
        changed_by=None,
    ),
    "chat_started": ev.ChatStarted(chat_id=4, customer_id=None, department_id=None),
    "chat_message": ev.ChatMessage(chat_id=4, message_id=9, author_id=None),
    "chat_ended": ev.ChatEnded(chat_id=4, ended_by=None),
    "article_published": ev.ArticlePublished(article_id=2, title="Resetting a password"),
    "user_logged_in": ev.UserLoggedIn(user_id=5, interface="portal"),
}

for _name in SAMPLE_EVENTS:
    setattr(EventLog, f"frontdesk_{_name}", _hook(_name))
