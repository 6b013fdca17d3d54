"""License keys: Ed25519-signed tokens, verified offline.

A key reads ``FD1.<payload>.<signature>``: the payload is base64url JSON with the
license id, licensee, edition, agent seats, issue and expiry dates and the signing key's
id (``kid``, a fingerprint of its public key); a plugin's own license adds the product it
entitles (``entitlement``) and is signed by that plugin's vendor; the signature is Ed25519 over
``FD1.<payload>``. Editing any byte of the payload (say, the edition) breaks the
signature, and only holders of a trusted private key can make new ones.

The ``kid`` only chooses the wording of a refusal (altered key versus unknown signer):
it is covered by the signature, never trusted on its own, and a key without one is
still accepted.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from frontdesk.i18n import TranslationString, _
from frontdesk.licensing import Edition, License, LicenseRefusal

PREFIX = "FD1"
#: Longer input is refused before any decoding (a real key is a few hundred characters).
MAX_KEY_LENGTH = 8192
SIGNATURE_LENGTH = 64
_KID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_B64URL_RE = re.compile(r"[A-Za-z0-9_-]+")
NOT_BASE64_JSON = _("The license key is malformed (it is not valid base64/JSON).")
INVALID_CONTENTS = _("The license key is signed but its contents are invalid.")


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class DuplicateField(ValueError):
    """A JSON object names one field twice (which value counts would be up to the parser)."""


def _unique_fields(pairs: list[tuple[str, object]]) -> dict[str, object]:
    record = dict(pairs)
    if len(record) != len(pairs):
        raise DuplicateField
    return record


def key_id(public: bytes) -> str:
    """A short, stable id for a raw public key: base64url of its SHA-256, 16 characters."""
    return _b64encode(hashlib.sha256(public).digest())[:16]


def generate_keypair() -> tuple[bytes, bytes]:
    """A new (private, public) pair as raw 32-byte keys."""
    private = Ed25519PrivateKey.generate()
    return (
        private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        ),
        private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        ),
    )


def public_bytes(private_key: Ed25519PrivateKey) -> bytes:
    """The raw 32-byte public half of ``private_key``."""
    return private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def write_keypair(private_path: Path) -> Path:
    """Write ``<name>.key`` (private, mode 0600) and ``<name>.pub``; returns the .pub path."""
    private, public = generate_keypair()
    private_path.parent.mkdir(parents=True, exist_ok=True)
    public_path = private_path.with_suffix(".pub")
    private_path.touch(mode=0o600, exist_ok=False)
    private_path.write_text(base64.b64encode(private).decode() + "\n")
    public_path.write_text(base64.b64encode(public).decode() + "\n")
    return public_path


def read_private_key(path: Path) -> Ed25519PrivateKey:
    raw = base64.b64decode(path.read_text().strip(), validate=True)
    return Ed25519PrivateKey.from_private_bytes(raw)


def issue(
    private_key: Ed25519PrivateKey,
    *,
    licensee: str,
    edition: Edition,
    seats: int,
    expires: dt.date,
    issued: dt.date | None = None,
    license_id: str | None = None,
    entitlement: str | None = None,
) -> str:
    """Sign a new license key; with ``entitlement``, a plugin's own license for that
    product (the edition and seats then grant nothing)."""
    payload = {
        "id": license_id or str(uuid.uuid4()),
        "licensee": licensee,
        "edition": Edition(edition).value,
        "seats": int(seats),
        "issued": (issued or dt.date.today()).isoformat(),
        "expires": expires.isoformat(),
        "kid": key_id(public_bytes(private_key)),
    }
    if entitlement is not None:
        payload["entitlement"] = entitlement
    body = f"{PREFIX}.{_b64encode(json.dumps(payload, separators=(',', ':')).encode())}"
    return f"{body}.{_b64encode(private_key.sign(body.encode()))}"


def claimed_entitlement(key: str) -> str | None:
    """The product an FD1 key *claims* to entitle (unverified: it only chooses which keys
    verify it), or ``None`` for an installation license or an unreadable key."""
    parts = "".join(key.split()).split(".")
    if len(parts) != 3 or parts[0] != PREFIX or len(parts[1]) > MAX_KEY_LENGTH:
        return None
    try:
        payload = json.loads(_b64decode(parts[1]))
    except (ValueError, RecursionError):  # RecursionError: nested thousands deep
        return None
    product = payload.get("entitlement") if isinstance(payload, dict) else None
    return product if isinstance(product, str) and product else None


def verify(key: str, trusted_keys: Mapping[str, bytes]) -> License | LicenseRefusal | None:
    """The License a key carries (expired or not), a refusal saying why not, or ``None``
    for a key in another format."""
    key = "".join(key.split())  # pasted keys may wrap
    if not key.startswith(f"{PREFIX}."):
        return None
    if len(key) > MAX_KEY_LENGTH:
        return LicenseRefusal(reason=_("The license key is malformed (it is far too long)."))
    parts = key.split(".")
    if len(parts) != 3 or not parts[1] or not parts[2]:
        return LicenseRefusal(reason=_("The license key is incomplete or malformed."))
    body, signature = f"{parts[0]}.{parts[1]}", parts[2]
    if not (_B64URL_RE.fullmatch(parts[1]) and _B64URL_RE.fullmatch(signature)):
        return LicenseRefusal(reason=NOT_BASE64_JSON)
    try:
        raw_signature, raw_payload = _b64decode(signature), _b64decode(parts[1])
        if len(raw_signature) != SIGNATURE_LENGTH:
            return LicenseRefusal(
                reason=_("The license key is incomplete (its signature is cut short or damaged).")
            )
        if _b64encode(raw_signature) != signature or _b64encode(raw_payload) != parts[1]:
            raise ValueError("not canonical base64url")  # one key, one spelling
        payload = json.loads(raw_payload, object_pairs_hook=_unique_fields)
    except DuplicateField:
        return LicenseRefusal(reason=_("The license key is malformed (it names a field twice)."))
    except (ValueError, RecursionError):  # RecursionError: nested thousands deep
        return LicenseRefusal(reason=NOT_BASE64_JSON)
    if not isinstance(payload, dict):
        return LicenseRefusal(
            reason=_("The license key is malformed (its contents are not a record).")
        )
    signer = None
    for name, public in trusted_keys.items():
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(raw_signature, body.encode())
        except (InvalidSignature, ValueError):
            continue
        signer = name
        break
    if signer is None:
        return LicenseRefusal(reason=_signature_refusal(payload.get("kid"), trusted_keys))
    try:
        license = License(
            license_id=str(payload["id"]),
            licensee=str(payload["licensee"]),
            edition=Edition(payload["edition"]),
            seats=int(payload["seats"]),
            issued=dt.date.fromisoformat(payload["issued"]),
            expires=dt.date.fromisoformat(payload["expires"]),
            signed_by=signer,
            entitlement=_entitlement(payload),
        )
    except (KeyError, ValueError, TypeError):
        return LicenseRefusal(reason=INVALID_CONTENTS)
    if license.seats < 1 or license.expires < license.issued:
        return LicenseRefusal(reason=INVALID_CONTENTS)
    return license  # expiry is the caller's business: an expired license still names itself


def _entitlement(payload: dict) -> str | None:
    if "entitlement" not in payload:
        return None
    product = payload["entitlement"]
    if not isinstance(product, str) or not product:
        raise ValueError("an entitlement names a product")
    return product


def _signature_refusal(kid: object, trusted_keys: Mapping[str, bytes]) -> TranslationString:
    """Why no trusted key verifies the signature, as precisely as the key allows.

    The (unverified) ``kid`` only picks the words: whichever it claims, the key is refused.
    """
    if isinstance(kid, str) and _KID_RE.fullmatch(kid):
        for name, public in trusted_keys.items():
            if key_id(public) == kid:
                return _(
                    "The license key was altered after it was signed: its contents no longer "
                    "match the signature of the trusted key ${name}.",
                    mapping={"name": name},
                )
        return _(
            "The license key is signed by a key this installation does not trust (key id ${kid}).",
            mapping={"kid": kid},
        )
    return _(
        "The license key's signature does not match any trusted key: "
        "it was altered, or signed by a key this installation does not trust."
    )
