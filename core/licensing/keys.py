"""The public keys trusted to sign licenses: the vendor's, shipped in the package, plus
any the ini lists under ``frontdesk.license.public_keys``."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any


class KeyConfigError(Exception):
    """A public key listed in the settings cannot be read."""


def decode_public_key(text: str, where: str) -> bytes:
    """The raw Ed25519 public key written as base64 in ``text`` (``where`` names it in
    errors)."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except ValueError as exc:
        raise KeyConfigError(f"{where}: not a base64 public key") from exc
    if len(raw) != 32:
        raise KeyConfigError(f"{where}: an Ed25519 public key is 32 bytes, got {len(raw)}")
    return raw


def read_public_key(path: Path) -> bytes:
    """The raw Ed25519 public key in a ``.pub`` file (base64, as keygen writes it)."""
    return decode_public_key(path.read_text(), str(path))


def vendor_keys() -> dict[str, bytes]:
    """Keys shipped in ``frontdesk/licensing/vendor_keys/*.pub``, named ``vendor:<file stem>``."""
    keys: dict[str, bytes] = {}
    folder = resources.files("frontdesk.licensing") / "vendor_keys"
    if folder.is_dir():
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".pub"):
                keys[f"vendor:{entry.name[:-4]}"] = decode_public_key(entry.read_text(), entry.name)
    return keys


def listed_key_paths(settings: Mapping[str, Any]) -> list[Path]:
    """The ``.pub`` paths ``frontdesk.license.public_keys`` lists, resolved from the ini's
    folder (``here``), whether or not the files exist yet."""
    here = Path(settings.get("here", "."))
    paths = []
    for line in str(settings.get("frontdesk.license.public_keys", "")).splitlines():
        line = line.strip()
        if line:
            paths.append(Path(line) if Path(line).is_absolute() else here / line)
    return paths


def trusted_public_keys(settings: Mapping[str, Any]) -> dict[str, bytes]:
    """Vendor keys plus the ini's: one ``.pub`` file path per line (relative to the ini)."""
    keys = vendor_keys()
    for path in listed_key_paths(settings):
        if not path.exists():
            # A development key is created by ``frontdesk init``; until then it is absent.
            continue
        keys[f"local:{path.stem}"] = read_public_key(path)
    return keys
