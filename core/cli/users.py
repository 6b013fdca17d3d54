"""``user create|password|deactivate|activate|unlock``."""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy.orm import Session

from frontdesk.cli.base import (
    CLIError,
    command,
    connected,
    group,
    invalid,
    load_plugins,
    load_settings,
    read_password,
    require_current_schema,
    session,
)
from frontdesk.db.users import User
from frontdesk.identity.accounts import (
    ValidationError,
    activate_user,
    create_user,
    deactivate_user,
    find_user,
    set_password,
)
from frontdesk.identity.throttle import unlock
from frontdesk.licensing.installed import current_seat_limit
from frontdesk.plugin_platform.permissions import Role


def cmd_user_create(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    with connected(settings) as engine:
        plugins = load_plugins(settings)
        require_current_schema(engine, plugins, args.config)
        password = read_password()
        with session(engine) as db:
            try:
                user = create_user(
                    db,
                    username=args.username,
                    role=args.role,
                    password=password,
                    display_name=args.display_name,
                    email=args.email,
                    departments=args.department,
                    seat_limit=current_seat_limit(db, plugins, settings),
                )
            except ValidationError as exc:
                raise invalid(exc) from exc
            print(f"Created {user.role} {user.username!r}.")
        return 0


def existing_user(db: Session, username: str) -> User:
    user = find_user(db, username)
    if user is None:
        raise CLIError(f"no user named {username!r}")
    return user


def cmd_user_password(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    with connected(settings) as engine:
        require_current_schema(engine, load_plugins(settings), args.config)
        with session(engine) as db:  # an unknown name is reported before the prompt
            existing_user(db, args.username)
        password = read_password()
        with session(engine) as db:
            user = existing_user(db, args.username)
            try:
                set_password(db, user, password)
            except ValidationError as exc:
                raise invalid(exc) from exc
            print(f"Password of {user.username!r} changed; every session of theirs has ended.")
    return 0


def cmd_user_deactivate(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    with connected(settings) as engine:
        require_current_schema(engine, load_plugins(settings), args.config)
        with session(engine) as db:
            user = existing_user(db, args.username)
            if not user.active:
                print(f"{user.role.capitalize()} {user.username!r} is inactive already.")
                return 0
            try:
                deactivate_user(db, user)
            except ValidationError as exc:
                raise invalid(exc) from exc
            print(f"Deactivated {user.role} {user.username!r}; every session of theirs has ended.")
    return 0


def cmd_user_activate(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    with connected(settings) as engine:
        plugins = load_plugins(settings)
        require_current_schema(engine, plugins, args.config)
        with session(engine) as db:
            user = existing_user(db, args.username)
            if user.active:
                print(f"{user.role.capitalize()} {user.username!r} is active already.")
                return 0
            try:
                activate_user(db, user, seat_limit=current_seat_limit(db, plugins, settings))
            except ValidationError as exc:
                raise invalid(exc) from exc
            print(f"Activated {user.role} {user.username!r}.")
    return 0


def cmd_user_unlock(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    with connected(settings) as engine:
        require_current_schema(engine, load_plugins(settings), args.config)
        with session(engine) as db:
            user = existing_user(db, args.username)
            if unlock(db, user.login_key):
                print(f"Unlocked {user.role} {user.username!r}: they may log in from anywhere.")
            else:
                print(f"{user.role.capitalize()} {user.username!r} was not locked.")
    return 0


def register(commands: Any) -> None:
    """``user create|password|deactivate|activate|unlock``."""
    user = group(commands, "user", "Manage users.", "user_command")
    create = command(
        user,
        "create",
        cmd_user_create,
        "Create a user; the password is read from stdin when it is not a terminal.",
    )
    create.add_argument("--username", required=True)
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--display-name", dest="display_name")
    create.add_argument("--email")
    create.add_argument(
        "--department",
        action="append",
        default=[],
        help="a department the agent works in (repeatable)",
    )
    for name, func, help in (
        (
            "password",
            cmd_user_password,
            "Set a user's password and end all their sessions; the password is read from "
            "stdin when it is not a terminal.",
        ),
        (
            "deactivate",
            cmd_user_deactivate,
            "Deactivate a user: they cannot log in and all their sessions end.",
        ),
        (
            "activate",
            cmd_user_activate,
            "Reactivate a user; an agent or administrator needs a free license seat.",
        ),
        (
            "unlock",
            cmd_user_unlock,
            "Lift the lock that failed logins put on a user's account, from every address.",
        ),
    ):
        command(user, name, func, help).add_argument(
            "--username", required=True, help="the user's username (any case)"
        )
