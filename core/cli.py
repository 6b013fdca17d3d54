"""The ``frontdesk`` command: set up, run and administer an installation.

Every failure a user can cause (bad arguments, a missing config, an unreachable database,
an unknown plugin) prints one line on stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import transaction
from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session

from frontdesk import demo, migrate
from frontdesk.accounts import ValidationError, create_user, find_user
from frontdesk.db import state
from frontdesk.db.session import engine_from_settings, redacted_url, session_factory
from frontdesk.db.users import User
from frontdesk.license_keys import KeyConfigError, trusted_public_keys
from frontdesk.passwords import generate_password, verify_password
from frontdesk.permissions import Role
from frontdesk.plugin_state import evaluate, load_snapshot
from frontdesk.pluginmanager import CORE_PLUGIN, PluginLoadError, Plugins, as_bool, make_plugins
from frontdesk.sessions import InsecureSecret

EXIT_USAGE = 2


class CLIError(Exception):
    """A problem to report in one line, exiting with status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line too."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# --- shared plumbing ----------------------------------------------------------------------


def load_settings(config: str) -> dict[str, Any]:
    """The ``[app:main]`` settings of an ini file, with ``here`` set."""
    from pyramid.paster import get_appsettings

    path = Path(config)
    if not path.is_file():
        raise CLIError(f"config file {config} not found")
    if not os.access(path, os.R_OK):
        raise CLIError(f"config file {config} is not readable")
    try:
        settings = dict(get_appsettings(str(path.resolve())))
    except Exception as exc:  # configparser, PasteDeploy and plaster all raise their own
        raise CLIError(f"cannot load {config}: {str(exc).splitlines()[0]}") from exc
    settings.setdefault("here", str(path.resolve().parent))
    return settings


@contextmanager
def connected(settings: dict[str, Any]) -> Iterator[Engine]:
    """An engine that has been shown to connect (or a one-line error), disposed after."""
    url = settings.get("sqlalchemy.url", "")
    try:
        engine = engine_from_settings(settings)
        with engine.connect():
            pass
    except ArgumentError as exc:
        raise CLIError(f"invalid sqlalchemy.url {url!r}: {exc}") from exc
    except (DBAPIError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise CLIError(f"cannot connect to the database {redacted_url(url)}: {reason}") from exc
    try:
        yield engine
    finally:
        engine.dispose()


def load_plugins(settings: dict[str, Any]) -> Plugins:
    try:
        return make_plugins(settings)
    except PluginLoadError as exc:
        raise CLIError(str(exc)) from exc


@contextmanager
def session(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block succeeds."""
    manager = transaction.TransactionManager(explicit=True)
    from frontdesk.db.session import tm_session

    with manager:
        yield tm_session(session_factory(engine), manager)


# --- commands -----------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    if args.demo and as_bool(settings.get("frontdesk.production")):
        raise CLIError("--demo is for development; this config sets frontdesk.production")
    with connected(settings) as engine:
        plugins = load_plugins(settings)
        migrate.upgrade(engine, plugins)
        print(f"Database ready: {redacted_url(str(engine.url))}")
        with session(engine) as db:
            has_admin = (
                db.query(User).filter(User.role == Role.ADMINISTRATOR.value).first() is not None
            )
            if args.demo:
                added = demo.load_demo(db)
                print("Demo data added." if added else "Demo data already present.")
            elif not has_admin:
                password = generate_password()
                create_user(
                    db,
                    username="admin",
                    role=Role.ADMINISTRATOR,
                    password=password,
                    display_name="Administrator",
                )
                print("Created the administrator account (the password is shown only once):")
                print("  username: admin")
                print(f"  password: {password}")
            else:
                print("An administrator account exists already.")
            if args.demo:
                print("Demo logins (development only):")
                for login in demo.DEMO_LOGINS:
                    user = find_user(db, login.username)
                    shown = (
                        login.password
                        if user and verify_password(user.password_hash, login.password)
                        else "(password set earlier)"
                    )
                    print(f"  {login.role:<14} {login.username:<10} {shown}")
        return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import plaster

    settings = load_settings(args.config)
    with connected(settings) as engine:
        if not migrate.is_up_to_date(engine, load_plugins(settings)):
            raise CLIError(f"the database is not up to date; run: frontdesk init {args.config}")
    loader = plaster.get_loader(str(Path(args.config).resolve()), protocols=["wsgi"])
    loader.setup_logging()
    try:
        app = loader.get_wsgi_app()
    except (InsecureSecret, PluginLoadError, KeyConfigError) as exc:
        raise CLIError(str(exc)) from exc
    server = loader.get_wsgi_server()
    print(f"Serving frontdesk on {server_url(loader)}  (Ctrl+C to stop)", flush=True)
    server(app)
    return 0


def server_url(loader: Any) -> str:
    listen = loader.get_settings("server:main").get("listen", "localhost:6543").split()[0]
    host, _, port = listen.rpartition(":")
    wildcard = {"", "0.0.0.0", "*", "[::]"}  # noqa: S104 (read, to print a URL)
    host = "localhost" if host in wildcard else host
    return f"http://{host}:{port}/"


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    with connected(settings) as engine:
        migrate.upgrade(engine, load_plugins(settings))
        print("Database is up to date.")
        return 0


def cmd_plugins_list(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    with connected(settings) as engine:
        plugins = load_plugins(settings)

        with session(engine) as db:
            snapshot = load_snapshot(db, plugins, trusted_public_keys(settings))
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


def _switch(args: argparse.Namespace, enabled: bool) -> int:
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


def cmd_user_create(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    with connected(settings) as engine:
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
                )
            except ValidationError as exc:
                raise CLIError(
                    " ".join(f"{field}: {msg}" for field, msg in exc.errors.items())
                ) from exc
            print(f"Created {user.role} {user.username!r}.")
        return 0


def read_password() -> str:
    """From stdin when it is not a terminal (scripts); else prompted twice."""
    if not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CLIError("no password on standard input")
        return password
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        raise CLIError("the passwords do not match")
    return first


# --- parser -------------------------------------------------------------------------------


def build_parser() -> Parser:
    parser = Parser(prog="frontdesk", description="Set up, run and administer frontdesk.")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=Parser
    )

    def command(
        sub: Any, name: str, func: Callable[[argparse.Namespace], int], help: str
    ) -> Parser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(func=func)
        p.add_argument("config", metavar="CONFIG", help="the ini file, e.g. config/development.ini")
        return p

    init = command(
        commands, "init", cmd_init, "Create or upgrade the database and the first administrator."
    )
    init.add_argument(
        "--demo",
        action="store_true",
        help="add demo departments, people and tickets (development only)",
    )
    command(commands, "serve", cmd_serve, "Serve the help desk with waitress.")

    db = commands.add_parser(
        "db", help="Database maintenance.", description="Database maintenance."
    )
    db_sub = db.add_subparsers(
        dest="db_command", metavar="ACTION", required=True, parser_class=Parser
    )
    command(db_sub, "upgrade", cmd_db_upgrade, "Run core and plugin migrations up to date.")

    plugins = commands.add_parser(
        "plugins",
        help="List, enable or disable plugins.",
        description="List, enable or disable plugins.",
    )
    p_sub = plugins.add_subparsers(
        dest="plugins_command", metavar="ACTION", required=True, parser_class=Parser
    )
    command(p_sub, "list", cmd_plugins_list, "Show every plugin, its state and why it is off.")
    for name, enabled in (("enable", True), ("disable", False)):
        sw = command(
            p_sub, name, lambda a, e=enabled: _switch(a, e), f"{name.capitalize()} a plugin."
        )
        sw.add_argument("name", metavar="NAME", help="the plugin's name, as `plugins list` shows")

    user = commands.add_parser("user", help="Manage users.", description="Manage users.")
    u_sub = user.add_subparsers(
        dest="user_command", metavar="ACTION", required=True, parser_class=Parser
    )
    create = command(
        u_sub,
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CLIError as exc:
        print(f"frontdesk: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
