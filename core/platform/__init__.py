"""The plugin platform: hook specifications, the plugin manager, which plugins are on,
and what plugins declare — permissions, menus, slots, interfaces and events.

Depends only on licensing, settings and db; identity, tickets and web build on it.
"""
