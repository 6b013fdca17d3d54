"""Password hashing with argon2id (argon2-cffi's recommended parameters)."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from frontdesk.i18n import TranslationString, _

_hasher = PasswordHasher()
#: Hashed on first use (with the parameters then in force), not at import: see
#: :func:`verify_nobody`.
_nobody_hash: str | None = None


def configure_hasher(**parameters: int) -> None:
    """Replace the argon2 parameters (``time_cost``, ``memory_cost``, ``parallelism``).

    The defaults are argon2-cffi's recommendation; test suites lower them for speed.
    Hashes made with other parameters still verify and are upgraded at the next login.
    """
    global _hasher, _nobody_hash
    _hasher, _nobody_hash = PasswordHasher(**parameters), None


MIN_LENGTH = 10
MAX_LENGTH = 1024


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_nobody(password: str) -> None:
    """Spend the time checking a password takes, for a login that names nobody, so
    that the answer's timing does not tell whether an account exists."""
    global _nobody_hash
    if _nobody_hash is None:
        _nobody_hash = _hasher.hash("frontdesk-timing-equaliser")
    verify_password(_nobody_hash, password)


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def generate_password() -> str:
    """A random password that is easy to copy: 16 URL-safe characters."""
    return secrets.token_urlsafe(12)


def password_problem(password: str) -> TranslationString | None:
    """Why ``password`` is not acceptable, or ``None``."""
    if len(password) < MIN_LENGTH:
        return _("Use at least ${count} characters.", mapping={"count": MIN_LENGTH})
    if len(password) > MAX_LENGTH:
        return _("Use at most ${count} characters.", mapping={"count": MAX_LENGTH})
    return None
