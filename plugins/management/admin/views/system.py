"""Plugins, license and the audit log."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from pyramid.httpexceptions import HTTPNotFound
from pyramid.i18n import TranslationString
from pyramid.request import Request
from pyramid.view import view_config

from frontdesk.db.state import get_setting, plugin_switches, switch_plugin
from frontdesk.i18n import translate
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
from frontdesk.plugin_platform.plugin_state import evaluate, load_snapshot, plugin_statuses
from frontdesk.plugin_platform.pluginmanager import CORE_PLUGIN, LoadedPlugin
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
    source_text,
    template,
)
from frontdesk.plugins.management.i18n import DOMAIN, _
from frontdesk.plugins.management.permissions import P
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
        for plugin in sorted(plugins, key=lambda p: translate(request, p.info.title).lower())
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
        translate(request, p.info.title)
        for p in plugins
        if p.info.name != info.name and before[p.info.name].active and not after[p.info.name].active
    )
    title = {"plugin": translate(request, info.title)}
    consequences = [
        _(
            "What it does stops at once, for everyone: ${description}",
            mapping={"description": translate(request, info.description)},
        )
        if info.description
        else _("${plugin} stops at once, for everyone.", mapping=title),
        _("Its pages answer “not found” and its menu items disappear."),
    ]
    if knock_on:
        consequences.append(
            _(
                "These plugins need it and stop too: ${plugins}.",
                mapping={"plugins": ", ".join(knock_on)},
            )
        )
    consequences.append(_("Its data stays: enabling it again brings everything back."))
    return Confirmation(
        title=_("Disable ${plugin}?", mapping=title),
        consequences=consequences,
        button=_("Disable ${plugin}", mapping=title),
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
    title = {"plugin": translate(request, plugin.info.title)}
    if not enabled and name == OWN_PLUGIN:
        refuse(request)
        return _plugins_page(
            request,
            message=_(
                "The ${plugin} cannot be switched off from inside itself: this page would "
                "vanish with it and lock you out. Use the command line instead: "
                "${command}.",
                mapping={**title, "command": "frontdesk plugins disable CONFIG management"},
            ),
        )
    db = request.dbsession
    if plugin_switches(db).get(name, True) == enabled:
        already = (
            _("${plugin} was already enabled.") if enabled else _("${plugin} was already disabled.")
        )
        return nothing_changed(request, TranslationString(already, mapping=title), PLUGINS)
    if not enabled and not confirmed(request):
        return ask_first(request, "plugins", _disabling(request, plugin))
    before = plugin_statuses(request)
    switch_plugin(db, name, enabled)
    after = evaluate(plugins, load_snapshot(db, plugins, request.registry.settings))
    status = after[name]
    details = "now active" if status.active else f"inactive: {source_text(status.reason)}"
    knock_on = [
        p.info.title
        for p in plugins
        if p.info.name != name
        and before.get(p.info.name) is not None
        and before[p.info.name].active != after[p.info.name].active
    ]
    if knock_on:
        names = ", ".join(sorted(source_text(t) for t in knock_on))
        details += f"; also {'active' if enabled else 'inactive'} now: {names}"
    services.audit(
        db,
        request.user,
        "plugin.enable" if enabled else "plugin.disable",
        f"plugin {name}",
        details,
    )
    refresh_plugin_state_after_commit(request)
    if not enabled:
        message = _("${plugin} is disabled: its pages and menu items are gone.", mapping=title)
    elif status.active:
        message = _("${plugin} is enabled and active.", mapping=title)
    else:
        message = _(
            "${plugin} is enabled but stays inactive: ${reason}.",
            mapping={**title, "reason": translate(request, status.reason)},
        )
    if knock_on:
        also = _("Also active now: ${plugins}.") if enabled else _("Also inactive now: ${plugins}.")
        names = ", ".join(sorted(translate(request, t) for t in knock_on))
        message = " ".join(
            (
                translate(request, message),
                translate(request, TranslationString(also, mapping={"plugins": names})),
            )
        )
    return done(request, message, PLUGINS)


# --- license -------------------------------------------------------------------------------


#: License dates are shown as the key, the command line and the vendor write them:
#: ISO 8601 in every language (CLDR pattern, so the digits are still the viewer's).
LICENSE_DATE = "yyyy-MM-dd"


def license_date(request: Request, value: dt.date) -> str:
    return request.format_date(value, LICENSE_DATE)


def _days_left(request: Request, days: int) -> str:
    return request.localizer.pluralize(
        "${days} day left",
        "${days} days left",
        days,
        domain=DOMAIN,
        mapping={"days": request.format_number(days)},
    )


def _license_page(request: Request, **values: Any) -> dict[str, Any]:
    license, problem = current_license_of(request)
    today = dt.date.today()
    info = None
    if license is not None:
        info = {
            "license": license,
            "days_left": _days_left(request, (license.expires - today).days),
            "expired": license.is_expired(today),
            "limit": seat_limit(license),
            "issued": license_date(request, license.issued),
            "expires": license_date(request, license.expires),
        }
    values.setdefault("key", "")
    held = current_entitlements(request.dbsession, request.registry.frontdesk_plugins)
    entitlements = [
        {
            "product": product,
            "license": entitled,
            "problem": why,
            "days_left": _days_left(request, (entitled.expires - today).days) if entitled else None,
            "expires": license_date(request, entitled.expires) if entitled else None,
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
        f"{source_text(license.edition.title)} edition for {license.licensee}, "
        f"{license.seats} seats, "
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
    installed = {
        "licensee": license.licensee,
        "expires": license_date(request, license.expires),
    }
    if license.entitlement:
        return done(
            request,
            _(
                "Plugin license installed: ${product} for ${licensee}, valid until ${expires}.",
                mapping={**installed, "product": license.entitlement},
            ),
            LICENSE,
        )
    used = active_agent_count(db)
    limit = seat_limit(license)
    if limit is not None and used > limit:
        excess = used - limit
        request.session.flash(
            request.localizer.pluralize(
                "${used} agents and administrators are active but the license has ${limit} "
                "seats: nobody was deactivated, but none can be added or reactivated until "
                "${excess} is deactivated.",
                "${used} agents and administrators are active but the license has ${limit} "
                "seats: nobody was deactivated, but none can be added or reactivated until "
                "${excess} are deactivated.",
                excess,
                domain=DOMAIN,
                mapping={
                    "used": request.format_number(used),
                    "limit": request.format_number(limit),
                    "excess": request.format_number(excess),
                },
            ),
            "error",
        )
    return done(
        request,
        _(
            "License installed: ${edition} edition for ${licensee}, ${seats} seats, "
            "valid until ${expires}.",
            mapping={
                **installed,
                "edition": translate(request, license.edition.title),
                "seats": request.format_number(license.seats),
            },
        ),
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
        named = {"product": product}
        if not remove_entitlement(db, product):
            return nothing_changed(
                request, _("No license for ${product} was installed.", mapping=named), LICENSE
            )
        services.audit(db, request.user, "license.remove", f"plugin license {product}", product)
        refresh_plugin_state_after_commit(request)
        return done(
            request,
            _("Plugin license ${product} removed: its plugins are off.", mapping=named),
            LICENSE,
        )
    license = current_license_of(request)[0]
    if not remove_license(db):
        return nothing_changed(request, _("No license was installed."), LICENSE)
    services.audit(
        db,
        request.user,
        "license.remove",
        f"license {license.license_id}" if license else "license",
        _describe(license) if license else "an unreadable key",
    )
    refresh_plugin_state_after_commit(request)
    return done(request, _("License removed: the Free edition is in force."), LICENSE)


# --- audit log -----------------------------------------------------------------------------


#: What the audit log's action codes mean (a plugin's own codes are shown as they are).
ACTIONS = {
    "department.create": _("A department was created"),
    "department.update": _("A department was renamed or described anew"),
    "department.show": _("A department was shown to customers"),
    "department.hide": _("A department was hidden from customers"),
    "department.deactivate": _("A department was deactivated"),
    "department.reactivate": _("A department was reactivated"),
    "user.create": _("An agent or administrator was created"),
    "user.update": _("A user's details were changed"),
    "user.deactivate": _("A user was deactivated"),
    "user.reactivate": _("A user was reactivated"),
    "user.password_reset": _("A user's password was reset"),
    "user.unlock": _("A user's login lock was lifted"),
    "permissions.grant": _("An agent's permissions were changed"),
    "permissions.reset": _("An agent's permissions went back to the role's defaults"),
    "setting.change": _("A setting was changed"),
    "plugin.enable": _("A plugin was enabled"),
    "plugin.disable": _("A plugin was disabled"),
    "license.install": _("A license was installed"),
    "license.remove": _("A license was removed"),
    "mailbox.create": _("A department's mailbox was set up"),
    "mailbox.update": _("A department's mailbox was changed"),
    "mailbox.deactivate": _("A department's mailbox is no longer fetched"),
    "mailbox.reactivate": _("A department's mailbox is fetched again"),
    "mail.test": _("A test mail was sent"),
    "mail.inbound_retry": _("A quarantined mail was processed again"),
    "mail.inbound_discard": _("A quarantined mail was discarded"),
    "job.retry": _("A failed job was queued again"),
    "job.discard": _("A failed job was discarded"),
}


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
            raise BadRequest(_("“before” must be the number of an entry of the audit log."))
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
        actions=ACTIONS,
        zone=request.time_zone.key,
        older_url=older,
        newest_url=request.route_path("management.admin.audit") if before else None,
    )
