"""Reading incoming mail: headers, the text of the message, its attachments.

Mail from the wild is often broken, so nothing here raises on bad input: unknown or
wrong charsets are decoded with replacement characters, undecodable headers fall back to
their raw text, and a message whose MIME structure is damaged still yields whatever text
can be found. HTML-only mail becomes plain text (:func:`html_to_text`: tags dropped,
scripts and styles with their content, blocks and line breaks kept as lines), and quoted
history and signatures are trimmed from replies (:func:`trim_reply`, with the
``mail-parser-reply`` library, which knows the quote headers of many mail clients and
languages).
"""

from __future__ import annotations

import email
import email.policy
import html
import re
from dataclasses import dataclass, field
from email.message import Message
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

#: Headers that mark automatic mail (RFC 3834 and the common non-standard ones).
AUTOREPLY_HEADERS = ("x-autoreply", "x-autorespond", "x-auto-response-suppress")
BULK_PRECEDENCE = {"bulk", "list", "junk", "auto_reply"}
#: Local parts of senders that are mail systems (bounces), never people.
NULL_SENDERS = {"mailer-daemon", "postmaster"}
#: Message-IDs look like ``<left@right>``; anything else in the headers is ignored.
MESSAGE_ID = re.compile(r"<[^<>\s]+>")


@dataclass(frozen=True)
class MailFile:
    filename: str
    data: bytes


@dataclass
class ParsedMail:
    """What frontdesk uses of one message."""

    sender: str = ""
    sender_name: str = ""
    subject: str = ""
    message_id: str = ""
    #: In-Reply-To first, then References from the newest.
    parents: list[str] = field(default_factory=list)
    text: str = ""
    files: list[MailFile] = field(default_factory=list)
    #: Why this is automatic mail (a reason code), or ``""``.
    automatic: str = ""
    #: Problems met while reading (for administrators).
    defects: list[str] = field(default_factory=list)


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:
        raw = msg.get_all(name, failobj=[]) if hasattr(msg, "get_all") else []
        value = raw[0] if raw else None
    if value is None:
        return ""
    return " ".join(str(value).split())


def _decode(payload: bytes, charset: str | None) -> str:
    for candidate in (charset, "utf-8"):
        if not candidate:
            continue
        try:
            return payload.decode(candidate, "replace")
        except (LookupError, ValueError):
            continue
    return payload.decode("latin-1")


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return _decode(payload, part.get_content_charset())


def automatic_reason(msg: Message, sender: str) -> str:
    """Why ``msg`` is automatic mail that must never open tickets, or ``""``."""
    auto = _header(msg, "auto-submitted").lower()
    if auto and auto != "no":
        return "auto_submitted"
    if _header(msg, "precedence").lower() in BULK_PRECEDENCE:
        return "bulk"
    if any(_header(msg, name) for name in AUTOREPLY_HEADERS[:2]):
        return "autoreply"
    if _header(msg, "x-auto-response-suppress").lower() in {"all", "oof", "autoreply"}:
        return "autoreply"
    local = sender.rsplit("@", 1)[0].lower()
    if local in NULL_SENDERS or _header(msg, "from").strip() == "<>":
        return "bounce"
    return_path = _header(msg, "return-path")
    if return_path and return_path.strip() in {"<>", ""}:
        return "bounce"
    content_type = msg.get_content_type()
    report = (msg.get_param("report-type") or "") if content_type == "multipart/report" else ""
    if str(report).lower() in {"delivery-status", "disposition-notification"}:
        return "bounce"
    if _header(msg, "list-id") or _header(msg, "list-unsubscribe"):
        return "list"
    return ""


def parse(raw: bytes) -> ParsedMail:
    """Read ``raw`` (an RFC 5322 message); never raises on broken input."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    result = ParsedMail()
    result.defects = [type(d).__name__ for d in getattr(msg, "defects", [])]
    name, address = parseaddr(_header(msg, "from"))
    result.sender, result.sender_name = address.strip().lower(), name.strip()
    result.subject = _header(msg, "subject")
    result.message_id = _first_id(_header(msg, "message-id"))
    parents = MESSAGE_ID.findall(_header(msg, "in-reply-to"))
    parents += reversed(MESSAGE_ID.findall(_header(msg, "references")))
    result.parents = list(dict.fromkeys(parents))
    result.automatic = automatic_reason(msg, result.sender)
    plain, html_text = [], []
    for part in _walk(msg, result.defects):
        if part.is_multipart():
            continue
        filename = _filename(part)
        disposition = (part.get_content_disposition() or "").lower()
        content_type = part.get_content_type()
        if filename or disposition == "attachment":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                result.files.append(MailFile(filename or "attachment", payload))
        elif content_type == "text/plain":
            plain.append(_part_text(part))
        elif content_type == "text/html":
            html_text.append(html_to_text(_part_text(part)))
    result.text = "\n\n".join(t for t in plain if t.strip()) or "\n\n".join(html_text)
    result.text = result.text.replace("\r\n", "\n").replace("\x00", "").strip()
    return result


def _walk(msg: Message, defects: list[str]) -> list[Message]:
    try:
        return list(msg.walk())
    except Exception as exc:
        defects.append(type(exc).__name__)
        return [msg]


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    return " ".join(str(name).split())


def _first_id(value: str) -> str:
    found = MESSAGE_ID.search(value)
    return found.group(0)[:255] if found else ""


def recipients(raw_headers: Message) -> list[str]:
    """The addresses in To and Cc."""
    values = [_header(raw_headers, "to"), _header(raw_headers, "cc")]
    return [addr.lower() for _name, addr in getaddresses(values) if addr]


class _TextExtractor(HTMLParser):
    BLOCKS = {
        "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
        "pre", "table", "ul", "ol", "hr", "section", "article", "header", "footer",
    }  # fmt: skip
    SKIP = {"script", "style", "head", "title", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.out.append("\n")
        if tag == "li":
            self.out.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(re.sub(r"\s+", " ", data))


def html_to_text(markup: str) -> str:
    """Plain text of an HTML mail: no tags, scripts or styles survive, paragraphs and
    line breaks stay lines."""
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:
        return html.unescape(re.sub(r"<[^>]*>", " ", markup))
    lines = [" ".join(line.split()) for line in "".join(parser.out).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def trim_reply(text: str) -> str:
    """The new part of a reply: quoted history and the signature removed (the whole text
    when nothing would be left)."""
    from mailparser_reply import EmailReplyParser

    try:
        latest = EmailReplyParser(languages=LANGUAGES).parse_reply(text=text)
    except Exception:
        latest = text
    latest = _strip_quoted_lines(latest or "").strip()
    return latest or text.strip()


#: Languages whose quote headers ("On ... wrote:", "Am ... schrieb ...:") are recognised.
LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pl", "sv", "cs", "da", "ja"]


SIGNATURE_MARKS = {"--", "-- ", "__", "—"}


def _strip_quoted_lines(text: str) -> str:
    """Drop a signature (from a ``-- `` line on) and a trailing block of ``>``-quoted
    lines the library left."""
    lines = text.rstrip().splitlines()
    for index, line in enumerate(lines):
        if line in SIGNATURE_MARKS and index > 0:
            lines = lines[:index]
            break
    while lines and (lines[-1].lstrip().startswith(">") or not lines[-1].strip()):
        lines.pop()
    return "\n".join(lines)
