"""The ``frontdesk`` command: set up, run and administer an installation.

Every failure a user can cause (bad arguments, a missing config, an unreachable database,
an unknown plugin) prints one line on stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import transaction
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session

from frontdesk import demo, migrate
from frontdesk.accounts import ValidationError, create_user, find_user
from frontdesk.db import state
from frontdesk.db.session import engine_from_settings, redacted_url, session_factory
from frontdesk.db.users import User
from frontdesk.license_keys import (
    KeyConfigError,
    listed_key_paths,
    read_public_key,
    trusted_public_keys,
)
from frontdesk.license_tokens import issue, public_bytes, read_private_key, write_keypair
from frontdesk.licenses import (
    LicenseError,
    active_agent_count,
    current_license,
    current_seat_limit,
    install_license,
    remove_license,
    seat_limit,
)
from frontdesk.licensing import Edition, License, edition_in_force
from frontdesk.passwords import generate_password, verify_password
from frontdesk.permissions import Role
from frontdesk.plugin_state import LICENSE_SETTING, evaluate, load_snapshot
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
    for private in ensure_development_keys(settings):
        print("Created a development license key pair (this config trusts its public key):")
        print(f"  private key: {shown_path(private)}")
        print(f"  public key:  {shown_path(private.with_suffix('.pub'))}")
        print("Issue yourself a license, then install it with `frontdesk license install`:")
        print(
            f"  frontdesk license issue --private-key {shown_path(private)} "
            f'--edition enterprise --licensee "Dev" --seats 10 --expires {_hint_expiry()}'
        )
    return 0


def ensure_development_keys(settings: dict[str, Any]) -> list[Path]:
    """Outside production, create the key pair behind each ``.pub`` that
    ``frontdesk.license.public_keys`` lists when neither half exists yet; the private keys
    created. An existing pair, or a lone public key (someone else's), is left alone."""
    if as_bool(settings.get("frontdesk.production")):
        return []
    created = []
    for public in listed_key_paths(settings):
        private = public.with_suffix(".key")
        if public.suffix != ".pub" or public.exists() or private.exists():
            continue
        try:
            write_keypair(private)
        except OSError as exc:
            raise CLIError(f"cannot create the development key pair {private}: {exc}") from exc
        created.append(private)
    return created


def shown_path(path: Path) -> str:
    """``path`` relative to the working directory when it lies below it."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(resolved)


def _hint_expiry() -> str:
    return f"{max(dt.date.today().year + 1, 2030)}-12-31"


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
        plugins = load_plugins(settings)
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


# --- license -------------------------------------------------------------------------------


def iso_date(text: str) -> dt.date:
    """An argparse type: a calendar date written YYYY-MM-DD."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2030-12-31") from None


def seat_count(text: str) -> int:
    """An argparse type: a whole number of seats, at least 1."""
    try:
        seats = int(text)
    except ValueError:
        seats = 0
    if seats < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seats (1 or more)")
    return seats


def cmd_license_keygen(args: argparse.Namespace) -> int:
    private = Path(args.private_key)
    if private.suffix == ".pub":
        raise CLIError(
            f"{private} ends in .pub: name the private key; its public half is written "
            "beside it with the .pub suffix"
        )
    public = private.with_suffix(".pub")
    for path in (private, public):
        if path.exists() or path.is_symlink():
            raise CLIError(f"{path} exists already; keygen never overwrites a key")
    try:
        write_keypair(private)
    except OSError as exc:
        raise CLIError(f"cannot write the key pair {private}: {exc.strerror or exc}") from exc
    print(f"Private key: {private}  (keep it secret: it signs licenses)")
    print(f"Public key:  {public}  (list it in frontdesk.license.public_keys to trust them)")
    return 0


def _load_private_key(path: Path) -> Ed25519PrivateKey:
    if path.suffix == ".pub":
        raise CLIError(f"{path} is a public key; --private-key takes the .key file")
    try:
        private = read_private_key(path)
    except FileNotFoundError:
        raise CLIError(f"private key {path} not found") from None
    except OSError as exc:
        raise CLIError(f"cannot read the private key {path}: {exc.strerror or exc}") from exc
    except ValueError:
        raise CLIError(
            f"{path} is not a private key written by `frontdesk license keygen`"
        ) from None
    public_path = path.with_suffix(".pub")
    if public_path.is_file():
        try:
            matches = read_public_key(public_path) == public_bytes(private)
        except (KeyConfigError, OSError, ValueError):
            matches = False
        if not matches:
            raise CLIError(
                f"{path} does not match the public key {public_path} beside it; "
                "keys it signs would not be trusted"
            )
    return private


def cmd_license_issue(args: argparse.Namespace) -> int:
    private = _load_private_key(Path(args.private_key))
    licensee = " ".join(args.licensee.split())
    if not licensee:
        raise CLIError("--licensee must name the customer")
    license_id = args.id.strip() if args.id is not None else None
    if license_id is not None and not license_id:
        raise CLIError("--id must not be empty")
    issued = args.issued or dt.date.today()
    if args.expires <= issued:
        raise CLIError(f"--expires {args.expires} must be after the issue date {issued}")
    key = issue(
        private,
        licensee=licensee,
        edition=Edition(args.edition),
        seats=args.seats,
        expires=args.expires,
        issued=issued,
        license_id=license_id,
    )
    print(key)
    if args.expires < dt.date.today():
        print(
            f"frontdesk: warning: this key expired on {args.expires}; "
            "`frontdesk license install` will refuse it",
            file=sys.stderr,
        )
    return 0


def _read_key(args: argparse.Namespace) -> str:
    if args.file is None:
        return args.key
    try:
        key = sys.stdin.read() if args.file == "-" else Path(args.file).read_text("utf-8")
    except FileNotFoundError:
        raise CLIError(f"key file {args.file} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CLIError(f"cannot read the key file {args.file}: {exc}") from exc
    if not key.strip():
        raise CLIError(f"the key file {args.file} is empty")
    return key


def _days_left(license: License, today: dt.date) -> str:
    days = (license.expires - today).days
    if days < 0:
        return f"expired {-days} day{'s' if days != -1 else ''} ago"
    if days == 0:
        return "last day"
    return f"{days} day{'s' if days != 1 else ''} left"


def _signer(license: License) -> str:
    name = license.signed_by or "(not named by its verifier)"
    if name.startswith("vendor:"):
        return f"{name}  (a vendor key shipped with frontdesk)"
    if name.startswith("local:"):
        return f"{name}  (listed in this config's frontdesk.license.public_keys)"
    return name


def _license_lines(license: License, used: int, today: dt.date) -> list[str]:
    limit = seat_limit(license, today)
    if limit is not None:
        seats = f"{used} used of {limit}"
    elif license.edition == Edition.FREE:
        seats = f"{used} in use (the Free edition has no seat limit)"
    else:
        seats = f"{used} in use (the license had {license.seats}; no limit while it is expired)"
    return [
        f"  Licensee:   {license.licensee}",
        f"  Edition:    {license.edition.title}",
        f"  Seats:      {seats}",
        f"  Issued:     {license.issued.isoformat()}",
        f"  Expires:    {license.expires.isoformat()} ({_days_left(license, today)})",
        f"  Signed by:  {_signer(license)}",
        f"  License id: {license.license_id}",
    ]


def _over_seats(license: License, used: int, today: dt.date) -> str | None:
    limit = seat_limit(license, today)
    if limit is None or used <= limit:
        return None
    return (
        f"Note: {used} agents and administrators are active but the license has {limit} "
        "seats. Nobody was deactivated; no agent can be added or reactivated until "
        f"fewer than {limit} are active."
    )


def cmd_license_install(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    key = _read_key(args)
    today = dt.date.today()
    with connected(settings) as engine:
        plugins = load_plugins(settings)
        with session(engine) as db:
            try:
                license = install_license(db, plugins, settings, key, today=today)
            except LicenseError as exc:
                raise CLIError(f"license refused: {exc.message}") from exc
            used = active_agent_count(db)
    print(f"License installed: {license.edition.title} edition.")
    for line in _license_lines(license, used, today):
        print(line)
    if note := _over_seats(license, used, today):
        print(note)
    print("Running servers follow within a second.")
    return 0


def cmd_license_remove(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    with connected(settings) as engine, session(engine) as db:
        removed = remove_license(db)
    if removed:
        print(
            "License removed: the Free edition is in force; running servers follow within a second."
        )
    else:
        print("No license was installed; the Free edition is in force.")
    return 0


def cmd_license_show(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    today = dt.date.today()
    with connected(settings) as engine:
        plugins = load_plugins(settings)
        with session(engine) as db:
            installed = state.get_setting(db, LICENSE_SETTING) is not None
            license, problem = current_license(db, plugins, settings, today=today)
            used = active_agent_count(db)
    if not installed:
        print("No license installed: Free edition")
        print(f"  Seats:      {used} in use (the Free edition has no seat limit)")
        return 0
    if license is None:
        print("Edition in force: Free")
        print(f"The installed license key is refused: {problem}")
        print(
            "Install a valid key with `frontdesk license install`, "
            "or remove this one with `frontdesk license remove`."
        )
        return 0
    edition = edition_in_force(license, today)
    if license.is_expired(today):
        print(
            f"Edition in force: {edition.title} (the {license.edition.title} license "
            f"expired on {license.expires.isoformat()})"
        )
    else:
        print(f"Edition in force: {edition.title}")
    for line in _license_lines(license, used, today):
        print(line)
    if note := _over_seats(license, used, today):
        print(note)
    return 0


# --- parser -------------------------------------------------------------------------------


def build_parser() -> Parser:
    parser = Parser(prog="frontdesk", description="Set up, run and administer frontdesk.")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=Parser
    )

    def command(
        sub: Any,
        name: str,
        func: Callable[[argparse.Namespace], int],
        help: str,
        *,
        config: bool = True,
    ) -> Parser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(func=func)
        if config:
            p.add_argument(
                "config", metavar="CONFIG", help="the ini file, e.g. config/development.ini"
            )
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

    lic = commands.add_parser(
        "license",
        help="Create signing keys, issue, install, show and remove license keys.",
        description="Create signing keys, issue, install, show and remove license keys.",
    )
    l_sub = lic.add_subparsers(
        dest="license_command", metavar="ACTION", required=True, parser_class=Parser
    )
    keygen = command(
        l_sub,
        "keygen",
        cmd_license_keygen,
        "Create a key pair for signing licenses: PATH (private) and PATH with .pub (public).",
        config=False,
    )
    keygen.add_argument(
        "private_key", metavar="PRIVATE_KEY_PATH", help="where to write the private key"
    )
    issue_ = command(
        l_sub,
        "issue",
        cmd_license_issue,
        "Sign a license key with a private key; prints the key alone.",
        config=False,
    )
    issue_.add_argument(
        "--private-key",
        dest="private_key",
        required=True,
        metavar="PATH",
        help="the private key written by `frontdesk license keygen`",
    )
    issue_.add_argument("--edition", required=True, choices=[e.value for e in Edition])
    issue_.add_argument("--licensee", required=True, metavar="NAME", help="the customer")
    issue_.add_argument(
        "--seats", required=True, type=seat_count, metavar="N", help="active agents allowed"
    )
    issue_.add_argument(
        "--expires",
        required=True,
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="the last day the license is valid",
    )
    issue_.add_argument(
        "--issued", type=iso_date, metavar="YYYY-MM-DD", help="the issue date (default: today)"
    )
    issue_.add_argument("--id", metavar="ID", help="the license id (default: a new UUID)")
    install = command(l_sub, "install", cmd_license_install, "Verify a license key and install it.")
    source = install.add_mutually_exclusive_group(required=True)
    source.add_argument("key", nargs="?", metavar="KEY", help="the license key")
    source.add_argument(
        "--file", metavar="F", help="read the key from file F ('-': standard input)"
    )
    command(
        l_sub,
        "show",
        cmd_license_show,
        "Show the edition in force, licensee, seats used/allowed, expiry and signer.",
    )
    command(l_sub, "remove", cmd_license_remove, "Remove the license (back to the Free edition).")
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
