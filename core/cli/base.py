"""Plumbing shared by every command: errors, the parser, config, database, password."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import transaction
from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session

from frontdesk.app import make_plugins
from frontdesk.db.session import (
    engine_from_settings,
    redacted_url,
    session_factory,
    tm_session,
    writing,
)
from frontdesk.i18n.messages import plain
from frontdesk.identity.accounts import ValidationError
from frontdesk.plugin_platform.pluginmanager import PluginLoadError, Plugins

EXIT_USAGE = 2


class CLIError(Exception):
    """A problem to report in one line, exiting with status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line too."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def command(
    sub: Any,
    name: str,
    func: Callable[[argparse.Namespace], int],
    help: str,
    *,
    config: bool = True,
) -> Parser:
    """Add subcommand ``name`` running ``func``; with ``config``, its CONFIG argument."""
    p = sub.add_parser(name, help=help, description=help)
    p.set_defaults(func=func)
    if config:
        p.add_argument("config", metavar="CONFIG", help="the ini file, e.g. config/development.ini")
    return p


def group(commands: Any, name: str, help: str, dest: str) -> Any:
    """Add command group ``name`` (``frontdesk NAME ACTION``); its subparsers."""
    parser = commands.add_parser(name, help=help, description=help)
    return parser.add_subparsers(dest=dest, metavar="ACTION", required=True, parser_class=Parser)


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


def require_current_schema(engine: Engine, plugins: Plugins, config: str) -> None:
    """A one-line error unless every migration has been applied (plugins not installed
    aside, which :func:`note_absent_plugins` names)."""
    from frontdesk.migrations import runner as migrate

    note_absent_plugins(engine, plugins, config)
    if not migrate.is_up_to_date(engine, plugins):
        raise CLIError(f"the database is not up to date; run: frontdesk init {config}")


def note_absent_plugins(engine: Engine, plugins: Plugins, config: str) -> None:
    """One line on stderr naming the plugins not installed (or pinned out) whose tables
    the database holds; they are kept, and left alone, until ``plugins purge``."""
    from frontdesk.migrations import runner as migrate

    absent = migrate.absent_plugins(engine, plugins)
    if absent:
        names = ", ".join(f"{name} ({' '.join(revs)})" for name, revs in absent.items())
        print(
            f"frontdesk: note: the database holds tables of plugins that are not installed: "
            f"{names}; they are kept (to remove them: frontdesk plugins purge {config} NAME)",
            file=sys.stderr,
        )


@contextmanager
def session(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block succeeds."""
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        yield tm_session(session_factory(engine), manager, bind=writing(engine))


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


def invalid(exc: ValidationError) -> CLIError:
    """``exc`` as one line naming each bad field."""
    return CLIError(" ".join(f"{field}: {plain(msg)}" for field, msg in exc.errors.items()))
