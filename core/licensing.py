"""Editions and licenses: what a license key says once verified.

Verification of keys (the offline Ed25519 check) plugs in through the
``frontdesk_verify_license`` hook; this module holds the shared types and the rule for
which edition is in force.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass


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
    """A verified license."""

    license_id: str
    licensee: str
    edition: Edition
    seats: int
    issued: dt.date
    expires: dt.date
    signed_by: str = ""

    def is_expired(self, today: dt.date | None = None) -> bool:
        return (today or dt.date.today()) > self.expires


@dataclass(frozen=True, kw_only=True)
class LicenseRefusal:
    """A key that was refused, with the message an administrator sees."""

    reason: str


def edition_in_force(license: License | None, today: dt.date | None = None) -> Edition:
    """The edition a (possibly missing or expired) license grants: Free without one."""
    if license is None or license.is_expired(today):
        return Edition.FREE
    return license.edition
