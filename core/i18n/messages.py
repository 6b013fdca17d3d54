"""Messages for people: amounts in the viewer's language, and plain English for logs.

Messages are translation strings (``_`` of :mod:`frontdesk.i18n`), translated where they
are shown. The amounts that go into them (file sizes, waiting times) are formatted here.
Each of those functions takes the request whose language to use, by default the request
being answered (so the services that check uploads need no request of their own);
outside a request (scripts, the CLI) the text is English. The result is plain text, ready to go
into a message's mapping.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal
from babel.units import format_unit
from pyramid.request import Request
from pyramid.threadlocal import get_current_request

from frontdesk.i18n import TranslationString, _

#: The unit of a size, from bytes up: (message, how many bytes one unit is).
SIZE_UNITS = (
    (_("${size} bytes"), 1),
    (_("${size} KB"), 1024),
    (_("${size} MB"), 1024**2),
    (_("${size} GB"), 1024**3),
)


def plain(message: str) -> str:
    """``message`` in English with its ``${placeholders}`` filled in (a translation
    string), or as it is: for logs and the command line, which are not translated."""
    return message.interpolate() if isinstance(message, TranslationString) else message


def _request(request: Request | None) -> Request | None:
    return request if request is not None else get_current_request()


def babel_locale(request: Request | None = None) -> Locale:
    """Babel's locale for the language of ``request`` (English outside a request, or for
    a language Babel does not know, such as a test pseudo-locale)."""
    request = _request(request)
    if request is None:
        return Locale.parse("en")
    if hasattr(request, "babel_locale"):  # the request method core's i18n adds
        return request.babel_locale
    try:
        return Locale.parse(request.locale_name)
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en")


def human_size(size: int, request: Request | None = None) -> str:
    """``512 bytes``, ``4.9 KB``, ``10.0 MB``: ``size`` bytes, one decimal from KB on."""
    request = _request(request)
    message, unit = next(
        ((message, unit) for message, unit in SIZE_UNITS if size < unit * 1024), SIZE_UNITS[-1]
    )
    amount = size / unit
    text = format_decimal(amount, format="0" if unit == 1 else "0.0", locale=babel_locale(request))
    filled = message % {"size": text}
    return request.localizer.translate(filled) if request is not None else plain(filled)


def format_number(number: float, request: Request | None = None) -> str:
    """``number`` with the digit grouping of the request's language (``50,000``)."""
    return format_decimal(number, locale=babel_locale(request))


def wait_text(seconds: int, request: Request | None = None) -> str:
    """``seconds`` for a message: "30 seconds", "1 minute", "15 minutes" (minutes rounded
    up from a minute on)."""
    if seconds < 60:
        amount, unit = seconds, "duration-second"
    else:
        amount, unit = -(-seconds // 60), "duration-minute"
    return format_unit(amount, unit, length="long", locale=babel_locale(request))


@dataclass(frozen=True)
class Inner:
    """A message inside another message's mapping (a plugin's title in a sentence of
    core's, a refusal's reason): gettext leaves mapping values as they are, so this one
    translates itself, in the language of the request being answered, when the outer
    message is filled in (English outside a request)."""

    message: str

    def __str__(self) -> str:
        request = get_current_request()
        if request is None or not isinstance(self.message, TranslationString):
            return plain(self.message)
        return request.localizer.translate(self.message)


def inner(message: str | None) -> Inner | str | None:
    """``message`` ready for another message's mapping (see :class:`Inner`)."""
    return Inner(message) if isinstance(message, TranslationString) else message


def translate_now(message: str) -> str:
    """``message`` as text in the language of the request being answered (English
    outside one): for text that is stored, such as a note a service writes."""
    return str(Inner(message))
