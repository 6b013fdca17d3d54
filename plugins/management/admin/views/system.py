"""Plugins, license, settings and the audit log."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
from typing import Any

from pyramid.httpexceptions import HTTPNotFound
from pyramid.request import Request
from pyramid.view import view_config

from frontdesk import settings as rs
from frontdesk.db.state import get_setting, plugin_switches, switch_plugin
from frontdesk.identity.audit import recent
from frontdesk.licensing import edition_in_force
from frontdesk.licensing.installed import (
    LICENSE_SETTING,
    LicenseError,
    active_agent_count,
    current_entitlements,
    current_license,
    install_license,
    remove_entitlement,
    remove_license,
    seat_limit,
)
from frontdesk.platform.plugin_state import evaluate, load_snapshot, plugin_statuses
from frontdesk.platform.pluginmanager import CORE_PLUGIN, LoadedPlugin
from frontdesk.plugins.management.admin import services
from frontdesk.plugins.management.admin.common import (
    Confirmation,
    ask_first,
    confirmed,
    done,
    nothing_changed,
    page,
    refresh_plugin_state_after_commit,
    refuse,
    seats,
    template,
)
from frontdesk.plugins.management.permissions import P
from frontdesk.tickets.attachments import upload_policy
from frontdesk.web.request_checks import BadRequest, positive_int

PLUGINS = "management.admin.plugins"
LICENSE = "management.admin.license"
SETTINGS = "management.admin.settings"
OWN_PLUGIN = "management"
AUDIT_PAGE = 50

# --- plugins -------------------------------------------------------------------------------


def _plugins_page(request: Request, **values: Any) -> dict[str, Any]:
    plugins = request.registry.frontdesk_plugins
    statuses = plugin_statuses(request)
    switches = plugin_switches(request.dbsession)
    rows = [
        {
            "info": plugin.info,
            "status": statuses.get(plugin.info.name),
            "enabled": switches.get(plugin.info.name, True),
            "problem": plugin.problem,
            "own": plugin.info.name == OWN_PLUGIN,
        }
        for plugin in sorted(plugins, key=lambda p: p.info.title.lower())
        if plugin.info.name != CORE_PLUGIN
    ]
    return page(
        request,
        "plugins",
        rows=rows,
        failed=sorted(plugins.failed.items()),
        edition=edition_in_force(current_license_of(request)[0]),
        **values,
    )


def current_license_of(request: Request) -> tuple[Any, str | None]:
    return current_license(
        request.dbsession, request.registry.frontdesk_plugins, request.registry.settings
    )


@view_config(
    route_name=PLUGINS,
    renderer=template("plugins"),
    permission="core:plugins:manage",
    request_method="GET",
)
def plugins_page(request: Request) -> dict[str, Any]:
    return _plugins_page(request)


def _disabling(request: Request, plugin: LoadedPlugin) -> Confirmation:
    """What switching ``plugin`` off takes away, including the plugins that need it."""
    plugins = request.registry.frontdesk_plugins
    info = plugin.info
    now = load_snapshot(request.dbsession, plugins, request.registry.settings)
    before = evaluate(plugins, now)
    after = evaluate(plugins, dataclasses.replace(now, switches={**now.switches, info.name: False}))
    knock_on = sorted(
        p.info.title
        for p in plugins
        if p.info.name != info.name and before[p.info.name].active and not after[p.info.name].active
    )
    consequences = [
        f"What it does stops at once, for everyone: {info.description}"
        if info.description
        else f"{info.title} stops at once, for everyone.",
        "Its pages answer “not found” and its menu items disappear.",
    ]
    if knock_on:
        consequences.append(f"These plugins need it and stop too: {', '.join(knock_on)}.")
    consequences.append("Its data stays: enabling it again brings everything back.")
    return Confirmation(
        title=f"Disable {info.title}?",
        consequences=consequences,
        button=f"Disable {info.title}",
        fields={"enabled": "0"},
        cancel_url=request.route_path(PLUGINS, _anchor=f"plugin-{info.name}"),
    )


@view_config(
    route_name="management.admin.plugin_switch",
    renderer=template("plugins"),
    permission="core:plugins:manage",
    request_method="POST",
)
def plugin_switch(request: Request) -> Any:
    plugins = request.registry.frontdesk_plugins
    name = request.matchdict["name"]
    plugin = plugins.get(name)
    if plugin is None or name == CORE_PLUGIN:
        raise HTTPNotFound()
    enabled = request.POST.get("enabled") == "1"
    title = plugin.info.title
    if not enabled and name == OWN_PLUGIN:
        refuse(request)
        return _plugins_page(
            request,
            message=f"The {title} cannot be switched off from inside itself: this page would "
            "vanish with it and lock you out. Use the command line instead: "
            "frontdesk plugins disable CONFIG management.",
        )
    db = request.dbsession
    if plugin_switches(db).get(name, True) == enabled:
        word = "enabled" if enabled else "disabled"
        return nothing_changed(request, f"{title} was already {word}.", PLUGINS)
    if not enabled and not confirmed(request):
        return ask_first(request, "plugins", _disabling(request, plugin))
    before = plugin_statuses(request)
    switch_plugin(db, name, enabled)
    after = evaluate(plugins, load_snapshot(db, plugins, request.registry.settings))
    status = after[name]
    details = "now active" if status.active else f"inactive: {status.reason}"
    knock_on = sorted(
        p.info.title
        for p in plugins
        if p.info.name != name
        and before.get(p.info.name) is not None
        and before[p.info.name].active != after[p.info.name].active
    )
    if knock_on:
        details += f"; also {'active' if enabled else 'inactive'} now: {', '.join(knock_on)}"
    services.audit(
        db,
        request.user,
        "plugin.enable" if enabled else "plugin.disable",
        f"plugin {name}",
        details,
    )
    refresh_plugin_state_after_commit(request)
    if enabled:
        message = (
            f"{title} is enabled and active."
            if status.active
            else f"{title} is enabled but stays inactive: {status.reason}."
        )
    else:
        message = f"{title} is disabled: its pages and menu items are gone."
    if knock_on:
        message += f" Also {'active' if enabled else 'inactive'} now: {', '.join(knock_on)}."
    return done(request, message, PLUGINS)


# --- license -------------------------------------------------------------------------------


def _license_page(request: Request, **values: Any) -> dict[str, Any]:
    license, problem = current_license_of(request)
    today = dt.date.today()
    info = None
    if license is not None:
        info = {
            "license": license,
            "days_left": (license.expires - today).days,
            "expired": license.is_expired(today),
            "limit": seat_limit(license),
        }
    values.setdefault("key", "")
    held = current_entitlements(request.dbsession, request.registry.frontdesk_plugins)
    entitlements = [
        {
            "product": product,
            "license": entitled,
            "problem": why,
            "days_left": (entitled.expires - today).days if entitled else None,
        }
        for product, (entitled, why) in held.items()
    ]
    return page(
        request,
        "license",
        info=info,
        entitlements=entitlements,
        problem=problem,
        edition=edition_in_force(license),
        seats=seats(request),
        installed=get_setting(request.dbsession, LICENSE_SETTING) is not None,
        **values,
    )


def _describe(license: Any) -> str:
    if license.entitlement:
        return (
            f"plugin license {license.entitlement} for {license.licensee}, "
            f"issued {license.issued.isoformat()}, expires {license.expires.isoformat()}, "
            f"id {license.license_id}, signed by {license.signed_by}"
        )
    return (
        f"{license.edition.title} edition for {license.licensee}, {license.seats} seats, "
        f"issued {license.issued.isoformat()}, expires {license.expires.isoformat()}, "
        f"id {license.license_id}, signed by {license.signed_by or '(unknown)'}"
    )


@view_config(route_name=LICENSE, renderer=template("license"), permission="core:license:manage")
def license_page(request: Request) -> Any:
    if request.method != "POST":
        return _license_page(request)
    key = request.POST.get("key", "")
    db = request.dbsession
    try:
        license = install_license(
            db, request.registry.frontdesk_plugins, request.registry.settings, key
        )
    except LicenseError as exc:
        refuse(request)
        return _license_page(request, key=key, errors={"key": exc.message})
    services.audit(
        db, request.user, "license.install", f"license {license.license_id}", _describe(license)
    )
    refresh_plugin_state_after_commit(request)
    if license.entitlement:
        return done(
            request,
            f"Plugin license installed: {license.entitlement} for {license.licensee}, "
            f"valid until {license.expires.isoformat()}.",
            LICENSE,
        )
    used = active_agent_count(db)
    limit = seat_limit(license)
    if limit is not None and used > limit:
        request.session.flash(
            f"{used} agents and administrators are active but the license has {limit} seats: "
            "nobody was deactivated, but none can be added or reactivated until "
            f"{used - limit} {'is' if used - limit == 1 else 'are'} deactivated.",
            "error",
        )
    return done(
        request,
        f"License installed: {license.edition.title} edition for {license.licensee}, "
        f"{license.seats} seats, valid until {license.expires.isoformat()}.",
        LICENSE,
    )


@view_config(
    route_name="management.admin.license_remove",
    permission="core:license:manage",
    request_method="POST",
)
def license_remove(request: Request) -> Any:
    db = request.dbsession
    product = request.POST.get("entitlement")
    if product:
        if not remove_entitlement(db, product):
            return nothing_changed(request, f"No license for {product} was installed.", LICENSE)
        services.audit(db, request.user, "license.remove", f"plugin license {product}", product)
        refresh_plugin_state_after_commit(request)
        return done(request, f"Plugin license {product} removed: its plugins are off.", LICENSE)
    license, _ = current_license_of(request)
    if not remove_license(db):
        return nothing_changed(request, "No license was installed.", LICENSE)
    services.audit(
        db,
        request.user,
        "license.remove",
        f"license {license.license_id}" if license else "license",
        _describe(license) if license else "an unreadable key",
    )
    refresh_plugin_state_after_commit(request)
    return done(request, "License removed: the Free edition is in force.", LICENSE)


# --- settings ------------------------------------------------------------------------------

FLAGS = (
    (
        rs.PORTAL_REGISTRATION,
        "registration",
        "Customers can create their own accounts on the portal",
    ),
    (
        rs.PORTAL_ANONYMOUS_TICKETS,
        "anonymous_tickets",
        "Visitors who are not logged in can submit tickets with an email address",
    ),
    (
        rs.MANAGEMENT_REAUTH,
        "reauth",
        "Staff logged into the portal log in again to open the management interface",
    ),
)
WELCOME = "portal.welcome"
WELCOME_MAX = 1000
MB = 1024 * 1024
MAX_SIZE_MB = 1024
MAX_FILES = 100


def _mb(size: int) -> str:
    return f"{size / MB:.2f}".rstrip("0").rstrip(".")


def _current(request: Request) -> dict[str, Any]:
    db, ini = request.dbsession, request.registry.settings
    policy = upload_policy(db, ini)
    values: dict[str, Any] = {field: rs.get_flag(db, ini, key) for key, field, _ in FLAGS}
    values["welcome"] = get_setting(db, WELCOME) or ""
    values["max_size"] = _mb(policy.max_size)
    values["max_files"] = str(policy.max_files)
    values["_max_size_bytes"] = policy.max_size
    return values


def _on(value: bool) -> str:
    return "on" if value else "off"


@view_config(route_name=SETTINGS, renderer=template("settings"), permission=P.SettingsManage)
def settings_page(request: Request) -> Any:
    current = _current(request)
    flags = [{"key": k, "field": f, "label": label} for k, f, label in FLAGS]
    if request.method != "POST":
        return page(request, "settings", form=current, flags=flags)
    post = request.POST
    form: dict[str, Any] = {field: post.get(field) == "1" for _, field, _ in FLAGS}
    form["welcome"] = post.get("welcome", "")
    form["max_size"] = post.get("max_size", "").strip()
    form["max_files"] = post.get("max_files", "").strip()
    errors: dict[str, str] = {}
    welcome = form["welcome"].strip()
    if len(welcome) > WELCOME_MAX:
        errors["welcome"] = f"Use at most {WELCOME_MAX} characters (this is {len(welcome)})."
    max_size = current["_max_size_bytes"]
    if form["max_size"] != current["max_size"]:
        try:
            megabytes = decimal.Decimal(form["max_size"].replace(",", "."))
            if not megabytes.is_finite():
                raise decimal.InvalidOperation
        except decimal.InvalidOperation:
            errors["max_size"] = "Enter a number of megabytes, such as 10 or 2.5."
        else:
            if not 0 < megabytes <= MAX_SIZE_MB:
                errors["max_size"] = f"Enter a size above 0 and at most {MAX_SIZE_MB} MB."
            else:
                max_size = max(1, int(megabytes * MB))
    max_files = int(current["max_files"])
    try:
        max_files = int(form["max_files"])
    except ValueError:
        errors["max_files"] = "Enter a whole number, such as 5."
    else:
        if not 1 <= max_files <= MAX_FILES:
            errors["max_files"] = f"Enter a number from 1 to {MAX_FILES}."
    if errors:
        refuse(request)
        return page(request, "settings", form=form, flags=flags, errors=errors)

    db, actor = request.dbsession, request.user
    changed = []
    for key, field, _ in FLAGS:
        if form[field] != current[field]:
            services.change_setting(
                db,
                actor,
                key,
                rs.flag_value(form[field]),
                f"{_on(current[field])} → {_on(form[field])}",
            )
            changed.append(key)
    if welcome != current["welcome"]:
        shown = welcome if len(welcome) <= 200 else welcome[:199] + "…"
        services.change_setting(
            db,
            actor,
            WELCOME,
            welcome or None,
            f"new text: {shown}" if welcome else "back to the default",
        )
        changed.append(WELCOME)
    if max_size != current["_max_size_bytes"]:
        services.change_setting(
            db,
            actor,
            rs.ATTACHMENTS_MAX_SIZE,
            str(max_size),
            f"{_mb(current['_max_size_bytes'])} MB → {_mb(max_size)} MB",
        )
        changed.append(rs.ATTACHMENTS_MAX_SIZE)
    if max_files != int(current["max_files"]):
        services.change_setting(
            db,
            actor,
            rs.ATTACHMENTS_MAX_FILES,
            str(max_files),
            f"{current['max_files']} → {max_files}",
        )
        changed.append(rs.ATTACHMENTS_MAX_FILES)
    if not changed:
        return nothing_changed(request, "Nothing was changed.", SETTINGS)
    return done(request, "Settings saved: " + ", ".join(changed) + ".", SETTINGS)


# --- audit log -----------------------------------------------------------------------------


@view_config(
    route_name="management.admin.audit",
    renderer=template("audit"),
    permission=P.AuditView,
    request_method="GET",
)
def audit_log(request: Request) -> dict[str, Any]:
    before = None
    if request.GET.get("before"):
        before = positive_int(request.GET["before"])
        if before is None:
            raise BadRequest("“before” must be the number of an entry of the audit log.")
    entries = recent(request.dbsession, limit=AUDIT_PAGE + 1, before_id=before)
    older = (
        request.route_path("management.admin.audit", _query={"before": entries[AUDIT_PAGE - 1].id})
        if len(entries) > AUDIT_PAGE
        else None
    )
    return page(
        request,
        "audit",
        entries=entries[:AUDIT_PAGE],
        older_url=older,
        newest_url=request.route_path("management.admin.audit") if before else None,
    )
