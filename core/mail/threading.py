"""Threading helpers: Message-IDs that name their ticket, and the ``[#number]`` subject tag.

Every mail frontdesk sends about a ticket gets a Message-ID that carries the ticket's id
(``<frontdesk.t42.m7.Xyz@help.example>``), and its subject carries the ticket's number
(``[#1042] Printer on fire``). Mail clients thread replies by ``In-Reply-To`` and
``References``; the incoming side (``frontdesk.mail.inbound``) finds the ticket a reply
belongs to from the same two places.
"""

from __future__ import annotations

import re
import secrets

__all__ = [
    "make_message_id",
    "number_from_subject",
    "subject_tag",
    "ticket_id_from_message_id",
    "ticket_thread_id",
]

_PART = re.compile(r"[^A-Za-z0-9_-]+")
_MESSAGE_ID = re.compile(r"<?frontdesk\.t(\d{1,18})\.[^@<>\s]*@[^<>\s]+>?", re.IGNORECASE)
_SUBJECT_TAG = re.compile(r"\[#(\d{1,18})\]")


def _clean_domain(domain: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9.-]+", "", domain).strip(".-")
    return cleaned or "frontdesk.invalid"


def make_message_id(*, ticket_id: int, part: str, domain: str) -> str:
    """A new, unique Message-ID for a mail about ticket ``ticket_id``.

    ``part`` says what the mail is about (``"m7"`` for message 7, ``"received"``...);
    a random tail keeps two mails about the same thing apart. Example:
    ``<frontdesk.t42.m7.3f9Kq2@help.example>``.
    """
    safe_part = _PART.sub("-", part).strip("-") or "x"
    tail = secrets.token_urlsafe(9)
    return f"<frontdesk.t{int(ticket_id)}.{safe_part}.{tail}@{_clean_domain(domain)}>"


def ticket_thread_id(*, ticket_id: int, domain: str) -> str:
    """The fixed Message-ID of a ticket's thread root: every mail about the ticket names it
    in ``References`` so mail clients keep the conversation together even when the
    first mail was never seen."""
    return f"<frontdesk.t{int(ticket_id)}.thread@{_clean_domain(domain)}>"


def ticket_id_from_message_id(value: str) -> int | None:
    """The ticket id inside a Message-ID made by :func:`make_message_id` (or
    :func:`ticket_thread_id`), or ``None`` when ``value`` is not one of ours.

    ``value`` may hold several ids (a ``References`` header); the first of ours counts.
    """
    if not value:
        return None
    match = _MESSAGE_ID.search(value)
    return int(match.group(1)) if match else None


def subject_tag(number: str) -> str:
    """The tag that marks a subject as being about ticket ``number``: ``[#1042]``."""
    return f"[#{number}]"


def number_from_subject(subject: str) -> str | None:
    """The ticket number in a subject's ``[#1042]`` tag (the first one), or ``None``."""
    if not subject:
        return None
    match = _SUBJECT_TAG.search(subject)
    return match.group(1) if match else None
