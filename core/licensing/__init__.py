"""Editions and licenses: what a license key says once verified.

Verification of keys (the offline Ed25519 check) plugs in through the
``frontdesk_verify_license`` hook; this module holds the shared types and the rule for
which edition is in force. The rest of licensing lives beside it: ``tokens`` (signed
license keys), ``keys`` (the trusted public keys, ``vendor_keys/``) and ``installed`` (the
license installed in the database, seats and entitlements).

Depends only on settings and db.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

#: How far this server's clock may lag the issuer's before a fresh key counts as too early.
NOT_BEFORE_SKEW = dt.timedelta(minutes=5)


class Edition(enum.StrEnum):
    """Product editions, ordered: ``Edition.FREE < Edition.ENTERPRISE``."""

    FREE = "free"
    PROFESSIONAL = "professional"
    ENTERPRISE = "enterprise"

    @property
    def rank(self) -> int:
        return list(Edition).index(self)

    @property
    def title(self) -> str:
        return self.value.capitalize()

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Edition):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Edition):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Edition):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Edition):
            return NotImplemented
        return self.rank >= other.rank


@dataclass(frozen=True, kw_only=True)
class License:
    """A verified license: of the installation (an edition and seats) or, when
    ``entitlement`` names a product, of the one plugin that declares that entitlement
    (its ``edition`` and ``seats`` then grant nothing)."""

    license_id: str
    licensee: str
    edition: Edition
    seats: int
    issued: dt.date
    expires: dt.date
    signed_by: str = ""
    entitlement: str | None = None

    def is_expired(self, today: dt.date | None = None) -> bool:
        return (today or dt.date.today()) > self.expires

    def is_premature(self, today: dt.date | None = None) -> bool:
        """Not valid yet: its issue date is still to come (by default allowing
        :data:`NOT_BEFORE_SKEW` of clock difference around midnight)."""
        return (today or (dt.datetime.now() + NOT_BEFORE_SKEW).date()) < self.issued

    def in_force(self, today: dt.date | None = None) -> bool:
        """Valid on ``today``: issued by then and not yet expired."""
        return not self.is_premature(today) and not self.is_expired(today)


@dataclass(frozen=True, kw_only=True)
class LicenseRefusal:
    """A key that was refused, with the message an administrator sees (a translation
    string, or plain text)."""

    reason: str


def edition_in_force(license: License | None, today: dt.date | None = None) -> Edition:
    """The edition a (possibly missing, expired or not yet valid) license grants: Free
    without one."""
    if license is None or not license.in_force(today):
        return Edition.FREE
    return license.edition
