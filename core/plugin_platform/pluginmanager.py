"""Finding, loading and validating plugins; one :class:`Plugins` per application.

A plugin is a module (or any object) carrying ``PLUGIN = PluginInfo(...)`` and functions
marked with :data:`frontdesk.hookimpl`. Plugins come from the ``frontdesk.plugins``
entry-point group, optionally pinned by the ``frontdesk.plugins`` setting, or are passed
in directly (tests). A plugin that fails to load is reported by name and left out, unless
``frontdesk.strict_plugins = true`` makes that fatal.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import re
import sys
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pluggy
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from pyramid.interfaces import IRouteRequest

from frontdesk.i18n import _
from frontdesk.i18n.messages import plain
from frontdesk.licensing import Edition
from frontdesk.plugin_platform import hookspecs
from frontdesk.plugin_platform.plugin_state import PluginStatus, plugin_statuses

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "frontdesk.plugins"
CORE_PLUGIN = "core"

hookimpl = pluggy.HookimplMarker(hookspecs.PROJECT)
_PRODUCT_RE = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


@dataclass(frozen=True, kw_only=True)
class PluginInfo:
    """What a plugin says about itself (its module's ``PLUGIN`` attribute).

    :param name: short unique name, used in URLs of the admin pages, route names and
        permission names.
    :param edition: the lowest edition whose license switches the plugin on.
    :param requires: names of plugins that must be on for this one to be on.
    :param requires_core: the core versions it works with, as a PEP 440 specifier
        such as ``">=0.1,<1"``; empty means any.
    :param migrations: asset spec of the plugin's Alembic versions folder, if it owns
        tables, e.g. ``"frontdesk.plugins.kb:migrations/versions"``.
    :param entitlement: the product name of a license of the plugin's own (say
        ``"acme-sla"``); the plugin is on only while a valid key for it is installed.
    :param entitlement_keys: the vendor's Ed25519 public keys (base64, as ``frontdesk
        license keygen`` writes them) that sign the plugin's entitlement keys.
    """

    name: str
    title: str
    description: str = ""
    version: str = "0.0.0"
    edition: Edition = Edition.FREE
    requires: tuple[str, ...] = ()
    requires_core: str = ""
    migrations: str | None = None
    entitlement: str | None = None
    entitlement_keys: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "edition", Edition(self.edition))
        object.__setattr__(self, "requires", tuple(self.requires))
        object.__setattr__(self, "entitlement_keys", tuple(self.entitlement_keys))
        if self.entitlement is not None and not _PRODUCT_RE.fullmatch(self.entitlement):
            raise ValueError(
                f"plugin {self.name!r}: entitlement {self.entitlement!r} is not a product "
                "name (lower-case letters, digits, '.', '_' or '-', at most 64)"
            )


@dataclass(kw_only=True)
class LoadedPlugin:
    """A plugin that was imported; ``problem`` says why it can never be active here.

    A plugin with a problem is *fenced*: it is never registered with the pluggy manager,
    so none of its hooks is ever called (no verifier, permissions, events, menus, slots)
    and its migrations never run. It is kept only to be listed with its reason.
    """

    info: PluginInfo
    obj: Any
    problem: str | None = None
    builtin: bool = False

    @property
    def module(self) -> ModuleType:
        """The module the plugin is, or that its class is defined in (its package's
        folder holds its templates, static files and ``locale/`` catalogs)."""
        return module_of(self.obj)


class PluginLoadError(Exception):
    """A plugin could not be loaded (fatal only under ``frontdesk.strict_plugins``)."""


class FrontdeskPluginManager(pluggy.PluginManager):
    """pluggy's manager, taking only ``frontdesk_*`` attributes and mapping renamed hooks."""

    def parse_hookimpl_opts(self, plugin: Any, name: str) -> Any:
        if not name.startswith("frontdesk_"):
            return None
        opts = super().parse_hookimpl_opts(plugin, name)
        if opts is not None and name in hookspecs.RENAMED_HOOKS:
            new = hookspecs.RENAMED_HOOKS[name]
            warnings.warn(
                hookspecs.FrontdeskDeprecationWarning(
                    f"plugin {plugin_name_of(plugin)!r} implements {name}, "
                    f"which was renamed to {new}; rename it before the next major release"
                ),
                stacklevel=2,
            )
            opts = dict(opts, specname=new)
        return opts


def plugin_name_of(obj: Any) -> str:
    info = getattr(obj, "PLUGIN", None)
    return info.name if isinstance(info, PluginInfo) else getattr(obj, "__name__", repr(obj))


def module_of(obj: Any) -> ModuleType:
    """The module a plugin is (or, for a plugin object, the module its class is in)."""
    return obj if isinstance(obj, ModuleType) else sys.modules[type(obj).__module__]


def core_version() -> str:
    from frontdesk.version import __version__

    return __version__


def parse_plugin_list(value: str | Sequence[str] | None) -> list[str] | None:
    """The ``frontdesk.plugins`` setting as names; ``None`` when not pinned."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    return [v.strip() for v in value if v.strip()]


def as_bool(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


@dataclass(kw_only=True)
class Plugins:
    """The application's plugins: the pluggy manager plus what core knows about each."""

    pm: FrontdeskPluginManager
    loaded: dict[str, LoadedPlugin] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    route_owner: dict[str, str] = field(default_factory=dict)

    @property
    def hook(self) -> Any:
        """Every registered plugin's hooks, whatever its state (configuration-time hooks);
        fenced plugins are never registered."""
        return self.pm.hook

    def __iter__(self):
        return iter(self.loaded.values())

    def runnable(self) -> list[LoadedPlugin]:
        """The plugins that can run on this core (registered with the manager)."""
        return [p for p in self.loaded.values() if not p.problem]

    def get(self, name: str) -> LoadedPlugin | None:
        return self.loaded.get(name)

    def statuses(self, request: Any) -> dict[str, PluginStatus]:
        """Each plugin's status for this request (see
        :mod:`frontdesk.plugin_platform.plugin_state`)."""
        return plugin_statuses(request)

    def is_active(self, request: Any, name: str) -> bool:
        status = plugin_statuses(request).get(name)
        return status is not None and status.active

    def route_is_active(self, request: Any, route_name: str) -> bool:
        """Whether ``route_name`` exists and its plugin is on for this request."""
        owner = self.route_owner.get(route_name)
        if owner is None:
            return request.registry.queryUtility(IRouteRequest, name=route_name) is not None
        return self.is_active(request, owner)

    def active_hook(self, request: Any) -> _ActiveHooks:
        """The hooks, skipping plugins that are off for this request."""
        return self.hooks_for(plugin_statuses(request))

    def hooks_for(self, statuses: Mapping[str, PluginStatus]) -> _ActiveHooks:
        """The hooks, skipping plugins that are off under ``statuses`` (outside a
        request, e.g. in a background job)."""
        inactive = [
            p.obj for p in self.loaded.values() if not statuses.get(p.info.name, _OFF).active
        ]
        return _ActiveHooks(self.pm, inactive)

    def answers_by_plugin(
        self, request: Any, hook_name: str, /, **kwargs: Any
    ) -> list[tuple[str, Any]]:
        """Each active plugin's non-``None`` answer to ``hook_name``, with the plugin's
        name, in pluggy's call order (hook wrappers are not run)."""
        statuses = plugin_statuses(request)
        answers = []
        for impl in reversed(getattr(self.pm.hook, hook_name).get_hookimpls()):
            if impl.hookwrapper or impl.wrapper:
                continue
            if not statuses.get(impl.plugin_name, _OFF).active:
                continue
            answer = impl.function(*(kwargs[arg] for arg in impl.argnames))
            if answer is not None:
                answers.append((impl.plugin_name, answer))
        return answers

    def add(self, obj: Any, *, builtin: bool = False) -> LoadedPlugin:
        """Register ``obj`` as a plugin, validating its declaration and hooks."""
        info = getattr(obj, "PLUGIN", None)
        if not isinstance(info, PluginInfo):
            raise PluginLoadError(f"{plugin_name_of(obj)} has no PLUGIN = PluginInfo(...)")
        if info.name in self.loaded:
            raise PluginLoadError(f"plugin name {info.name!r} is used twice")
        problem = core_problem(info)
        if problem:
            # Fenced: listed with its reason, but none of its hooks is ever registered.
            log.warning("plugin %r stays off: %s", info.name, plain(problem))
            plugin = LoadedPlugin(info=info, obj=obj, problem=problem, builtin=builtin)
            self.loaded[info.name] = plugin
            return plugin
        self.pm.register(obj, name=info.name)
        unknown = [h.name for h in self.pm.get_hookcallers(obj) or () if not h.has_spec()]
        if unknown:
            self.pm.unregister(obj)
            raise PluginLoadError(
                f"plugin {info.name!r} implements unknown hook(s) {', '.join(unknown)}"
            )
        plugin = LoadedPlugin(info=info, obj=obj, builtin=builtin)
        self.loaded[info.name] = plugin
        return plugin


class _ActiveHooks:
    def __init__(self, pm: pluggy.PluginManager, inactive: list[Any]):
        self._pm, self._inactive = pm, inactive

    def __getattr__(self, name: str) -> Any:
        if not self._inactive:
            return getattr(self._pm.hook, name)
        return self._pm.subset_hook_caller(name, remove_plugins=self._inactive)


_OFF = PluginStatus(active=False)


def core_problem(info: PluginInfo) -> str | None:
    """Why ``info`` cannot run on this core version, or ``None``."""
    if not info.requires_core:
        return None
    try:
        spec = SpecifierSet(info.requires_core)
    except InvalidSpecifier:
        return _(
            "declares an invalid requires_core '${spec}'", mapping={"spec": info.requires_core}
        )
    if not spec.contains(core_version(), prereleases=True):
        return _(
            "works with frontdesk ${spec}, this is ${version}",
            mapping={"spec": info.requires_core, "version": core_version()},
        )
    return None


def discover() -> dict[str, importlib.metadata.EntryPoint]:
    """Every installed plugin's entry point, by name."""
    return {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}


def make_plugins(
    settings: Mapping[str, Any],
    plugins: Iterable[str | Any] | None = None,
    *,
    builtins: Iterable[Any] = (),
) -> Plugins:
    """Build a fresh plugin manager for one application.

    :param settings: the app settings; reads ``frontdesk.plugins`` (pin a list) and
        ``frontdesk.strict_plugins``.
    :param plugins: overrides the setting: entry-point names or plugin objects.
    :param builtins: core's own hook implementations, always on (the app factory's
        :func:`frontdesk.app.make_plugins` passes them; the platform never imports them).
    """

    strict = as_bool(settings.get("frontdesk.strict_plugins", False))
    pm = FrontdeskPluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    if as_bool(os.environ.get("FRONTDESK_TRACE_HOOKS", "")):
        pm.trace.root.setwriter(lambda line: log.debug(line.rstrip("\n")))
        pm.enable_tracing()
    result = Plugins(pm=pm)
    for builtin in builtins:
        result.add(builtin, builtin=True)

    wanted = (
        list(plugins)
        if plugins is not None
        else parse_plugin_list(settings.get("frontdesk.plugins"))
    )
    available = discover()
    if wanted is None:
        wanted = sorted(available)

    for entry in wanted:
        label = entry if isinstance(entry, str) else plugin_name_of(entry)
        try:
            if isinstance(entry, str):
                if entry not in available:
                    raise PluginLoadError(f"plugin {entry!r} is not installed")
                obj = available[entry].load()
                declared = getattr(obj, "PLUGIN", None)
                if isinstance(declared, PluginInfo) and declared.name != entry:
                    raise PluginLoadError(
                        f"entry point {entry!r} loads a plugin named {declared.name!r}"
                    )
                is_builtin = available[entry].value.startswith("frontdesk.plugins.")
            else:
                obj, is_builtin = entry, False
            result.add(obj, builtin=is_builtin)
        except Exception as exc:
            message = (
                exc.args[0]
                if isinstance(exc, PluginLoadError)
                else (f"failed to load: {type(exc).__name__}: {exc}")
            )
            if strict:
                raise PluginLoadError(f"plugin {label!r}: {message}") from exc
            log.error("plugin %r left out: %s", label, message)
            result.failed[label] = message
    return result
