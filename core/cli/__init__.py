"""The ``frontdesk`` command: set up, run and administer an installation.

Every failure a user can cause (bad arguments, a missing config, an unreachable database,
an unknown plugin) prints one line on stderr and exits with status 2. Each module of this
package holds one group of subcommands and adds them with its ``register(subparsers)``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from sqlalchemy.exc import SQLAlchemyError

from frontdesk.cli import access, license, mail, plugins, setup, users, worker
from frontdesk.cli.base import EXIT_USAGE, CLIError, Parser

COMMAND_MODULES = (setup, plugins, users, license, access, worker, mail)


def build_parser() -> Parser:
    parser = Parser(prog="frontdesk", description="Set up, run and administer frontdesk.")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=Parser
    )
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CLIError as exc:
        print(f"frontdesk: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SQLAlchemyError as exc:  # e.g. a database that was never initialised
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        config = getattr(args, "config", "CONFIG")
        print(
            f"frontdesk: error: database error: {reason} "
            f"(is the database initialised? run: frontdesk init {config})",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


__all__ = ["EXIT_USAGE", "CLIError", "Parser", "build_parser", "main"]
