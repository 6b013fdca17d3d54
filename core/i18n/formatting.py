"""Dates, times and numbers for the viewer: their language (Babel) and their time zone.

Core adds these as request methods (``request.format_datetime(...)`` ...). Every moment
is stored in UTC; a naive ``datetime`` (as SQLite returns them) is taken to be UTC.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import TYPE_CHECKING

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from markupsafe import Markup, escape

from frontdesk.i18n import (
    PSEUDO_LOCALE,
    SOURCE_LOCALE,
    BadLocalTime,
    _,
    default_time_zone,
    is_time_zone,
)

if TYPE_CHECKING:  # pragma: no cover
    from pyramid.request import Request

#: ``<input type="datetime-local">``'s value, without and with seconds.
LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"
#: What the field sends (``T``), or what a person types where the browser offers a
#: plain text field (a space).
_LOCAL_INPUT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$")


def as_utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC; a naive value is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def babel_locale(request: Request) -> Locale:
    """Babel's locale for the request's language (English for the pseudo-locale)."""
    name = request.locale_name
    try:
        return Locale.parse(SOURCE_LOCALE if name == PSEUDO_LOCALE else name)
    except (ValueError, UnknownLocaleError):
        return Locale.parse(SOURCE_LOCALE)


def time_zone(request: Request) -> zoneinfo.ZoneInfo:
    """The viewer's zone: the user's choice, else the default
    (:func:`~frontdesk.i18n.default_time_zone`)."""
    user = getattr(request, "user", None)
    chosen = getattr(user, "time_zone", None)
    return zoneinfo.ZoneInfo(chosen if is_time_zone(chosen) else default_time_zone(request))


def format_datetime(request: Request, moment: dt.datetime, format: str = "medium") -> str:
    """Date and time in the viewer's zone and language. ``short`` and ``medium`` show
    the time to the minute (``Mar 29, 2026, 3:30 AM``); ``long``/``full`` are Babel's."""
    local = as_utc(moment).astimezone(request.time_zone)
    locale = request.babel_locale
    if format in ("short", "medium"):
        date = babel_dates.format_date(local, format, locale=locale)
        time = babel_dates.format_time(local, "short", tzinfo=local.tzinfo, locale=locale)
        pattern = babel_dates.get_datetime_format(format, locale=locale)
        return pattern.replace("'", "").replace("{0}", time).replace("{1}", date)
    return babel_dates.format_datetime(local, format, tzinfo=local.tzinfo, locale=locale)


def format_date(request: Request, value: dt.date | dt.datetime, format: str = "medium") -> str:
    """A date in the viewer's language (a datetime: its date in the viewer's zone)."""
    if isinstance(value, dt.datetime):
        value = as_utc(value).astimezone(request.time_zone).date()
    return babel_dates.format_date(value, format, locale=request.babel_locale)


def format_time(request: Request, moment: dt.datetime, format: str = "short") -> str:
    """A time of day in the viewer's zone and language."""
    local = as_utc(moment).astimezone(request.time_zone)
    return babel_dates.format_time(local, format, tzinfo=local.tzinfo, locale=request.babel_locale)


def format_relative(
    request: Request, moment: dt.datetime, *, now: dt.datetime | None = None
) -> str:
    """``2 days ago`` / ``in 3 hours`` in the viewer's language."""
    delta = as_utc(moment) - as_utc(now or dt.datetime.now(dt.UTC))
    return babel_dates.format_timedelta(delta, add_direction=True, locale=request.babel_locale)


def format_number(request: Request, number: float | int) -> str:
    """A number with the viewer's decimal and grouping signs (``1,234.5`` / ``1.234,5``)."""
    return babel_numbers.format_decimal(number, locale=request.babel_locale)


def zone_name(request: Request, moment: dt.datetime) -> str:
    """The short name of the viewer's zone at ``moment``: ``MESZ``, ``CEST``, ``UTC``."""
    local = as_utc(moment).astimezone(request.time_zone)
    name = babel_dates.get_timezone_name(local, "short", locale=request.babel_locale)
    abbreviation = local.tzname() or ""
    if name[:1] in "+-" or name.startswith("GMT"):
        return abbreviation if abbreviation.isalpha() else name
    return name


def time_tag(
    request: Request,
    moment: dt.datetime | None,
    *,
    relative: bool = False,
    with_zone: bool = False,
) -> Markup:
    """``<time datetime="UTC ISO 8601" title="full date, time and zone">text</time>``;
    the text is relative (``2 days ago``) or the date and time, with the zone's short
    name when ``with_zone``. Empty for ``None``."""
    if moment is None:
        return Markup("")
    utc = as_utc(moment)
    if relative:
        text = request.format_relative(utc)
    else:
        text = request.format_datetime(utc)
        if with_zone:
            text = f"{text} {zone_name(request, utc)}"
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        utc.isoformat().replace("+00:00", "Z"), request.format_datetime(utc, "full"), escape(text)
    )


def local_input_value(request: Request, moment: dt.datetime | None) -> str:
    """``moment`` for an ``<input type="datetime-local">`` in the viewer's zone
    (``2026-03-29T03:30``); ``""`` for ``None``."""
    if moment is None:
        return ""
    return as_utc(moment).astimezone(request.time_zone).strftime(LOCAL_INPUT_FORMAT)


def parse_local_input(request: Request, text: str) -> dt.datetime:
    """A ``datetime-local`` value typed in the viewer's zone, as an aware UTC datetime.

    A time the clocks skip (the spring DST gap) is refused; a time they pass twice (the
    autumn change) means its first occurrence.

    :raises BadLocalTime: malformed, or not a time that exists in the viewer's zone.
    """
    value = (text or "").strip()
    if not _LOCAL_INPUT.match(value):
        raise BadLocalTime(_("Enter a date and time such as 2026-03-29 14:30."))
    try:
        naive = dt.datetime.fromisoformat(value.replace(" ", "T"))
    except ValueError:
        raise BadLocalTime(_("This date does not exist. Check the day and the month.")) from None
    zone = request.time_zone
    local = naive.replace(tzinfo=zone)
    utc = local.astimezone(dt.UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != naive:
        raise BadLocalTime(
            _(
                "${time} does not exist in the time zone ${zone}: the clocks skip it "
                "(daylight saving time). Choose another time.",
                mapping={"time": value.replace("T", " ")[:16], "zone": zone.key},
            )
        )
    return utc
