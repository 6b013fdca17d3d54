"""The Settings page: portal, management interface, attachments, languages and time zones,
notification defaults and the rules for incoming mail.

Every value is a run-time setting (:mod:`frontdesk.settings`): stored in the
database, read by every process on its next request, the ini value as the fallback.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from typing import Any

from pyramid.request import Request
from pyramid.view import view_config

from frontdesk import settings as rs
from frontdesk.db.state import get_setting
from frontdesk.i18n import (
    DEFAULT_LOCALE_KEY,
    DEFAULT_TIME_ZONE_KEY,
    OFFERED_LOCALES_KEY,
    available_locales,
    default_locale,
    default_time_zone,
    is_time_zone,
    language_name,
    offered_locales,
    time_zone_choices,
)
from frontdesk.mail.inbound import (
    CREATE_ACCOUNTS,
    DEFAULT_SENDER_LIMIT,
    SENDER_LIMIT,
    UNKNOWN_SENDERS,
)
from frontdesk.mail.notifications import KINDS
from frontdesk.plugins.management.admin import services
from frontdesk.plugins.management.admin.common import (
    NOTHING_CHANGED,
    done,
    nothing_changed,
    page,
    refuse,
    template,
)
from frontdesk.plugins.management.i18n import _
from frontdesk.plugins.management.permissions import P
from frontdesk.tickets.attachments import upload_policy

SETTINGS = "management.admin.settings"
#: Self-registration waits for the new customer to confirm their e-mail address.
VERIFY_EMAIL = "portal.verify_email"
#: What :data:`~frontdesk.mail.inbound.UNKNOWN_SENDERS` may be; the first is the default.
UNKNOWN_SENDER_CHOICES = ("open", "refuse")
MAX_SENDER_LIMIT = 10000


@dataclass(frozen=True)
class Flag:
    """An on/off setting of the form: its key, form field, label and fieldset."""

    key: str
    field: str
    label: str
    group: str
    #: When neither the database nor the ini file says; None: :data:`frontdesk.settings.DEFAULTS`.
    default: bool | None = None


BASE_FLAGS = (
    Flag(
        rs.PORTAL_REGISTRATION,
        "registration",
        _("Customers can create their own accounts on the portal"),
        "portal",
    ),
    Flag(
        VERIFY_EMAIL,
        "verify_email",
        _("New accounts confirm their e-mail address before they can log in"),
        "portal",
    ),
    Flag(
        rs.PORTAL_ANONYMOUS_TICKETS,
        "anonymous_tickets",
        _("Visitors who are not logged in can submit tickets with an email address"),
        "portal",
    ),
    Flag(
        rs.MANAGEMENT_REAUTH,
        "reauth",
        _("Staff logged into the portal log in again to open the management interface"),
        "management",
    ),
    Flag(
        CREATE_ACCOUNTS,
        "create_accounts",
        _("Senders without an account get a customer account with their first mail"),
        "incoming",
        True,
    ),
)
#: Whether each kind of notification is sent to users who have not chosen themselves.
NOTIFICATION_FLAGS = tuple(
    Flag(k.setting, f"notify_{k.key}", k.title, f"notify_{k.audience}", True)
    for k in KINDS.values()
)
FLAGS = BASE_FLAGS + NOTIFICATION_FLAGS
WELCOME = "portal.welcome"
WELCOME_MAX = 1000
MB = 1024 * 1024
MAX_SIZE_MB = 1024
MAX_FILES = 100


def _mb(size: int) -> str:
    return f"{size / MB:.2f}".rstrip("0").rstrip(".")


def _offered(request: Request) -> list[str]:
    """The languages offered now, in the order of :func:`available_locales`."""
    offered = offered_locales(request)
    return [code for code in available_locales() if code in offered]


def _current(request: Request) -> dict[str, Any]:
    db, ini = request.dbsession, request.registry.settings
    policy = upload_policy(db, ini)
    values: dict[str, Any] = {f.field: rs.get_flag(db, ini, f.key, f.default) for f in FLAGS}
    values["unknown_senders"] = _unknown_senders(request)
    values["sender_limit"] = str(rs.get_int(db, ini, SENDER_LIMIT, DEFAULT_SENDER_LIMIT))
    values["welcome"] = get_setting(db, WELCOME) or ""
    values["max_size"] = _mb(policy.max_size)
    values["max_files"] = str(policy.max_files)
    values["_max_size_bytes"] = policy.max_size
    values["default_locale"] = default_locale(request)
    values["offered_locales"] = _offered(request)
    values["default_time_zone"] = default_time_zone(request)
    return values


def _unknown_senders(request: Request) -> str:
    """The policy for mail from unknown addresses in force (``open`` unless set)."""
    value = get_setting(request.dbsession, UNKNOWN_SENDERS)
    if value is None:
        value = request.registry.settings.get(rs.ini_name(UNKNOWN_SENDERS))
    value = (value or "").strip()
    return value if value in UNKNOWN_SENDER_CHOICES else UNKNOWN_SENDER_CHOICES[0]


def _on(value: bool) -> str:
    return "on" if value else "off"


def _choices(request: Request, form: dict[str, Any]) -> dict[str, Any]:
    """What the form's lists offer: the languages frontdesk has (by their own names)
    and the time zones, plus a refused zone name so that it stays in the field."""
    zones = time_zone_choices()
    kept = form["default_time_zone"]
    return {
        "languages": [(code, language_name(code)) for code in available_locales()],
        "time_zones": zones if kept in zones else [kept, *zones],
        "flags": {group: [f for f in FLAGS if f.group == group] for group in _groups()},
        "unknown_sender_choices": [
            ("open", _("open a ticket")),
            ("refuse", _("are refused (the mail goes to the quarantine)")),
        ],
    }


def _groups() -> list[str]:
    return list(dict.fromkeys(f.group for f in FLAGS))


def _settings_page(request: Request, form: dict[str, Any], **values: Any) -> dict[str, Any]:
    return page(request, "settings", form=form, **_choices(request, form), **values)


def _check_languages(form: dict[str, Any], errors: dict[str, str]) -> None:
    """The default language exists, at least one is offered, and the default is."""
    available = available_locales()
    if form["default_locale"] not in available:
        errors["default_locale"] = _("Choose one of the languages in the list.")
    offered = form["offered_locales"]
    if any(code not in available for code in offered):
        errors["offered_locales"] = _("Choose languages from the list.")
    elif not offered:
        errors["offered_locales"] = _("Offer at least one language.")
    elif "default_locale" not in errors and form["default_locale"] not in offered:
        errors["offered_locales"] = _(
            "Offer the default language, ${language}, too (or choose another default).",
            mapping={"language": language_name(form["default_locale"])},
        )
    zone = form["default_time_zone"]
    if not is_time_zone(zone):
        errors["default_time_zone"] = _(
            "“${zone}” is not a time zone. Choose one from the list.", mapping={"zone": zone}
        )


@view_config(route_name=SETTINGS, renderer=template("settings"), permission=P.SettingsManage)
def settings_page(request: Request) -> Any:
    current = _current(request)
    if request.method != "POST":
        return _settings_page(request, current)
    post = request.POST
    form: dict[str, Any] = {f.field: post.get(f.field) == "1" for f in FLAGS}
    form["unknown_senders"] = post.get("unknown_senders", current["unknown_senders"]).strip()
    form["sender_limit"] = post.get("sender_limit", current["sender_limit"]).strip()
    form["welcome"] = post.get("welcome", "")
    form["max_size"] = post.get("max_size", "").strip()
    form["max_files"] = post.get("max_files", "").strip()
    form["default_locale"] = post.get("default_locale", "").strip()
    # In the order of the list, so that saving the same boxes changes nothing.
    ticked = {code.strip() for code in post.getall("offered_locales")}
    form["offered_locales"] = [c for c in available_locales() if c in ticked] + sorted(
        ticked - set(available_locales())
    )
    form["default_time_zone"] = post.get("default_time_zone", "").strip()
    errors: dict[str, str] = {}
    welcome = form["welcome"].strip()
    if len(welcome) > WELCOME_MAX:
        errors["welcome"] = _(
            "Use at most ${limit} characters (this is ${length}).",
            mapping={"limit": WELCOME_MAX, "length": len(welcome)},
        )
    max_size = current["_max_size_bytes"]
    if form["max_size"] != current["max_size"]:
        try:
            megabytes = decimal.Decimal(form["max_size"].replace(",", "."))
            if not megabytes.is_finite():
                raise decimal.InvalidOperation
        except decimal.InvalidOperation:
            errors["max_size"] = _("Enter a number of megabytes, such as 10 or 2.5.")
        else:
            if not 0 < megabytes <= MAX_SIZE_MB:
                errors["max_size"] = _(
                    "Enter a size above 0 and at most ${limit} MB.", mapping={"limit": MAX_SIZE_MB}
                )
            else:
                max_size = max(1, int(megabytes * MB))
    max_files = int(current["max_files"])
    try:
        max_files = int(form["max_files"])
    except ValueError:
        errors["max_files"] = _("Enter a whole number, such as 5.")
    else:
        if not 1 <= max_files <= MAX_FILES:
            errors["max_files"] = _(
                "Enter a number from 1 to ${limit}.", mapping={"limit": MAX_FILES}
            )
    _check_languages(form, errors)
    if form["unknown_senders"] not in UNKNOWN_SENDER_CHOICES:
        errors["unknown_senders"] = _("Choose one of the answers in the list.")
    sender_limit = int(current["sender_limit"])
    try:
        sender_limit = int(form["sender_limit"])
    except ValueError:
        errors["sender_limit"] = _("Enter a whole number, such as 5.")
    else:
        if not 0 <= sender_limit <= MAX_SENDER_LIMIT:
            errors["sender_limit"] = _(
                "Enter a number from 0 to ${limit}.", mapping={"limit": MAX_SENDER_LIMIT}
            )
    if errors:
        refuse(request)
        return _settings_page(request, form, errors=errors)

    db, actor = request.dbsession, request.user
    changed = []

    def change(key: str, value: str | None, details: str) -> None:
        services.change_setting(db, actor, key, value, details)
        changed.append(key)

    for f in FLAGS:
        if form[f.field] != current[f.field]:
            before, after = _on(current[f.field]), _on(form[f.field])
            change(f.key, rs.flag_value(form[f.field]), f"{before} → {after}")
    if form["unknown_senders"] != current["unknown_senders"]:
        before, after = current["unknown_senders"], form["unknown_senders"]
        change(UNKNOWN_SENDERS, after, f"{before} → {after}")
    if sender_limit != int(current["sender_limit"]):
        change(SENDER_LIMIT, str(sender_limit), f"{current['sender_limit']} → {sender_limit}")
    if welcome != current["welcome"]:
        shown = welcome if len(welcome) <= 200 else welcome[:199] + "…"
        change(WELCOME, welcome or None, f"new text: {shown}" if welcome else "back to the default")
    if max_size != current["_max_size_bytes"]:
        change(
            rs.ATTACHMENTS_MAX_SIZE,
            str(max_size),
            f"{_mb(current['_max_size_bytes'])} MB → {_mb(max_size)} MB",
        )
    if max_files != int(current["max_files"]):
        change(rs.ATTACHMENTS_MAX_FILES, str(max_files), f"{current['max_files']} → {max_files}")
    for key, field in (
        (DEFAULT_LOCALE_KEY, "default_locale"),
        (DEFAULT_TIME_ZONE_KEY, "default_time_zone"),
    ):
        if form[field] != current[field]:
            change(key, form[field], f"{current[field]} → {form[field]}")
    if form["offered_locales"] != current["offered_locales"]:
        before, after = (
            ", ".join(c) for c in (current["offered_locales"], form["offered_locales"])
        )
        change(OFFERED_LOCALES_KEY, ",".join(form["offered_locales"]), f"{before} → {after}")
    if not changed:
        return nothing_changed(request, NOTHING_CHANGED, SETTINGS)
    return done(
        request, _("Settings saved: ${keys}.", mapping={"keys": ", ".join(changed)}), SETTINGS
    )
