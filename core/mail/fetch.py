"""The periodic IMAP fetch (job ``mail.fetch``) and the MTA pipe (job ``mail.receive``).

Exactly once, never lost: a fetch run stores each new message (unique digest) and turns
it into a ticket, a reply or a quarantine entry in the job's transaction; the IMAP
message is deleted only by a *later* run, once that transaction committed — a follow-up
run is enqueued for it, and it is pushed only after the commit. A message whose digest is
already processed is deleted without being processed again, so a process killed between
the commit and the delete processes nothing twice.
"""

from __future__ import annotations

import imaplib
import logging
import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.db.mail import InboundMail, InboundStatus, Mailbox
from frontdesk.db.meta import utcnow
from frontdesk.mail import inbound
from frontdesk.mail.mailboxes import connect, decrypt_password, disconnect

if TYPE_CHECKING:
    from frontdesk.jobs import JobContext

log = logging.getLogger(__name__)

FETCH = "mail.fetch"
RECEIVE = "mail.receive"
#: Every two minutes; an administrator's mailbox change is picked up on the next run.
SCHEDULE = "*/2 * * * *"
#: Messages processed per mailbox and run (the rest wait for the next run).
BATCH = 50
_UID = re.compile(rb"UID (\d+)")


def fetch_job(ctx: JobContext, payload: dict[str, Any]) -> None:
    """``mail.fetch``: every active mailbox with a server, or ``payload["mailbox_id"]``."""
    query = select(Mailbox).where(Mailbox.active.is_(True), Mailbox.imap_host != "")
    if payload.get("mailbox_id"):
        query = query.where(Mailbox.id == int(payload["mailbox_id"]))
    for mailbox in ctx.db.scalars(query).all():
        processed = fetch_mailbox(ctx, mailbox)
        if processed:
            # Deletes what this run processed, once this run's transaction committed.
            ctx.enqueue(FETCH, {"mailbox_id": mailbox.id})


def fetch_mailbox(ctx: JobContext, mailbox: Mailbox) -> int:
    """Process the mailbox's new messages; delete those processed by earlier runs.
    Returns how many were processed now."""
    mailbox.last_checked_at = utcnow()
    try:
        conn = connect(mailbox, decrypt_password(ctx.settings, mailbox))
    except (OSError, imaplib.IMAP4.error) as exc:
        mailbox.last_error = f"{type(exc).__name__}: {exc}"
        log.warning("mailbox %s: %s", mailbox.address, mailbox.last_error)
        return 0
    processed = 0
    try:
        done: list[bytes] = []
        for uid in _uids(conn)[: BATCH * 4]:
            raw = _fetch(conn, uid)
            if raw is None:
                continue
            if _already_processed(ctx.db, raw):
                done.append(uid)
                continue
            if processed >= BATCH:
                continue
            inbound.receive(ctx, raw, department_id=mailbox.department_id)
            processed += 1
        if done:
            _delete(conn, done)
        mailbox.last_error = None
    except (OSError, imaplib.IMAP4.error) as exc:
        mailbox.last_error = f"{type(exc).__name__}: {exc}"
        log.warning("mailbox %s: %s", mailbox.address, mailbox.last_error)
    finally:
        disconnect(conn)
    return processed


def _uids(conn: imaplib.IMAP4) -> list[bytes]:
    status, data = conn.uid("SEARCH", None, "UNDELETED")
    if status != "OK" or not data or not data[0]:
        return []
    return data[0].split()


def _fetch(conn: imaplib.IMAP4, uid: bytes) -> bytes | None:
    status, data = conn.uid("FETCH", uid, "(BODY.PEEK[])")
    if status != "OK":
        return None
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def _delete(conn: imaplib.IMAP4, uids: list[bytes]) -> None:
    conn.uid("STORE", b",".join(uids), "+FLAGS.SILENT", r"(\Deleted)")
    conn.expunge()


def _already_processed(db: Session, raw: bytes) -> bool:
    status = db.scalar(select(InboundMail.status).where(InboundMail.digest == inbound.digest(raw)))
    return status is not None and status != InboundStatus.PENDING


def receive_job(ctx: JobContext, payload: dict[str, Any]) -> None:
    """``mail.receive``: process a mail the MTA pipe stored (``payload["inbound_id"]``)."""
    row = ctx.db.get(InboundMail, int(payload["inbound_id"]))
    if row is None or row.status != InboundStatus.PENDING:
        return
    inbound.process(ctx.db, ctx.settings, row, notify=ctx.emit)


def jobs() -> list[Any]:
    """The incoming side's jobs, for core's ``frontdesk_jobs`` hook."""
    from frontdesk.jobs import Job

    return [
        Job(FETCH, fetch_job, retries=3, retry_delay=60, periodic=SCHEDULE),
        Job(RECEIVE, receive_job, retries=5, retry_delay=30),
    ]
