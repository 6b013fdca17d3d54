"""The application factory: reads like a table of contents of the framework."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pyramid.config import Configurator
from pyramid.router import Router
from sqlalchemy import Engine

from frontdesk import core_plugin
from frontdesk.plugin_platform import pluginmanager
from frontdesk.plugin_platform.permissions import collect_permissions
from frontdesk.plugin_platform.pluginmanager import LoadedPlugin, Plugins, module_of


def main(global_config: Mapping[str, Any], **settings: Any) -> Router:
    """PasteDeploy entry point (``use = egg:frontdesk``)."""
    settings.setdefault("here", global_config.get("here", "."))
    return make_app(settings)


def make_app(
    settings: Mapping[str, Any],
    *,
    plugins: Iterable[str | Any] | None = None,
    engine: Engine | None = None,
) -> Router:
    """Build a WSGI app with a fresh plugin manager and Configurator.

    :param plugins: entry-point names or plugin objects; default: the ``frontdesk.plugins``
        setting, or every installed plugin.
    :param engine: use this engine instead of one built from ``sqlalchemy.url`` (tests).
    """
    settings = dict(settings)
    if engine is not None:
        settings["frontdesk.engine"] = engine
    loaded = make_plugins(settings, plugins)

    config = Configurator(settings=settings)
    config.registry.frontdesk_plugins = loaded
    # Web: templates, allowed hosts, body limits, input checks, layout, error pages, health.
    config.include("frontdesk.web")
    # Languages: core's and each plugin's catalogs, negotiation, time zones, formatting.
    config.include("frontdesk.i18n")
    # Database: engine, request.dbsession, one transaction per request, retries.
    config.include("frontdesk.db")
    # Jobs: the queue, and request sessions that push what they enqueue after commit.
    config.include("frontdesk.jobs")
    # Mail: check the outgoing settings, say where mail goes.
    config.include("frontdesk.mail")
    # Identity: session cookies and CSRF, request.user, permission checks, login pages.
    config.include("frontdesk.identity")
    # Platform: request.interface, and the 404 gate for routes of plugins that are off.
    config.include("frontdesk.plugin_platform")
    # The permission registry every plugin contributes to.
    config.registry["frontdesk_permissions"] = collect_permissions(_declared_permissions(loaded))
    # Each plugin wires its own routes, views and assets.
    configure_plugins(config, loaded)
    return config.make_wsgi_app()


def make_plugins(
    settings: Mapping[str, Any], plugins: Iterable[str | Any] | None = None
) -> Plugins:
    """The plugins of one application, core's own hook implementations first.

    :param plugins: entry-point names or plugin objects; default: the ``frontdesk.plugins``
        setting, or every installed plugin.
    """
    return pluginmanager.make_plugins(settings, plugins, builtins=[core_plugin])


def _declared_permissions(loaded: Plugins) -> list[tuple[str, list[Any]]]:
    """``(plugin name, permissions)`` for every plugin that can run on this core."""
    return [
        (
            plugin.info.name,
            [
                permission
                for batch in _call_for(loaded, plugin, "frontdesk_permissions")()
                for permission in batch or ()
            ],
        )
        for plugin in loaded.runnable()
    ]


def _call_for(loaded: Plugins, plugin: LoadedPlugin, hook_name: str) -> Any:
    """The hook ``hook_name`` restricted to one plugin's implementation."""
    others = [p.obj for p in loaded.runnable() if p is not plugin]
    return loaded.pm.subset_hook_caller(hook_name, remove_plugins=others)


def configure_plugins(config: Configurator, loaded: Plugins) -> None:
    """Call each plugin's ``frontdesk_configure`` and record which routes it added."""
    for plugin in loaded.runnable():
        actions = config.action_state.actions
        first = len(actions)
        _call_for(loaded, plugin, "frontdesk_configure")(
            config=config.with_package(module_of(plugin.obj))
        )
        for action in actions[first:]:
            for intr in action.get("introspectables", ()):
                if intr.category_name == "routes":
                    loaded.route_owner[intr.discriminator] = plugin.info.name
