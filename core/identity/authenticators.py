"""Checking credentials through the ``frontdesk_authenticate`` chain."""

from __future__ import annotations

from pyramid.request import Request
from sqlalchemy.orm import Session

from frontdesk.db.users import User
from frontdesk.identity.accounts import find_user
from frontdesk.identity.passwords import hash_password, needs_rehash, verify_nobody, verify_password


def authenticate(request: Request, login: str, password: str) -> User | None:
    """The first authenticator's answer for ``login``/``password``, if the user is active."""
    plugins = request.registry.frontdesk_plugins
    user = plugins.active_hook(request).frontdesk_authenticate(
        request=request, login=login, password=password, interface=request.interface.value
    )
    return user if user is not None and user.active else None


def check_local_password(db: Session, login: str, password: str) -> User | None:
    """The local password store: argon2id hashes in the users table."""
    user = find_user(db, login)
    if user is None or not user.password_hash:
        verify_nobody(password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user
