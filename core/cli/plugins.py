"""``plugins list|enable|disable|purge``."""

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
    note_absent_plugins,
    session,
)
from frontdesk.db import state
from frontdesk.i18n.messages import plain
from frontdesk.migrations import runner as migrate
from frontdesk.plugin_platform.plugin_state import evaluate, load_snapshot
from frontdesk.plugin_platform.pluginmanager import CORE_PLUGIN, discover


def cmd_plugins_list(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    with connected(settings) as engine:
        plugins = load_plugins(settings)
        note_absent_plugins(engine, plugins, args.config)
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
                    plain(status.reason or ""),
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
        with session(engine) as db:
            status = evaluate(plugins, load_snapshot(db, plugins, settings))[args.name]
        if enabled and not status.active:
            print(f"Plugin {args.name} enabled, but inactive: {plain(status.reason)}.")
            return 0
        word = "enabled" if enabled else "disabled"
        print(f"Plugin {args.name} {word}; running servers follow within a second.")
        return 0


def cmd_plugins_purge(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    name = args.name
    with connected(settings) as engine:
        plugins = load_plugins(settings)
        if name == CORE_PLUGIN:
            raise CLIError("the core cannot be purged")
        if plugins.get(name) is not None:
            with session(engine) as db:
                if state.plugin_switches(db).get(name, True):
                    raise CLIError(
                        f"plugin {name!r} is enabled; first run: "
                        f"frontdesk plugins disable {args.config} {name}"
                    )
        if name not in discover():
            raise CLIError(
                f"plugin {name!r} is not installed, and its migrations (which drop its "
                "tables) come with its code: install it again to purge it"
            )
        # Core and the plugin alone: every other plugin's revisions are set aside.
        own = load_plugins({**settings, "frontdesk.plugins": name})
        if name in own.failed:
            raise CLIError(f"plugin {name!r} {own.failed[name]}")
        if not own.get(name).info.migrations:
            raise CLIError(f"plugin {name!r} has no tables")
        if not args.yes and not confirmed(
            f"Drop every table of plugin {name} with all its data? This cannot be undone. [y/N] "
        ):
            raise CLIError("nothing purged (not confirmed; --yes confirms in scripts)")
        undone = migrate.downgrade_branch(engine, own, name)
    if not undone:
        print(f"Plugin {name} has no tables in this database; nothing to purge.")
        return 0
    print(f"Plugin {name} purged: its tables are dropped. Undone:")
    for rev in undone:
        print(f"  {rev.revision}  {rev.message}")
    return 0


def confirmed(question: str) -> bool:
    """Whether the answer to ``question`` on stdin is yes (no answer is no)."""
    try:
        return input(question).strip().lower() in {"y", "yes"}
    except EOFError:
        return False


def register(commands: Any) -> None:
    """``plugins list|enable|disable|purge``."""
    plugins = group(
        commands, "plugins", "List, enable, disable or purge plugins.", "plugins_command"
    )
    command(plugins, "list", cmd_plugins_list, "Show every plugin, its state and why it is off.")
    for name, enabled in (("enable", True), ("disable", False)):
        sw = command(
            plugins, name, lambda a, e=enabled: switch(a, e), f"{name.capitalize()} a plugin."
        )
        sw.add_argument("name", metavar="NAME", help="the plugin's name, as `plugins list` shows")
    purge = command(
        plugins,
        "purge",
        cmd_plugins_purge,
        "Drop a plugin's tables for good (runs its downgrade; asks first).",
    )
    purge.add_argument("name", metavar="NAME", help="the plugin's name (its branch label)")
    purge.add_argument("--yes", action="store_true", help="do not ask for confirmation")
