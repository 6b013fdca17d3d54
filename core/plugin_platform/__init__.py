"""The plugin platform: hook specifications, the plugin manager, which plugins are on,
and what plugins declare — permissions, menus, slots, interfaces and events.

Depends only on licensing, settings and db; identity, tickets and web build on it.
"""

from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    """``request.interface``, and the per-request gate for routes of plugins that are off."""
    config.include(".interfaces")
    config.include(".plugin_state")
