"""Incoming mail: one message becomes a new ticket, a reply, or is ignored or quarantined.

Every mail is stored once (:class:`~frontdesk.db.mail.InboundMail`, unique digest of its
bytes) and processed in the same transaction as the ticket it opens or continues, so a
mail fetched or piped twice is processed once, and one that fails is kept in the
quarantine with its reason.

The rules, in order:

1. **Automatic mail** (RFC 3834 ``Auto-Submitted``, ``Precedence: bulk/list/junk``,
   ``X-Autoreply``/``X-Autorespond``, a null or ``MAILER-DAEMON`` sender, delivery
   reports, ``List-Id``) and mail from one of frontdesk's own addresses is ignored: it
   never opens a ticket nor triggers a notification.
2. **Rate limit**: more than ``mail.sender_limit_per_hour`` mails from one address in an
   hour are ignored.
3. **Threading**: the ticket is found by ``In-Reply-To``/``References`` (frontdesk's
   Message-IDs name the ticket) and else by the ``[#number]`` in the subject. The mail
   is appended **only** when its sender is the ticket's requester or an agent of its
   department (administrators too); otherwise it opens a new ticket for its sender, so a
   forged ``From`` never writes into someone else's conversation.
4. **New tickets** are opened for the sender's customer account (found by address);
   unknown senders get one (``mail.unknown_senders = open``, the default) or their mail
   is quarantined (``refuse``). ``mail.create_accounts`` (default on) decides whether
   such a new customer may later log in (set a password) or stays a contact only.
5. Attachments obey the portal's limits and types; a file refused is left out of the
   ticket and named at the end of the message (the mail is not quarantined for it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from frontdesk import settings as runtime_settings
from frontdesk.db.mail import InboundMail, InboundStatus, Mailbox
from frontdesk.db.meta import utcnow
from frontdesk.db.tickets import Ticket
from frontdesk.db.users import Department, User
from frontdesk.i18n import TranslationString, _
from frontdesk.i18n.messages import translate_now
from frontdesk.identity.accounts import ValidationError
from frontdesk.identity.contacts import accounts_with_email, requester_for_email
from frontdesk.jobs import JobContext, enqueue
from frontdesk.mail import threading
from frontdesk.mail.parsing import ParsedMail, parse, trim_reply
from frontdesk.plugin_platform import events
from frontdesk.plugin_platform.permissions import Role
from frontdesk.tickets import MAX_BODY, MAX_SUBJECT, add_message, create_ticket, find_ticket
from frontdesk.tickets.attachments import (
    Upload,
    UploadError,
    UploadPolicy,
    check_uploads,
    upload_policy,
)

log = logging.getLogger(__name__)

#: ``open`` (unknown senders open tickets) or ``refuse`` (their mail is quarantined).
UNKNOWN_SENDERS = "mail.unknown_senders"
#: New customers made from mail may log in later (else: contacts without a login).
CREATE_ACCOUNTS = "mail.create_accounts"
#: Mails one address may send per hour before the rest are ignored (0: no limit).
SENDER_LIMIT = "mail.sender_limit_per_hour"
DEFAULT_SENDER_LIMIT = 20

#: Why a mail was ignored or quarantined, for administrators.
REASONS: dict[str, TranslationString] = {
    "auto_submitted": _("An automatic reply (Auto-Submitted)."),
    "bulk": _("Bulk or list mail (Precedence)."),
    "autoreply": _("An automatic reply (X-Autoreply)."),
    "bounce": _("A bounce or delivery report (no sender to answer)."),
    "list": _("Mailing-list mail (List-Id)."),
    "own_address": _("Sent from one of the help desk's own addresses (a mail loop)."),
    "rate_limit": _("Too many mails from this sender within an hour."),
    "unknown_sender": _("The sender has no account, and unknown senders may not open tickets."),
    "blocked_sender": _("The sender's account is blocked."),
    "no_sender": _("The mail has no sender address."),
    "no_department": _("The department of this mailbox no longer exists or is inactive."),
    "invalid": _("The mail could not become a ticket."),
    "error": _("Processing failed with an unexpected error."),
}


@dataclass(frozen=True)
class Outcome:
    """What became of one mail: ``status`` is an :class:`~frontdesk.db.mail.InboundStatus`
    value, or ``duplicate`` (this mail was received before; nothing was done)."""

    status: str
    inbound_id: int
    ticket_id: int | None = None
    reason: str = ""


def digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def reason_text(row: InboundMail) -> TranslationString | str:
    """Why ``row`` was ignored or quarantined, for the administrators' pages."""
    return REASONS.get(row.reason, row.reason)


def store(db: Session, raw: bytes, *, department_id: int | None) -> tuple[InboundMail, bool]:
    """The mail's row, and whether it is new (a mail received before is not stored twice)."""
    key = digest(raw)
    if (existing := db.scalar(select(InboundMail).where(InboundMail.digest == key))) is not None:
        return existing, False
    parsed = parse(raw)
    row = InboundMail(
        digest=key,
        department_id=department_id,
        sender=parsed.sender[:254],
        subject=parsed.subject[:255],
        message_id=parsed.message_id,
        raw=raw,
        status=InboundStatus.PENDING.value,
    )
    try:
        with db.begin_nested():  # another process may store the same mail right now
            db.add(row)
            db.flush()
    except IntegrityError:
        existing = db.scalar(select(InboundMail).where(InboundMail.digest == key))
        if existing is None:
            raise
        return existing, False
    return row, True


def receive(ctx: JobContext, raw: bytes, *, department_id: int) -> Outcome:
    """Store and process one mail in the job's transaction (see the module's rules)."""
    row, new = store(ctx.db, raw, department_id=department_id)
    if not new and row.status != InboundStatus.PENDING:
        return Outcome("duplicate", row.id, row.ticket_id, row.reason)
    return process(ctx.db, ctx.settings, row, notify=ctx.emit)


def process(
    db: Session,
    settings: Mapping[str, Any],
    row: InboundMail,
    *,
    notify: Callable[[events.Event], None],
) -> Outcome:
    """Process a stored, pending mail; its status and the ticket change commit together.

    Events (new ticket, reply) go to ``notify`` only when the mail was processed; a mail
    that fails is quarantined with its reason and produces none. Database errors (a lock,
    a lost connection) are raised instead: the job runs again, the mail stays pending.
    """
    produced: list[events.Event] = []
    try:
        with db.begin_nested():
            status, reason, detail, ticket = _decide(db, settings, row, produced.append)
    except ValidationError as exc:
        status, reason, ticket = InboundStatus.QUARANTINED, "invalid", None
        detail = "; ".join(f"{k}: {translate_now(v)}" for k, v in exc.errors.items())
        produced.clear()
    except DBAPIError:
        raise  # the database's trouble, not the mail's: the job runs again
    except Exception as exc:  # kept in the quarantine with its reason, never lost
        log.exception("processing inbound mail %s failed", row.id)
        status, reason, ticket = InboundStatus.QUARANTINED, "error", None
        detail = f"{type(exc).__name__}: {exc}"
        produced.clear()
    row.status = status.value
    row.reason = reason
    row.detail = detail
    row.ticket_id = ticket.id if ticket is not None else None
    row.processed_at = utcnow()
    db.flush()
    for event in produced:
        notify(event)
    return Outcome(row.status, row.id, row.ticket_id, reason)


def _decide(
    db: Session,
    settings: Mapping[str, Any],
    row: InboundMail,
    notify: Callable[[events.Event], None],
) -> tuple[InboundStatus, str, str, Ticket | None]:
    mail = parse(row.raw)
    if mail.automatic:
        return InboundStatus.IGNORED, mail.automatic, "", None
    if not mail.sender or "@" not in mail.sender:
        return InboundStatus.QUARANTINED, "no_sender", "", None
    if _is_own_address(db, settings, mail.sender):
        return InboundStatus.IGNORED, "own_address", "", None
    if _over_rate_limit(db, settings, row):
        return InboundStatus.IGNORED, "rate_limit", mail.sender, None
    accounts = accounts_with_email(db, mail.sender)
    ticket = _thread(db, mail)
    body, uploads, policy = _body_and_files(db, settings, mail)
    if ticket is not None and (author := _authorised(ticket, accounts)) is not None:
        _without_refused_files(
            lambda files, text: add_message(
                db, ticket, author=author, body=text, uploads=files, policy=policy, notify=notify
            ),
            uploads,
            body,
        )
        return InboundStatus.REPLY, "", "", ticket
    department = db.get(Department, row.department_id) if row.department_id else None
    if department is None or not department.active:
        return InboundStatus.QUARANTINED, "no_department", "", None
    try:
        requester = _requester(db, settings, mail, accounts)
    except _Refused as refused:
        return InboundStatus.QUARANTINED, refused.reason, mail.sender, None
    ticket = _without_refused_files(
        lambda files, text: create_ticket(
            db,
            requester=requester,
            subject=_subject(mail.subject),
            body=text,
            department_id=department.id,
            uploads=files,
            policy=policy,
            notify=notify,
        ),
        uploads,
        body,
    )
    return InboundStatus.TICKET, "", "", ticket


def _is_own_address(db: Session, settings: Mapping[str, Any], sender: str) -> bool:
    own = {a.lower() for a in db.scalars(select(Mailbox.address))}
    default_from = str(settings.get("frontdesk.mail.from", ""))
    if "@" in default_from:
        own.add(default_from.rsplit("<", 1)[-1].strip(" >").lower())
    return sender in own


def _over_rate_limit(db: Session, settings: Mapping[str, Any], row: InboundMail) -> bool:
    limit = runtime_settings.get_int(db, settings, SENDER_LIMIT, DEFAULT_SENDER_LIMIT)
    if limit <= 0:
        return False
    since = utcnow() - dt.timedelta(hours=1)
    earlier = db.scalar(
        select(func.count(InboundMail.id)).where(
            InboundMail.sender == row.sender,
            InboundMail.received_at >= since,
            InboundMail.id < row.id,
            InboundMail.status != InboundStatus.IGNORED.value,
        )
    )
    return earlier >= limit


def _thread(db: Session, mail: ParsedMail) -> Ticket | None:
    """The ticket this mail answers: by its parents' Message-IDs, else the subject tag."""
    ticket = None
    for parent in mail.parents:
        if (ticket_id := threading.ticket_id_from_message_id(parent)) is not None:
            ticket = db.get(Ticket, ticket_id)
            if ticket is not None:
                break
    if ticket is None and (number := threading.number_from_subject(mail.subject)):
        ticket = find_ticket(db, number)
    seen = set()
    while ticket is not None and ticket.merged_into_id and ticket.id not in seen:
        seen.add(ticket.id)
        ticket = db.get(Ticket, ticket.merged_into_id)
    return ticket


def _authorised(ticket: Ticket, accounts: list[User]) -> User | None:
    """The account of the sender that may write into ``ticket``: its requester, or an
    active agent of its department, or an active administrator; else ``None``."""
    for user in accounts:
        if user.id == ticket.requester_id and (user.active or _is_contact(user)):
            return user
    for user in accounts:
        if not user.active:
            continue
        if user.role == Role.ADMINISTRATOR:
            return user
        if user.role == Role.AGENT and ticket.department in user.departments:
            return user
    return None


class _Refused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _is_contact(user: User) -> bool:
    """A customer made from mail with ``mail.create_accounts`` off: inactive, and never
    given a password (a blocked customer who had one stays refused)."""
    return user.role == Role.CUSTOMER and not user.active and not user.password_hash


def _requester(
    db: Session, settings: Mapping[str, Any], mail: ParsedMail, accounts: list[User]
) -> User:
    """Whom a new ticket from this sender belongs to (:class:`_Refused` when nobody)."""
    known = [u for u in accounts if u.active]
    if (customer := next((u for u in known if u.role == Role.CUSTOMER), None)) is not None:
        return customer
    if known:
        return known[0]
    if (contact := next((u for u in accounts if _is_contact(u)), None)) is not None:
        return contact
    if accounts:  # only blocked accounts use this address
        raise _Refused("blocked_sender")
    if runtime_settings.get_choice(db, settings, UNKNOWN_SENDERS, ("open", "refuse")) == "refuse":
        raise _Refused("unknown_sender")
    user = requester_for_email(db, name=mail.sender_name or mail.sender, email=mail.sender)
    if not runtime_settings.get_flag(db, settings, CREATE_ACCOUNTS, default=True):
        user.active = False
    return user


TAG = re.compile(r"\[#[^\]\s]+\]\s*")


def _subject(subject: str) -> str:
    cleaned = TAG.sub("", subject).strip() or translate_now(_("(no subject)"))
    return cleaned[:MAX_SUBJECT]


def _without_refused_files(
    save: Callable[[list[Upload], str], Any], uploads: list[Upload], body: str
) -> Any:
    """``save(uploads, body)``; when the files as a whole are refused (the sender's
    storage quota), save again without them, saying so at the end of the text."""
    try:
        return save(uploads, body)
    except ValidationError as exc:
        if not uploads or set(exc.errors) != {"attachments"}:
            raise
        note = translate_now(exc.errors["attachments"])
        return save([], f"{body}\n\n---\n- {note}"[:MAX_BODY])


def _body_and_files(
    db: Session, settings: Mapping[str, Any], mail: ParsedMail
) -> tuple[str, list[Upload], UploadPolicy]:
    policy = upload_policy(db, settings)
    kept: list[Upload] = []
    notes: list[str] = []
    for file in mail.files:
        upload = Upload(filename=file.filename, data=file.data)
        if len(kept) >= policy.max_files:
            notes.append(
                translate_now(
                    _(
                        "${name}: not attached (at most ${count} files).",
                        mapping={"name": file.filename, "count": policy.max_files},
                    )
                )
            )
            continue
        try:
            kept.extend(check_uploads([upload], policy))
        except UploadError as exc:
            notes.append(translate_now(exc.message))
    body = trim_reply(mail.text) or translate_now(_("(This mail had no text.)"))
    if notes:
        body += "\n\n---\n" + "\n".join(f"- {n}" for n in notes)
    return body[:MAX_BODY], kept, policy


def list_quarantine(db: Session, limit: int = 50) -> list[InboundMail]:
    """Quarantined mails, newest first."""
    return list(
        db.scalars(
            select(InboundMail)
            .where(InboundMail.status == InboundStatus.QUARANTINED.value)
            .order_by(InboundMail.received_at.desc(), InboundMail.id.desc())
            .limit(limit)
        )
    )


def retry_inbound(db: Session, inbound_id: int) -> bool:
    """Process a quarantined mail again (job ``mail.receive``, after this transaction
    commits); ``False`` when it is not in the quarantine."""
    row = db.get(InboundMail, inbound_id)
    if row is None or row.status != InboundStatus.QUARANTINED:
        return False
    row.status = InboundStatus.PENDING.value
    row.reason = ""
    row.detail = ""
    db.flush()
    key = f"mail.receive:{row.digest}:{utcnow().timestamp()}"
    enqueue(db, "mail.receive", {"inbound_id": row.id}, key=key)
    return True


def discard_inbound(db: Session, inbound_id: int) -> bool:
    """Leave a quarantined mail unprocessed for good (the row stays, so the same mail
    fetched again is not processed either); ``False`` when it is not in the quarantine."""
    row = db.get(InboundMail, inbound_id)
    if row is None or row.status != InboundStatus.QUARANTINED:
        return False
    row.status = InboundStatus.DISCARDED.value
    row.processed_at = utcnow()
    db.flush()
    return True
