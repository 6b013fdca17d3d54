"""Queueing and sending mail, exactly once per key, and the outgoing log.

:func:`queue_mail` writes an ``outgoing_mails`` row and enqueues the ``mail.send`` job in
the caller's transaction: a request that rolls back sends nothing. The job
(:func:`send_job`) translates the mail into the recipient's language and hands it to the
transport.

Exactly once, and why this is as close as SMTP allows
----------------------------------------------------
The job may run more than once for one mail: the queue retries a job that raised, and
re-runs one whose worker died. So the row, not the job, says what happened:

1. In its own short transaction, committed before anything leaves, the job locks the row
   (``SELECT ... FOR UPDATE``; SQLite takes its write lock), returns at once if it is
   ``sent``, else marks it ``sending``, counts the attempt and fixes the Message-ID.
2. It runs the SMTP transaction.
3. In another short transaction it marks the row ``sent``. If the server refused or could
   not be reached, it records the reason (``retrying``, or ``failed`` on the last attempt)
   and raises, so the queue retries with backoff.

A retry of a mail marked ``sent`` does nothing: no duplicate. A worker that died before
step 2 finished left ``sending`` behind and the server never accepted the mail, so the
next run sends it. The one case no client can settle is a worker dying in the instant
between the server's "250 accepted" and the commit of step 3: SMTP has no way to ask
"did you get it?", so the mail is sent again, with the same Message-ID, which mail
clients use to show it once. Marking ``sent`` before the transaction instead would lose
mail in the much larger window of a failed connection; we prefer the harmless duplicate.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.db.meta import utcnow
from frontdesk.db.outgoing import OutgoingMail
from frontdesk.db.session import writing
from frontdesk.i18n import SOURCE_LOCALE, TranslationString, _, default_locale
from frontdesk.jobs import JobContext, enqueue
from frontdesk.mail import messages
from frontdesk.mail.threading import make_message_id
from frontdesk.mail.transport import transport_for

log = logging.getLogger(__name__)

__all__ = [
    "SEND_JOB",
    "LogEntry",
    "mail_domain",
    "outgoing_log",
    "queue_mail",
    "send_job",
    "send_test_mail",
]

#: The job that sends one queued mail.
SEND_JOB = "mail.send"
#: Retries before a mail counts as failed (the ``mail.send`` job's ``retries``).
SEND_RETRIES = 5

QUEUED, SENDING, SENT, RETRYING, FAILED = "queued", "sending", "sent", "retrying", "failed"

DEFAULT_SENDER = "frontdesk <frontdesk@localhost>"

TEST_SUBJECT = _("Test mail from your help desk")
TEST_BODY = _("This is a test mail. If you can read it, your help desk can send e-mail.")


def queue_mail(
    db: Session,
    *,
    to: str,
    subject: TranslationString | str,
    body: TranslationString | str | Sequence[Any],
    locale: str | None,
    key: str,
    department_id: int | None = None,
    reply_to: str | None = None,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    message_id: str | None = None,
) -> None:
    """Send a mail once ``db``'s transaction commits, at most once per ``key``.

    ``subject`` and ``body`` are translation strings (or text), translated into
    ``locale`` (``None``: the default language) when the mail is sent; ``body`` may also
    be a list of parts, shown as paragraphs. From and Reply-To come from the department's
    mailbox, else ``frontdesk.mail.from``.
    """
    if db.scalar(select(OutgoingMail.id).where(OutgoingMail.key == key)) is not None:
        return
    row = OutgoingMail(
        key=key,
        to_address=messages.header_text(to),
        subject=messages.header_text(messages.translated(subject, _interpolate))[:400],
        locale=locale,
        department_id=department_id,
        message_id=message_id,
        status=QUEUED,
        payload={
            "subject": messages.dump(subject),
            "body": messages.dump(body),
            "reply_to": reply_to,
            "in_reply_to": in_reply_to,
            "references": list(references),
        },
    )
    db.add(row)
    db.flush()
    enqueue(db, SEND_JOB, {"key": key}, key=f"{SEND_JOB}:{key}")


def _interpolate(value: TranslationString) -> str:
    return value.interpolate()


def mail_domain(settings: Mapping[str, Any]) -> str:
    """The domain in Message-IDs: ``frontdesk.mail.domain``, else the public URL's host,
    else the default sender's domain."""
    configured = str(settings.get("frontdesk.mail.domain", "") or "").strip()
    if configured:
        return configured
    public = str(settings.get("frontdesk.public_url", "") or "").strip()
    host = urlsplit(public).hostname if public else None
    if host:
        return host
    return messages.domain_of(str(settings.get("frontdesk.mail.from", ""))) or "frontdesk.invalid"


def default_sender(settings: Mapping[str, Any]) -> str:
    """``frontdesk.mail.from``, the sender of mail that no department sends."""
    return str(settings.get("frontdesk.mail.from", "") or "").strip() or DEFAULT_SENDER


def _department_address(db: Session, department_id: int | None) -> str | None:
    if department_id is None:
        return None
    try:  # the mailboxes (incoming side) may not be installed in this build
        from frontdesk.mail.mailboxes import address_for_department
    except ImportError:
        return None
    return address_for_department(db, department_id)


def locale_for(db: Session, settings: Mapping[str, Any], chosen: str | None) -> str:
    """``chosen`` when set, else the installation's default language."""
    if chosen:
        return chosen
    # default_locale reads the run-time setting through a request's session and registry.
    shim = SimpleNamespace(dbsession=db, registry=SimpleNamespace(settings=settings))
    return default_locale(shim) or SOURCE_LOCALE  # type: ignore[arg-type]


def job_session(ctx: JobContext) -> Session:
    """A session of the job's own that writes (on SQLite it takes the write lock when it
    begins, so it never fails to upgrade a read lock while a worker thread writes)."""
    return Session(bind=writing(ctx.engine), expire_on_commit=False)


def send_job(ctx: JobContext, payload: dict[str, Any]) -> None:
    """The ``mail.send`` job: send the mail queued under ``payload["key"]`` once."""
    key = str(payload["key"])
    settings = ctx.settings
    with job_session(ctx) as db, db.begin():
        row = db.scalars(
            select(OutgoingMail).where(OutgoingMail.key == key).with_for_update()
        ).one_or_none()
        if row is None or row.status == SENT:
            return
        data = row.payload or {}
        locale = locale_for(db, settings, row.locale)
        localizer = ctx.localizer(locale)
        subject = messages.translated(messages.load(data.get("subject")), localizer.translate)
        address = _department_address(db, row.department_id)
        sender = address or default_sender(settings)
        row.message_id = row.message_id or make_message_id(
            ticket_id=0, part="mail", domain=mail_domain(settings)
        )
        message = messages.render(
            sender=sender,
            to=row.to_address,
            subject=subject,
            body=messages.load(data.get("body")),
            translate=localizer.translate,
            lang=locale,
            message_id=row.message_id,
            reply_to=data.get("reply_to") or address,
            in_reply_to=data.get("in_reply_to"),
            references=data.get("references") or (),
        )
        row.subject = messages.header_text(subject)[:400]
        row.status = SENDING
        row.attempts += 1
        row.updated_at = utcnow()
        attempt = row.attempts
    try:
        transport_for(settings).send(
            message,
            sender=messages.address_of(sender) or messages.address_of(DEFAULT_SENDER),
            recipients=[messages.address_of(row.to_address) or row.to_address],
        )
    except Exception as error:
        final = ctx.attempt > SEND_RETRIES
        _finish(ctx, key, FAILED if final else RETRYING, f"{type(error).__name__}: {error}")
        log.warning("mail %s to %s not sent (attempt %d): %s", key, row.to_address, attempt, error)
        raise
    _finish(ctx, key, SENT, None)


def _finish(ctx: JobContext, key: str, status: str, error: str | None) -> None:
    with job_session(ctx) as db, db.begin():
        row = db.scalars(select(OutgoingMail).where(OutgoingMail.key == key)).one()
        row.status = status
        row.last_error = error[:2000] if error else row.last_error
        row.updated_at = utcnow()
        if status == SENT:
            row.sent_at = row.updated_at


@dataclass(frozen=True)
class LogEntry:
    """One line of the outgoing log. :ivar status: ``queued``, ``sending``, ``sent``,
    ``retrying`` or ``failed``; :ivar error: the last failure's reason, or ``None``."""

    id: int
    to: str
    subject: str
    status: str
    error: str | None
    attempts: int
    time: dt.datetime


def outgoing_log(db: Session, limit: int = 50) -> list[LogEntry]:
    """The latest mails, newest first, with their status and last error."""
    rows = db.scalars(
        select(OutgoingMail)
        .order_by(OutgoingMail.created_at.desc(), OutgoingMail.id.desc())
        .limit(limit)
    ).all()
    return [
        LogEntry(
            id=row.id,
            to=row.to_address,
            subject=row.subject,
            status=row.status,
            error=row.last_error,
            attempts=row.attempts,
            time=row.sent_at or row.updated_at,
        )
        for row in rows
    ]


def send_test_mail(db: Session, to: str, locale: str | None) -> str:
    """Queue a test mail to ``to`` (sent after commit); returns its key."""
    key = f"test:{uuid.uuid4().hex}"
    queue_mail(db, to=to, subject=TEST_SUBJECT, body=TEST_BODY, locale=locale, key=key)
    return key
