"""``plugins list|enable|disable``."""

from __future__ import annotations

import argparse
from typing import Any

from frontdesk.cli.base import (
    CLIError,
    command,
    connected,
    group,
    load_plugins,
    load_settings,
    session,
)
from frontdesk.db import state
from frontdesk.plugin_state import evaluate, load_snapshot
from frontdesk.pluginmanager import CORE_PLUGIN


def cmd_plugins_list(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    with connected(settings) as engine:
        plugins = load_plugins(settings)

        with session(engine) as db:
            snapshot = load_snapshot(db, plugins, settings)
        statuses = evaluate(plugins, snapshot)
        rows = [("NAME", "VERSION", "EDITION", "STATE", "REASON")]
        for plugin in sorted(plugins, key=lambda p: p.info.name):
            if plugin.info.name == CORE_PLUGIN:
                continue
            status = statuses[plugin.info.name]
            rows.append(
                (
                    plugin.info.name,
                    plugin.info.version,
                    plugin.info.edition.value,
                    "active" if status.active else "inactive",
                    status.reason or "",
                )
            )
        for name, problem in sorted(plugins.failed.items()):
            rows.append((name, "-", "-", "failed", problem))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            print("  ".join([*cells, row[4]]))
        print(f"\nEdition in force: {snapshot.edition.title}")
        return 0


def switch(args: argparse.Namespace, enabled: bool) -> int:
    settings = load_settings(args.config)
    with connected(settings) as engine:
        plugins = load_plugins(settings)
        if args.name == CORE_PLUGIN:
            raise CLIError("the core cannot be switched off")
        if plugins.get(args.name) is None:
            known = ", ".join(sorted(p.info.name for p in plugins if p.info.name != CORE_PLUGIN))
            raise CLIError(f"unknown plugin {args.name!r} (installed: {known})")
        with session(engine) as db:
            state.switch_plugin(db, args.name, enabled)
        word = "enabled" if enabled else "disabled"
        print(f"Plugin {args.name} {word}; running servers follow within a second.")
        return 0


def register(commands: Any) -> None:
    """``plugins list|enable|disable``."""
    plugins = group(commands, "plugins", "List, enable or disable plugins.", "plugins_command")
    command(plugins, "list", cmd_plugins_list, "Show every plugin, its state and why it is off.")
    for name, enabled in (("enable", True), ("disable", False)):
        sw = command(
            plugins, name, lambda a, e=enabled: switch(a, e), f"{name.capitalize()} a plugin."
        )
        sw.add_argument("name", metavar="NAME", help="the plugin's name, as `plugins list` shows")
