"""``access explain``: why a user may or may not act on a ticket."""

from __future__ import annotations

import argparse
from typing import Any

from pyramid.request import Request
from pyramid.scripting import prepare
from sqlalchemy import select

from frontdesk.cli.base import (
    CLIError,
    command,
    connected,
    group,
    load_settings,
    require_current_schema,
)
from frontdesk.db.tickets import Ticket
from frontdesk.i18n.messages import plain
from frontdesk.identity.access import TicketPermission, explain, ticket_decision
from frontdesk.identity.accounts import find_user
from frontdesk.identity.sessions import InsecureSecret
from frontdesk.licensing.keys import KeyConfigError
from frontdesk.plugin_platform.pluginmanager import PluginLoadError


def cmd_access_explain(args: argparse.Namespace) -> int:
    from frontdesk.app import make_app

    settings = load_settings(args.config)
    with connected(settings) as engine:
        try:
            app = make_app(settings, engine=engine)
        except (InsecureSecret, PluginLoadError, KeyConfigError) as exc:
            raise CLIError(str(exc)) from exc
        require_current_schema(engine, app.registry.frontdesk_plugins, args.config)
        declared = app.registry["frontdesk_permissions"]
        if args.permission not in declared:
            raise CLIError(
                f"no plugin declares the permission {args.permission!r} "
                f"(ticket permissions: {', '.join(sorted(TicketPermission))})"
            )
        request = Request.blank("/")
        env = prepare(request=request, registry=app.registry)
        try:
            with request.tm:
                for line in explanation(request, args.username, args.ticket, args.permission):
                    print(line)
        finally:
            env["closer"]()
    return 0


def explanation(request: Request, username: str, number: str, permission: str) -> list[str]:
    """The verdict, each rule that could apply and whether it matches, the deciding rule."""
    db = request.dbsession
    user = find_user(db, username)
    if user is None:
        raise CLIError(f"no user named {username!r}")
    ticket = db.scalar(select(Ticket).where(Ticket.number == number.strip()))
    if ticket is None:
        raise CLIError(f"no ticket numbered {number!r}")
    decision = ticket_decision(request, permission, ticket, user)
    department = ticket.department.name if ticket.department else "(none)"
    requester = ticket.requester.username if ticket.requester else "(none)"
    verb = "may" if decision.allowed else "may not"
    lines = [
        f"{'ALLOWED' if decision.allowed else 'DENIED'}: {user.username} ({user.role}"
        f"{'' if user.active else ', deactivated'}) {verb} use {permission} on ticket "
        f"{ticket.number} (department {department}, requester {requester})",
        "Rules:",
    ]
    rules = explain(request, user, ticket, permission)
    width = max((len(rule.name) for rule, _ in rules), default=0)
    for rule, matches in rules:
        verdict = "matches " if matches else "no match"
        lines.append(f"  {rule.name.ljust(width)}  {verdict}  {plain(rule.description)}")
    if not rules:
        lines.append("  (none)")
    if decision.rule is not None:
        lines.append(f"Deciding rule: {decision.rule.name}")
    else:
        lines.append(f"Deciding rule: none; {plain(decision.reason)}")
    return lines


def register(commands: Any) -> None:
    """``access explain``."""
    access = group(commands, "access", "Explain who may act on which ticket.", "access_command")
    why = command(
        access,
        "explain",
        cmd_access_explain,
        "Show whether a user may use a permission on a ticket, every rule that could allow "
        "it and the one that decided.",
    )
    why.add_argument("--username", required=True, help="the user's username (any case)")
    why.add_argument("--ticket", required=True, metavar="NUMBER", help="the ticket's number")
    why.add_argument(
        "--permission",
        default=str(TicketPermission.VIEW),
        metavar="PERMISSION",
        help=f"the permission to check (default: {TicketPermission.VIEW})",
    )
