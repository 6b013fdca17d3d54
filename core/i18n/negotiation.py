"""Which language a request is answered in (Pyramid's locale negotiator).

The signed-in user's saved language, else the ``frontdesk_locale`` cookie, else the
browser's ``Accept-Language``, else the default (:func:`frontdesk.i18n.default_locale`).
Only offered languages count: an unknown or malformed value anywhere falls through.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from frontdesk.i18n import LOCALE_COOKIE, default_locale, offered_locales

if TYPE_CHECKING:  # pragma: no cover
    from pyramid.request import Request

log = logging.getLogger(__name__)

#: One entry of Accept-Language: a language range and an optional weight.
_RANGE = re.compile(
    r"^\s*([A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([0-9.]+)\s*)?$"
)
#: Accept-Language values longer than this are ignored rather than parsed.
MAX_HEADER = 1000


def accept_language_ranges(header: str | None) -> list[str]:
    """The language ranges of an Accept-Language header, best first; malformed entries
    (and absurdly long headers) are skipped, never an error."""
    if not header or len(header) > MAX_HEADER:
        return []
    weighted = []
    for position, part in enumerate(header.split(",")):
        match = _RANGE.match(part)
        if not match:
            continue
        try:
            weight = float(match.group(2)) if match.group(2) is not None else 1.0
        except ValueError:
            continue
        if 0 < weight <= 1:
            weighted.append((-weight, position, match.group(1)))
    return [tag for _, _, tag in sorted(weighted)]


def match_locale(value: str | None, offered: list[str]) -> str | None:
    """``value`` (``de``, ``de-AT``, ``pt_BR``) as one of ``offered``: exact, else its
    language alone; ``None`` if neither is offered."""
    if not value:
        return None
    tag = value.strip().replace("-", "_")
    by_key = {code.lower(): code for code in offered}
    for candidate in (tag, tag.split("_")[0]):
        if candidate.lower() in by_key:
            return by_key[candidate.lower()]
    return None


def _user_locale(request: Request) -> str | None:
    from sqlalchemy.exc import SQLAlchemyError

    try:
        user = request.user
    except (AttributeError, SQLAlchemyError):  # no security set up, or database down
        return None
    return getattr(user, "locale", None)


def negotiate_locale(request: Request) -> str:
    """The locale negotiator: see the module's docstring."""
    offered = offered_locales(request)
    for value in (_user_locale(request), request.cookies.get(LOCALE_COOKIE)):
        found = match_locale(value, offered)
        if found:
            return found
    for tag in accept_language_ranges(request.headers.get("Accept-Language")):
        if tag == "*":
            break
        found = match_locale(tag, offered)
        if found:
            return found
    return default_locale(request)


def use_locale(request: Request, locale: str | None) -> None:
    """Answer the rest of this request in ``locale`` (``None``: negotiate again), e.g.
    right after the user changed their language."""
    for name in ("locale_name", "localizer", "time_zone", "babel_locale"):
        request.__dict__.pop(name, None)
    if locale is not None:
        request.locale_name = locale
