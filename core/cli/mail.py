"""``mail receive``: one message on standard input, for an MTA's pipe.

Exit codes are the ones mail transfer agents understand (``sysexits.h``): 0 when the
mail is stored (it is then processed by job ``mail.receive``, exactly once), 75
(``EX_TEMPFAIL``: the MTA keeps the mail and tries again) when the database cannot be
reached, 65 (``EX_DATAERR``: bounced) for input that is not a mail, 64 (``EX_USAGE``) for
a wrong department, and 78 (``EX_CONFIG``) for a broken configuration.
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.exc import DBAPIError, OperationalError

from frontdesk.cli.base import CLIError, command, group, load_settings, session
from frontdesk.db.session import engine_from_settings

EX_OK = 0
EX_USAGE = 64
EX_DATAERR = 65
EX_TEMPFAIL = 75
EX_CONFIG = 78
#: Larger input is refused (the mail would never fit the attachment limits anyway).
MAX_MAIL = 64 * 1024 * 1024


def _fail(code: int, message: str) -> int:
    print(f"frontdesk: error: {message}", file=sys.stderr)
    return code


def cmd_mail_receive(args: argparse.Namespace) -> int:
    from frontdesk.jobs import enqueue
    from frontdesk.mail import fetch, inbound

    try:
        settings = load_settings(args.config)
    except CLIError as exc:
        return _fail(EX_CONFIG, str(exc))
    raw = sys.stdin.buffer.read(MAX_MAIL + 1)
    if len(raw) > MAX_MAIL:
        return _fail(EX_DATAERR, f"the mail is larger than {MAX_MAIL} bytes")
    if not raw.strip() or b":" not in raw.split(b"\n\n", 1)[0]:
        return _fail(EX_DATAERR, "standard input is not a mail (no header)")
    try:
        engine = engine_from_settings(settings)
    except Exception as exc:
        return _fail(EX_CONFIG, f"invalid sqlalchemy.url: {exc}")
    try:
        with session(engine) as db:
            department = _department(db, args.department)
            if department is None:
                return _fail(EX_USAGE, f"no active department {args.department!r}")
            row, new = inbound.store(db, raw, department_id=department.id)
            if new:
                enqueue(
                    db, fetch.RECEIVE, {"inbound_id": row.id}, key=f"{fetch.RECEIVE}:{row.digest}"
                )
    except (OperationalError, DBAPIError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return _fail(EX_TEMPFAIL, f"database unavailable, try again later: {reason}")
    finally:
        engine.dispose()
    return EX_OK


def _department(db, name_or_id: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from frontdesk.db.users import Department

    query = select(Department).where(Department.active.is_(True))
    if name_or_id.isdigit():
        return db.scalar(query.where(Department.id == int(name_or_id)))
    return db.scalar(query.where(Department.name_key == name_or_id.casefold()))


def register(commands: argparse._SubParsersAction) -> None:
    actions = group(commands, "mail", "Receive e-mail.", "mail_action")
    p = command(
        actions,
        "receive",
        cmd_mail_receive,
        "Read one mail on standard input and open or continue a ticket (for an MTA pipe).",
    )
    p.add_argument("--department", required=True, help="the department's name or id")
