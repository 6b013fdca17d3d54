"""Languages, time zones and locale formatting (Pyramid's i18n machinery plus Babel).

Core's strings use the ``frontdesk`` translation domain::

    from frontdesk.i18n import _

    request.session.flash(_("Saved."), "success")

A plugin makes its own factory, named after its own domain, in ``<plugin>/i18n.py``::

    from frontdesk.i18n import TranslationStringFactory

    _ = TranslationStringFactory("frontdesk_portal")

and ships its catalogs in ``<plugin>/locale/``; core adds that folder by itself. Times and
numbers are formatted for the viewer through the request methods ``request.format_datetime``,
``request.time_tag`` ... (see :mod:`frontdesk.i18n.formatting`).

This module imports nothing else from frontdesk at import time, so any module may use it.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyramid.i18n import TranslationString, TranslationStringFactory
from pyramid.settings import asbool

if TYPE_CHECKING:  # pragma: no cover
    from pyramid.config import Configurator
    from pyramid.request import Request

#: Core's translation domain.
DOMAIN = "frontdesk"
#: Core's translation string factory.
_ = TranslationStringFactory(DOMAIN)

#: The language the msgids are written in; it needs no catalog.
SOURCE_LOCALE = "en"
#: The cookie that keeps a visitor's choice of language.
LOCALE_COOKIE = "frontdesk_locale"
#: The pseudo-locale (tests): every translated string of a known domain comes out
#: wrapped in :data:`PSEUDO_START` ... :data:`PSEUDO_END`. Offered only while the ini
#: setting :data:`PSEUDO_SETTING` is on.
PSEUDO_LOCALE = "qps"
PSEUDO_SETTING = "frontdesk.i18n.pseudo_locale"
PSEUDO_START = "⟦"
PSEUDO_END = "⟧"

#: Run-time settings (``settings`` table, ini fallback ``frontdesk.<key>``).
DEFAULT_LOCALE_KEY = "i18n.default_locale"
OFFERED_LOCALES_KEY = "i18n.offered_locales"
DEFAULT_TIME_ZONE_KEY = "i18n.default_time_zone"
#: The plain ini settings read after the run-time settings.
INI_DEFAULT_LOCALE = "frontdesk.default_locale"
INI_DEFAULT_TIME_ZONE = "frontdesk.default_time_zone"
FALLBACK_TIME_ZONE = "UTC"

#: Core's catalogs: ``locale/<lang>/LC_MESSAGES/frontdesk.mo``.
CORE_LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


class BadLocalTime(ValueError):
    """A local date and time that cannot be read or does not exist (a DST gap).

    ``message`` is a TranslationString to show beside the field.
    """

    def __init__(self, message: TranslationString):
        super().__init__(str(message))
        self.message = message


def translate(request: Request, value: Any) -> Any:
    """``value`` in the request's language if it is a TranslationString (a label a
    plugin gave core), else ``value`` unchanged. TranslationStrings in its mapping are
    translated too (``request.localizer.translate`` would insert them in English)."""
    if not isinstance(value, TranslationString):
        return value
    mapping = value.mapping
    if mapping and any(isinstance(v, TranslationString) for v in mapping.values()):
        # Pyramid interpolates a mapping's TranslationStrings untranslated.
        mapping = {key: translate(request, v) for key, v in mapping.items()}
        value = TranslationString(value, mapping=mapping)
    return request.localizer.translate(value)


def available_locales() -> list[str]:
    """The languages frontdesk can show: English and every language core has a
    compiled catalog for (``en``, ``de``, ``fr``)."""
    return [SOURCE_LOCALE, *_catalog_languages(CORE_LOCALE_DIR)]


@cache
def _catalog_languages(folder: Path) -> tuple[str, ...]:
    if not folder.is_dir():
        return ()
    return tuple(
        sorted(
            entry.name
            for entry in folder.iterdir()
            if (entry / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file() and entry.name != SOURCE_LOCALE
        )
    )


def pseudo_enabled(settings: Mapping[str, Any]) -> bool:
    """Whether the ini turns the pseudo-locale on."""
    return asbool(settings.get(PSEUDO_SETTING, False))


def _setting(request: Request, key: str, *ini_fallbacks: str) -> str:
    """A run-time setting as text: the database, else ``frontdesk.<key>``, else each
    fallback ini setting; ``""`` if none (or the database cannot be read)."""
    from sqlalchemy.exc import SQLAlchemyError

    from frontdesk.db.state import get_setting
    from frontdesk.runtime_settings import ini_name

    db = getattr(request, "dbsession", None)
    if db is not None:
        try:
            stored = get_setting(db, key)
        except SQLAlchemyError:  # error pages while the database is down
            stored = None
        if stored is not None and stored.strip():
            return stored.strip()
    settings = request.registry.settings or {}
    for name in (ini_name(key), *ini_fallbacks):
        value = str(settings.get(name, "") or "").strip()
        if value:
            return value
    return ""


def parse_locale_list(value: str) -> list[str]:
    """``"de, fr en"`` as ``["de", "fr", "en"]``."""
    return [code.strip() for code in value.replace(",", " ").split() if code.strip()]


def offered_locales(request: Request) -> list[str]:
    """The languages users may choose: the administrators' list (``i18n.offered_locales``)
    among the available ones, all of them when none is set; the default is always
    offered, and the pseudo-locale too while it is on."""
    available = available_locales()
    chosen = [
        code
        for code in parse_locale_list(_setting(request, OFFERED_LOCALES_KEY))
        if code in available
    ]
    offered = list(dict.fromkeys(chosen)) or available
    default = _default_locale(request, available)
    if default not in offered:
        offered.insert(0, default)
    if pseudo_enabled(request.registry.settings or {}):
        offered.append(PSEUDO_LOCALE)
    return offered


def _default_locale(request: Request, available: list[str]) -> str:
    configured = _setting(request, DEFAULT_LOCALE_KEY, INI_DEFAULT_LOCALE)
    return configured if configured in available else SOURCE_LOCALE


def default_locale(request: Request) -> str:
    """The language of visitors whose browser names none offered: the run-time setting
    ``i18n.default_locale``, else the ini's ``frontdesk.default_locale``, else English."""
    return _default_locale(request, available_locales())


def default_time_zone(request: Request) -> str:
    """The zone of users who chose none: ``i18n.default_time_zone``, else the ini's
    ``frontdesk.default_time_zone``, else UTC (an unknown name counts as unset)."""
    configured = _setting(request, DEFAULT_TIME_ZONE_KEY, INI_DEFAULT_TIME_ZONE)
    return configured if is_time_zone(configured) else FALLBACK_TIME_ZONE


def language_name(code: str) -> str:
    """The language's own name (``"Deutsch"``, ``"Français"``)."""
    from babel import Locale, UnknownLocaleError

    if code == PSEUDO_LOCALE:
        return "Pseudo"
    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:]


def locale_choices(request: Request) -> list[tuple[str, str]]:
    """``(code, the language's own name)`` for every offered language."""
    return [(code, language_name(code)) for code in offered_locales(request)]


#: Zone names kept for compatibility only, not offered in lists (still accepted).
_LEGACY_PREFIXES = ("Etc/", "SystemV/", "US/", "posix/", "right/")


@cache
def _all_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@cache
def _time_zone_choices() -> tuple[str, ...]:
    names = {
        name for name in _all_time_zones() if "/" in name and not name.startswith(_LEGACY_PREFIXES)
    }
    return tuple(sorted(names | {FALLBACK_TIME_ZONE}))


def time_zone_choices() -> list[str]:
    """The IANA zone names offered in lists (``Europe/Berlin`` ...), sorted, with UTC."""
    return list(_time_zone_choices())


def is_time_zone(name: str | None) -> bool:
    """Whether ``name`` is a known IANA time zone name."""
    return bool(name) and name in _all_time_zones()


def adopt_browser_time_zone(user: Any, name: str | None) -> bool:
    """At login: the zone the browser reported becomes ``user``'s, if they have none yet
    and it is a real zone name. Returns whether it was saved."""
    name = (name or "").strip()
    if getattr(user, "time_zone", None) is None and is_time_zone(name):
        user.time_zone = name
        return True
    return False


def update_preferences(
    request: Request, user: Any, params: Mapping[str, Any]
) -> dict[str, TranslationString]:
    """Save ``user``'s language and time zone from a profile form's fields ``locale`` and
    ``time_zone`` (``""``: follow the defaults). Returns field name -> error; nothing is
    saved unless both are valid. The current request switches to the new language."""
    from frontdesk.i18n.negotiation import use_locale

    locale = str(params.get("locale", "") or "").strip()
    zone = str(params.get("time_zone", "") or "").strip()
    errors: dict[str, TranslationString] = {}
    if locale and locale not in offered_locales(request):
        errors["locale"] = _("Choose one of the languages in the list.")
    if zone and not is_time_zone(zone):
        errors["time_zone"] = _(
            "“${zone}” is not a time zone. Choose one from the list.", mapping={"zone": zone}
        )
    if errors:
        return errors
    user.locale = locale or None
    user.time_zone = zone or None
    if user is getattr(request, "user", None):
        use_locale(request, None)
    return {}


#: The preference fields' element ids in :data:`PREFERENCES_TEMPLATE` (for an
#: :class:`frontdesk.forms.ErrorSummary`), by field name.
PREFERENCE_FIELD_IDS = {"locale": "preferences-locale", "time_zone": "preferences-time-zone"}
#: The macro ``fields``: the language and time zone selects of a profile form.
PREFERENCES_TEMPLATE = "frontdesk:templates/preferences.pt"


@dataclass(frozen=True, kw_only=True)
class PreferencesForm:
    """What the ``fields`` macro of :data:`PREFERENCES_TEMPLATE` draws: the values shown
    (``""``: follow the defaults), the errors beside the fields and the choices."""

    locale: str
    time_zone: str
    errors: Mapping[str, Any]
    locales: list[tuple[str, str]]
    time_zones: list[str]
    default_time_zone: str


def preferences_form(
    request: Request,
    user: Any,
    params: Mapping[str, Any] | None = None,
    errors: Mapping[str, Any] | None = None,
) -> PreferencesForm:
    """The preference fields for ``user``: their saved values, or ``params`` as posted
    when the form came back with ``errors`` (from :func:`update_preferences`)."""
    if params is not None and errors:
        locale = str(params.get("locale", "") or "").strip()
        zone = str(params.get("time_zone", "") or "").strip()
    else:
        locale, zone = user.locale or "", user.time_zone or ""
    zones = time_zone_choices()
    if zone and zone not in zones and is_time_zone(zone):
        zones = sorted([*zones, zone])  # an old name the browser reported stays selectable
    return PreferencesForm(
        locale=locale,
        time_zone=zone,
        errors=dict(errors or {}),
        locales=locale_choices(request),
        time_zones=zones,
        default_time_zone=default_time_zone(request),
    )


def includeme(config: Configurator) -> None:
    """Translation dirs of core and every plugin, the locale negotiator, the formatting
    request methods, the pseudo-locale and the language picker."""
    from frontdesk.i18n.setup import configure

    configure(config)


__all__ = [
    "DOMAIN",
    "BadLocalTime",
    "PreferencesForm",
    "TranslationString",
    "TranslationStringFactory",
    "_",
    "available_locales",
    "default_locale",
    "default_time_zone",
    "is_time_zone",
    "locale_choices",
    "offered_locales",
    "preferences_form",
    "time_zone_choices",
    "translate",
    "update_preferences",
]
