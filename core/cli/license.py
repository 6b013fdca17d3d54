"""``license keygen|issue|install|show|remove``."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

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
from frontdesk.i18n.messages import plain
from frontdesk.licensing import Edition, License, edition_in_force
from frontdesk.licensing.installed import (
    LICENSE_SETTING,
    LicenseError,
    active_agent_count,
    current_entitlements,
    current_license,
    install_license,
    remove_entitlement,
    remove_license,
    seat_limit,
)
from frontdesk.licensing.keys import KeyConfigError, read_public_key
from frontdesk.licensing.tokens import issue, public_bytes, read_private_key, write_keypair


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
    if args.entitlement is None and (args.edition is None or args.seats is None):
        raise CLIError("--edition and --seats are required (unless --entitlement is given)")
    if args.entitlement is not None and (args.edition or args.seats):
        raise CLIError("--entitlement keys license one plugin: leave out --edition and --seats")
    issued = args.issued or dt.date.today()
    if args.expires <= issued:
        raise CLIError(f"--expires {args.expires} must be after the issue date {issued}")
    key = issue(
        private,
        licensee=licensee,
        edition=Edition(args.edition or Edition.FREE),
        seats=args.seats or 1,
        expires=args.expires,
        issued=issued,
        license_id=license_id,
        entitlement=args.entitlement,
    )
    print(key)
    if issued > dt.date.today():
        print(
            f"frontdesk: warning: this key is not valid before {issued}; "
            "`frontdesk license install` will refuse it until then",
            file=sys.stderr,
        )
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
                license = install_license(db, plugins, settings, key)
            except LicenseError as exc:
                raise CLIError(f"license refused: {plain(exc.message)}") from exc
            used = active_agent_count(db)
    if license.entitlement:
        print(f"Plugin license installed: {license.entitlement}.")
        print(f"  Licensee:   {license.licensee}")
        print(f"  Expires:    {license.expires.isoformat()} ({_days_left(license, today)})")
        print("Running servers follow within a second.")
        return 0
    print(f"License installed: {license.edition.title} edition.")
    for line in _license_lines(license, used, today):
        print(line)
    if note := _over_seats(license, used, today):
        print(note)
    print("Running servers follow within a second.")
    return 0


def cmd_license_remove(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    if args.entitlement is not None:
        with connected(settings) as engine, session(engine) as db:
            removed = remove_entitlement(db, args.entitlement)
        if not removed:
            raise CLIError(f"no license for {args.entitlement!r} is installed")
        print(f"Plugin license {args.entitlement} removed; its plugins are off within a second.")
        return 0
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
            entitlements = current_entitlements(db, plugins, today=today)
            used = active_agent_count(db)
    _show_license(installed, license, problem, used, today)
    if entitlements:
        print("Plugin licenses:")
        for product, (held, why) in entitlements.items():
            print(f"  {product}: {_entitlement_line(held, why, today)}")
    return 0


def _entitlement_line(license: License | None, why: str | None, today: dt.date) -> str:
    if license is None:
        return f"not in force: {plain(why)}"
    line = (
        f"{license.licensee}, expires {license.expires.isoformat()} ({_days_left(license, today)})"
    )
    return line if why is None else f"{line}; not in force"


def _show_license(
    installed: bool, license: License | None, problem: str | None, used: int, today: dt.date
) -> None:
    if not installed:
        print("No license installed: Free edition")
        print(f"  Seats:      {used} in use (the Free edition has no seat limit)")
        return
    if license is None:
        print("Edition in force: Free")
        print(f"The installed license key is refused: {plain(problem)}")
        print(
            "Install a valid key with `frontdesk license install`, "
            "or remove this one with `frontdesk license remove`."
        )
        return
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


def register(commands: Any) -> None:
    """``license keygen|issue|install|show|remove``."""
    lic = group(
        commands,
        "license",
        "Create signing keys, issue, install, show and remove license keys.",
        "license_command",
    )
    keygen = command(
        lic,
        "keygen",
        cmd_license_keygen,
        "Create a key pair for signing licenses: PATH (private) and PATH with .pub (public).",
        config=False,
    )
    keygen.add_argument(
        "private_key", metavar="PRIVATE_KEY_PATH", help="where to write the private key"
    )
    issue_ = command(
        lic,
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
    issue_.add_argument("--edition", choices=[e.value for e in Edition])
    issue_.add_argument("--licensee", required=True, metavar="NAME", help="the customer")
    issue_.add_argument("--seats", type=seat_count, metavar="N", help="active agents allowed")
    issue_.add_argument(
        "--entitlement",
        metavar="PRODUCT",
        help="sign a plugin's own license for PRODUCT instead (no edition or seats)",
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
    install = command(lic, "install", cmd_license_install, "Verify a license key and install it.")
    source = install.add_mutually_exclusive_group(required=True)
    source.add_argument("key", nargs="?", metavar="KEY", help="the license key")
    source.add_argument(
        "--file", metavar="F", help="read the key from file F ('-': standard input)"
    )
    command(
        lic,
        "show",
        cmd_license_show,
        "Show the edition in force, licensee, seats used/allowed, expiry and signer, and "
        "the plugin licenses.",
    )
    remove = command(
        lic, "remove", cmd_license_remove, "Remove the license (back to the Free edition)."
    )
    remove.add_argument(
        "--entitlement", metavar="PRODUCT", help="remove the plugin license for PRODUCT instead"
    )
