"""The job outbox: every background job is a row written in the caller's transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.meta import Base, utcnow

#: The states of an outbox entry, in the order they are usually passed through.
JOB_STATUSES = ("pending", "queued", "running", "done", "failed")


class OutboxEntry(Base):
    """One background job: written with the change that asks for it, then run by a worker.

    ``pending`` rows are committed but not yet handed to the queue, ``queued`` ones were
    pushed, ``running`` ones are claimed by a worker until ``locked_until``, ``done`` ones
    committed their work, ``failed`` ones used up their retries (``last_error`` says why).
    """

    __tablename__ = "job_outbox"
    __table_args__ = (Index("ix_job_outbox_status_run_after", "status", "run_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The job's name, e.g. ``mail.send``.
    name: Mapped[str] = mapped_column(String(200), index=True)
    #: The idempotency key: a second entry with the same key is never written.
    key: Mapped[str | None] = mapped_column(String(255), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: Not before this moment (a delay, or the backoff before the next attempt).
    run_after: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: While ``running``: the worker's claim expires then (it died if still running).
    locked_until: Mapped[dt.datetime | None] = mapped_column()
    #: While ``running``: which worker claimed it (``host:pid``).
    locked_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    done_at: Mapped[dt.datetime | None] = mapped_column()

    def __repr__(self) -> str:
        return f"<OutboxEntry {self.id} {self.name} {self.status}>"
