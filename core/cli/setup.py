"""``init``, ``serve`` and ``db upgrade``: set up and run an installation."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from frontdesk import demo
from frontdesk.cli.base import (
    CLIError,
    command,
    connected,
    group,
    load_plugins,
    load_settings,
    note_absent_plugins,
    require_current_schema,
    session,
)
from frontdesk.db.session import redacted_url
from frontdesk.db.users import User
from frontdesk.identity.accounts import create_user, find_user
from frontdesk.identity.passwords import generate_password, verify_password
from frontdesk.identity.sessions import SECRET, InsecureSecret, secret_file_path, write_secret_file
from frontdesk.licensing.keys import KeyConfigError, listed_key_paths
from frontdesk.licensing.tokens import write_keypair
from frontdesk.mail.transport import TransportError, transport_for
from frontdesk.migrations import runner as migrate
from frontdesk.plugin_platform.permissions import Role
from frontdesk.plugin_platform.pluginmanager import PluginLoadError, as_bool
from frontdesk.web.hosts import HostConfigError


def cmd_init(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    if args.demo and as_bool(settings.get("frontdesk.production")):
        raise CLIError("--demo is for development; this config sets frontdesk.production")
    with connected(settings) as engine:
        plugins = load_plugins(settings)
        note_absent_plugins(engine, plugins, args.config)
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
    if secret_file := ensure_session_secret(settings):
        print(f"Created this installation's session secret: {shown_path(secret_file)}")
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


def ensure_session_secret(settings: dict[str, Any]) -> Path | None:
    """Write a random secret to ``frontdesk.session.secret_file`` when the config names that
    file, sets no secret itself and the file does not exist yet; the file created."""
    path = secret_file_path(settings)
    if path is None or str(settings.get(SECRET, "")).strip() or path.exists():
        return None
    try:
        write_secret_file(path)
    except OSError as exc:
        raise CLIError(f"cannot create the session secret {path}: {exc.strerror or exc}") from exc
    return path


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
        require_current_schema(engine, load_plugins(settings), args.config)
    loader = plaster.get_loader(str(Path(args.config).resolve()), protocols=["wsgi"])
    loader.setup_logging()
    try:
        app = loader.get_wsgi_app()
    except (
        InsecureSecret,
        HostConfigError,
        PluginLoadError,
        KeyConfigError,
        TransportError,
    ) as exc:
        raise CLIError(str(exc)) from exc
    server = loader.get_wsgi_server()
    worker = _in_process_worker(settings, app)
    # Development writes mail as files: say so, so nobody waits for a mail that never leaves.
    print(f"Mail: {transport_for(settings).describe()}", flush=True)
    print(f"Serving frontdesk on {server_url(loader)}  (Ctrl+C to stop)", flush=True)
    try:
        server(app)
    finally:
        if worker is not None:
            worker.stop(timeout=10)
    return 0


def _in_process_worker(settings: dict[str, Any], app: Any) -> Any:
    """With ``frontdesk.jobs.in_process``, a job worker started in this process."""
    from frontdesk.jobs import JobError, in_process, queue_for

    if not in_process(settings):
        return None
    queue = queue_for(app)
    if queue is None or queue.huey is None:
        return None
    try:
        queue.check()
        worker = queue.worker()
    except JobError as exc:
        raise CLIError(str(exc)) from exc
    worker.start()
    print(f"Running background jobs in this process ({queue.backend} queue)", flush=True)
    return worker


def cmd_url(args: argparse.Namespace) -> int:
    import plaster

    load_settings(args.config)  # a missing or malformed file: one line, status 2
    print(server_url(plaster.get_loader(str(Path(args.config).resolve()), protocols=["wsgi"])))
    return 0


def server_url(loader: Any) -> str:
    """Where ``frontdesk serve`` answers: its ``[server:main]`` ``listen`` as a URL."""
    listen = loader.get_settings("server:main").get("listen", "localhost:6543").split()[0]
    host, _, port = listen.rpartition(":")
    wildcard = {"", "0.0.0.0", "*", "[::]"}  # noqa: S104 (read, to print a URL)
    host = "localhost" if host in wildcard else host
    return f"http://{host}:{port}/"


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    with connected(settings) as engine:
        plugins = load_plugins(settings)
        note_absent_plugins(engine, plugins, args.config)
        applied = migrate.upgrade(engine, plugins)
    if not applied:
        print("Database is up to date.")
        return 0
    print(f"Applied {len(applied)} migration{'s' if len(applied) > 1 else ''}:")
    for branch in dict.fromkeys(rev.branch for rev in applied):
        print(f"  {branch}:")
        for rev in applied:
            if rev.branch == branch:
                print(f"    {rev.revision}  {rev.message}")
    print("Database is up to date.")
    return 0


def register(commands: Any) -> None:
    """``init``, ``serve`` and ``db upgrade``."""
    init = command(
        commands, "init", cmd_init, "Create or upgrade the database and the first administrator."
    )
    init.add_argument(
        "--demo",
        action="store_true",
        help="add demo departments, people and tickets (development only)",
    )
    command(commands, "serve", cmd_serve, "Serve the help desk with waitress.")
    command(
        commands, "url", cmd_url, "Print the URL `serve` answers on (host and port from CONFIG)."
    )
    db = group(commands, "db", "Database maintenance.", "db_command")
    command(db, "upgrade", cmd_db_upgrade, "Run core and plugin migrations up to date.")
