"""Building mails: translation strings stored as JSON, translated and rendered at send time.

A mail is queued with its subject and body as translation strings (or plain text) and
sent later by a job, in the recipient's language. :func:`dump` and :func:`load` carry
the strings through the job's JSON payload; :func:`render` translates them and builds
the ``EmailMessage``: plain text plus an HTML alternative made from it, every piece of
text escaped (a :class:`HtmlPart` carries HTML that core already sanitised).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, getaddresses
from typing import Any

from markupsafe import Markup, escape

from frontdesk.i18n import TranslationString

__all__ = ["Body", "HtmlPart", "Text", "dump", "load", "render", "render_text"]


@dataclass(frozen=True)
class HtmlPart:
    """A body part given twice: ``text`` for the plain-text mail and ``html``, already
    sanitised (a ticket message's ``body_html``), for the HTML alternative."""

    text: str
    html: str


Text = TranslationString | str
#: A body: one text, or parts shown as paragraphs.
Body = Text | HtmlPart | Sequence["Text | HtmlPart"]

_URL = re.compile(r"https?://[^\s<>\"']+")
_LINE_BREAKS = re.compile(r"[\r\n\t]+")


def dump(value: Any) -> Any:
    """``value`` (text, translation string, :class:`HtmlPart` or a list of them) as JSON."""
    if isinstance(value, TranslationString):
        return {
            "msgid": str(value),
            "domain": value.domain,
            "default": str(value.default) if value.default is not None else None,
            "mapping": {k: dump(v) for k, v in (value.mapping or {}).items()},
        }
    if isinstance(value, HtmlPart):
        return {"text": value.text, "html": value.html}
    if isinstance(value, list | tuple):
        return [dump(item) for item in value]
    return value if value is None or isinstance(value, int | float) else str(value)


def load(value: Any) -> Any:
    """The inverse of :func:`dump`."""
    if isinstance(value, dict) and "msgid" in value:
        return TranslationString(
            value["msgid"],
            domain=value.get("domain"),
            default=value.get("default"),
            mapping={k: load(v) for k, v in (value.get("mapping") or {}).items()} or None,
        )
    if isinstance(value, dict) and "html" in value:
        return HtmlPart(text=str(value.get("text", "")), html=str(value["html"]))
    if isinstance(value, list):
        return [load(item) for item in value]
    return value


Translate = Callable[[TranslationString], str]


def translated(value: Any, translate: Translate) -> str:
    """``value`` as text, translation strings (and those inside their mapping) translated."""
    if isinstance(value, TranslationString):
        mapping = {k: translated(v, translate) for k, v in (value.mapping or {}).items()}
        inner = TranslationString(
            str(value), domain=value.domain, default=value.default, mapping=mapping or None
        )
        return translate(inner)
    return "" if value is None else str(value)


def _parts(body: Any) -> list[Any]:
    return list(body) if isinstance(body, list | tuple) else [body]


def render_text(body: Any, translate: Translate) -> str:
    """The plain-text body: the parts translated, a blank line between them."""
    texts = [
        part.text if isinstance(part, HtmlPart) else translated(part, translate)
        for part in _parts(body)
    ]
    return "\n\n".join(text.strip("\n") for text in texts if text.strip()) + "\n"


def _html_paragraph(text: str) -> Markup:
    escaped = str(escape(text))
    linked = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
    html = Markup(linked.replace("\n", "<br>\n"))  # noqa: S704 (escaped just above)
    return Markup("<p>{}</p>").format(html)


def render_html(body: Any, translate: Translate, lang: str) -> str:
    """The HTML alternative: each text part escaped (links made clickable), each
    :class:`HtmlPart` as its sanitised HTML in a quote."""
    pieces: list[Markup] = []
    for part in _parts(body):
        if isinstance(part, HtmlPart):
            html = Markup(part.html)  # noqa: S704 (sanitised by core when stored)
            pieces.append(Markup("<blockquote>{}</blockquote>").format(html))
            continue
        text = translated(part, translate).strip("\n")
        pieces.extend(_html_paragraph(chunk) for chunk in text.split("\n\n") if chunk.strip())
    return str(
        Markup(
            '<!DOCTYPE html>\n<html lang="{}"><head><meta charset="utf-8"></head>'
            "<body>\n{}\n</body></html>\n"
        ).format(lang, Markup("\n").join(pieces))
    )


def header_text(value: str) -> str:
    """``value`` on one line: no CR/LF can smuggle in a header."""
    return _LINE_BREAKS.sub(" ", value).strip()


def render(
    *,
    sender: str,
    to: str,
    subject: str,
    body: Any,
    translate: Translate,
    lang: str,
    message_id: str,
    reply_to: str | None = None,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
) -> EmailMessage:
    """The finished message: headers, plain text, HTML alternative."""
    message = EmailMessage()
    message["Subject"] = header_text(subject)
    message["From"] = header_text(sender)
    message["To"] = header_text(to)
    if reply_to:
        message["Reply-To"] = header_text(reply_to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = header_text(message_id)
    if in_reply_to:
        message["In-Reply-To"] = header_text(in_reply_to)
    if references:
        message["References"] = header_text(" ".join(references))
    # RFC 3834: mail clients and auto-responders must not answer automatic mail.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render_text(body, translate))
    message.add_alternative(render_html(body, translate, lang), subtype="html")
    message["Content-Language"] = lang  # after the body: set_content drops Content-* headers
    return message


def address_of(value: str) -> str:
    """The bare address in ``"Name <a@b>"`` (``""`` when there is none)."""
    pairs = getaddresses([value])
    return pairs[0][1] if pairs and "@" in pairs[0][1] else ""


def domain_of(value: str) -> str:
    """The domain of the address in ``value`` (``""`` when there is none)."""
    address = address_of(value)
    try:
        return Address(addr_spec=address).domain if address else ""
    except (ValueError, IndexError):
        return ""
