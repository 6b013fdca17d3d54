"""Which plugins are on: computed from the database, cached per process, checked per request.

A plugin is *active* while it is installed (loaded), compatible with this core, enabled,
covered by the edition in force, holds a valid license of its own if it declares an
entitlement, and every plugin it requires is active. The inputs live in
the database; each process re-reads them only when the ``state_version`` counter moved,
and looks at the counter at most every ``frontdesk.state_check_interval`` seconds
(default 0.5), so a change made anywhere takes effect everywhere within a second.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pyramid.events import BeforeTraversal
from pyramid.httpexceptions import HTTPNotFound
from pyramid.request import Request
from sqlalchemy.orm import Session

from frontdesk.db import state
from frontdesk.i18n import _
from frontdesk.i18n.messages import inner
from frontdesk.licensing import Edition, License, edition_in_force
from frontdesk.licensing.installed import NO_ENTITLEMENT, current_entitlements, current_license

if TYPE_CHECKING:  # pragma: no cover
    from frontdesk.plugin_platform.pluginmanager import Plugins


NOT_INSTALLED = _("not installed")


@dataclass(frozen=True, kw_only=True)
class PluginStatus:
    active: bool
    #: Why it is not active: a phrase (a translation string) to end a sentence with.
    reason: str | None = None
    #: Set when the only thing missing is a higher edition.
    needs_edition: Edition | None = None


@dataclass(frozen=True, kw_only=True)
class Snapshot:
    """The database inputs of the gate at one state version."""

    version: int
    switches: Mapping[str, bool]
    license: License | None
    license_problem: str | None = None
    #: Each plugin product's license and, when it grants nothing, why.
    entitlements: Mapping[str, tuple[License | None, str | None]] = field(default_factory=dict)

    @property
    def edition(self) -> Edition:
        return edition_in_force(self.license)


class PluginUnavailable(HTTPNotFound):
    """404 for a URL whose plugin is off, carrying the reason shown on the page."""


def load_snapshot(db: Session, plugins: Plugins, settings: Mapping[str, Any]) -> Snapshot:
    """Read switches and the installed license at the current state version."""
    license, problem = current_license(db, plugins, settings)
    return Snapshot(
        version=state.read_state_version(db),
        switches=state.plugin_switches(db),
        license=license,
        license_problem=problem,
        entitlements=current_entitlements(db, plugins),
    )


def evaluate(plugins: Plugins, snapshot: Snapshot) -> dict[str, PluginStatus]:
    """Each loaded plugin's status under ``snapshot``, following ``requires`` chains."""
    result: dict[str, PluginStatus] = {}

    def status_of(name: str, seen: tuple[str, ...] = ()) -> PluginStatus:
        if name in result:
            return result[name]
        plugin = plugins.get(name)
        if plugin is None:
            return PluginStatus(active=False, reason=NOT_INSTALLED)
        if name in seen:
            return PluginStatus(active=False, reason=_("circular plugin requirement"))
        info = plugin.info
        status = PluginStatus(active=True)
        if plugin.problem:
            status = PluginStatus(active=False, reason=plugin.problem)
        elif not snapshot.switches.get(name, True):
            status = PluginStatus(active=False, reason=_("disabled by an administrator"))
        elif info.edition > snapshot.edition:
            status = PluginStatus(
                active=False,
                reason=_(
                    "${plugin} is available in the ${edition} edition "
                    "(this installation runs the ${current} edition)",
                    mapping={
                        "plugin": inner(info.title),
                        "edition": info.edition.title,
                        "current": snapshot.edition.title,
                    },
                ),
                needs_edition=info.edition,
            )
        elif info.entitlement and (
            why := snapshot.entitlements.get(info.entitlement, (None, NO_ENTITLEMENT))[1]
        ):
            status = PluginStatus(
                active=False,
                reason=_(
                    "${plugin} needs a license of its own (${product}): ${reason}",
                    mapping={
                        "plugin": inner(info.title),
                        "product": info.entitlement,
                        "reason": inner(why),
                    },
                ),
            )
        else:
            for required in info.requires:
                needed = status_of(required, (*seen, name))
                if not needed.active:
                    missing = plugins.get(required) is None
                    reason = (
                        _("needs plugin '${name}', which is not installed")
                        if missing
                        else _("needs plugin '${name}', which is off")
                    )
                    status = PluginStatus(active=False, reason=reason % {"name": required})
                    break
        result[name] = status
        return status

    for plugin in plugins:
        status_of(plugin.info.name)
    return result


class StateCache:
    """Per-process cache of the snapshot and its evaluation, refreshed on version change."""

    def __init__(self, plugins: Plugins, settings: Mapping[str, Any], interval: float):
        self.plugins = plugins
        self.settings = settings
        self.interval = interval
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._statuses: dict[str, PluginStatus] = {}
        self._checked_at = 0.0
        self._checked_on: Any = None

    def current(self, db: Session) -> tuple[Snapshot, dict[str, PluginStatus]]:
        now = time.monotonic()
        with self._lock:
            fresh = self._snapshot is not None and now - self._checked_at < self.interval
            # A license that expires while cached must fall back without a version bump.
            if fresh and self._checked_on == _today():
                return self._snapshot, self._statuses
        version = state.read_state_version(db)
        with self._lock:
            if (
                self._snapshot is not None
                and self._snapshot.version == version
                and self._checked_on == _today()
            ):
                self._checked_at = now
                return self._snapshot, self._statuses
        snapshot = load_snapshot(db, self.plugins, self.settings)
        statuses = evaluate(self.plugins, snapshot)
        with self._lock:
            self._snapshot, self._statuses = snapshot, statuses
            self._checked_at, self._checked_on = now, _today()
        return snapshot, statuses

    def invalidate(self) -> None:
        with self._lock:
            self._snapshot = None


def _today() -> dt.date:
    return dt.date.today()


def _request_state(request: Request) -> tuple[Snapshot, dict[str, PluginStatus]]:
    return request.registry["frontdesk_state"].current(request.dbsession)


def plugin_statuses(request: Request) -> dict[str, PluginStatus]:
    """Every loaded plugin's status for this request (read once per request)."""
    return request.frontdesk_state[1]


def current_snapshot(request: Request) -> Snapshot:
    return request.frontdesk_state[0]


def gate_routes(event: BeforeTraversal) -> None:
    """Answer 404 for a matched route whose plugin is not active."""
    request = event.request
    route = getattr(request, "matched_route", None)
    if route is None:
        return
    owner = request.registry.frontdesk_plugins.route_owner.get(route.name)
    if owner is None:
        return
    status = plugin_statuses(request).get(owner)
    if status is None or not status.active:
        raise PluginUnavailable(detail=status.reason if status else NOT_INSTALLED)


def includeme(config: Any) -> None:
    """The per-process state cache and the per-request route gate."""
    settings = config.get_settings()
    config.registry["frontdesk_state"] = StateCache(
        config.registry.frontdesk_plugins,
        settings,
        float(settings.get("frontdesk.state_check_interval", 0.5)),
    )
    config.add_request_method(_request_state, "frontdesk_state", reify=True)
    config.add_subscriber(gate_routes, BeforeTraversal)
