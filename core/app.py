"""The application factory: reads like a table of contents of the framework."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pyramid.config import Configurator
from pyramid.router import Router
from sqlalchemy import Engine

from frontdesk.permissions import collect_permissions
from frontdesk.pluginmanager import LoadedPlugin, Plugins, make_plugins, module_of


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
    # Chameleon page templates (.pt) for core and plugins, compiled one at a time.
    config.include("frontdesk.templating")
    # Translations (core's and each plugin's locale/), language negotiation, formatting.
    config.include("frontdesk.i18n")
    # request.interface: portal, management or mobile, from the URL.
    config.include("frontdesk.interfaces")
    # Absolute URLs from frontdesk.public_url; hosts outside frontdesk.allowed_hosts refused.
    config.include("frontdesk.hosts")
    # Engine, request.dbsession, one transaction per request, retries.
    config.include("frontdesk.db.session")
    # Oversized request bodies refused (413) before anything reads them.
    config.include("frontdesk.body_limit")
    # 400 for control characters (NUL ...) in any parameter, before any view or query.
    config.include("frontdesk.request_checks")
    # A session cookie per interface; CSRF tokens on every unsafe request.
    config.include("frontdesk.sessions")
    # request.user and the permission checks behind every view.
    config.include("frontdesk.security")
    # The add_login_pages directive interface plugins use for login, logout, password.
    config.include("frontdesk.login")
    # Which plugins are on, per request, and the 404 gate for routes of those that are off.
    config.include("frontdesk.plugin_state")
    # Layout globals, static assets, security headers, error pages.
    config.include("frontdesk.web")
    # /healthz and /readyz for load balancers.
    config.include("frontdesk.health")
    # The permission registry every plugin contributes to.
    config.registry["frontdesk_permissions"] = collect_permissions(_declared_permissions(loaded))
    # Each plugin wires its own routes, views and assets.
    configure_plugins(config, loaded)
    return config.make_wsgi_app()


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
