"""Creating, finding and managing users: the one place every interface and the CLI use."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from frontdesk.db.users import Department, User
from frontdesk.i18n import TranslationString, _
from frontdesk.i18n.messages import plain
from frontdesk.identity.passwords import hash_password, password_problem
from frontdesk.identity.security import end_all_sessions
from frontdesk.identity.throttle import unlock
from frontdesk.licensing.installed import seat_problem
from frontdesk.plugin_platform.permissions import Role

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{1,149}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ValidationError(Exception):
    """Bad input; ``errors`` maps a field name to the message shown beside it (a
    translation string, translated where it is shown)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {plain(v)}" for k, v in errors.items()))
        self.errors = errors


def is_unique_violation(exc: IntegrityError) -> bool:
    """Whether ``exc`` is a unique constraint refusing a duplicate (PostgreSQL, SQLite)."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None):
        return (getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)) == "23505"
    return "unique constraint failed" in str(orig).lower()


@contextmanager
def unique_or_error(db: Session, field: str, message: TranslationString) -> Iterator[None]:
    """Write what the block adds in a savepoint; a unique violation becomes
    ``ValidationError({field: message})``.

    The form checks for duplicates first, but a concurrent request can save the same
    name between that check and our insert: the database's unique rule then refuses it,
    and the user sees the same message the check gives instead of an error page.
    """
    try:
        with db.begin_nested():
            yield
            db.flush()
    except IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        raise ValidationError({field: message}) from None


def find_user(db: Session, login: str) -> User | None:
    return db.scalar(select(User).where(User.login_key == login.strip().casefold()))


def find_departments(db: Session, names: Iterable[str]) -> tuple[list[Department], list[str]]:
    """Departments by name (case-insensitive), and the names that matched none."""
    found, missing = [], []
    for name in names:
        dept = db.scalar(select(Department).where(Department.name_key == name.strip().casefold()))
        (found.append(dept) if dept is not None else missing.append(name))
    return found, missing


def create_user(
    db: Session,
    *,
    username: str,
    role: Role | str,
    password: str | None,
    display_name: str | None = None,
    email: str | None = None,
    departments: Iterable[str] = (),
    seat_limit: int | None = None,
) -> User:
    """Validate and add a user; raises :class:`ValidationError` with per-field messages.

    ``seat_limit`` is the license's bound on active agents and administrators; in a
    request, pass :func:`frontdesk.licensing.installed.current_seat_limit` of ``request.dbsession``,
    ``request.registry.frontdesk_plugins`` and ``request.registry.settings``. ``None``
    means no limit.
    """
    errors: dict[str, TranslationString] = {}
    username = username.strip()
    if not USERNAME_RE.match(username):
        errors["username"] = _(
            "Use 2-150 letters, digits or . _ @ + -, starting with a letter or digit."
        )
    elif find_user(db, username) is not None:
        errors["username"] = _taken(username)
    try:
        role = Role(role)
    except ValueError:
        errors["role"] = _("Choose customer, agent or administrator.")
    if email:
        email = email.strip()
        if not EMAIL_RE.match(email):
            errors["email"] = _("Enter an email address like name@example.com.")
    if password is not None and (problem := password_problem(password)):
        errors["password"] = problem
    depts, missing = find_departments(db, departments)
    if missing:
        errors["department"] = _(
            "No department named ${names}.", mapping={"names": ", ".join(map(repr, missing))}
        )
    elif depts and role == Role.CUSTOMER:
        errors["department"] = _("Customers do not belong to departments.")
    if "role" not in errors and role != Role.CUSTOMER and (seats := seat_problem(db, seat_limit)):
        errors["role"] = seats
    if errors:
        raise ValidationError(errors)
    password_hash = hash_password(password) if password else None
    with unique_or_error(db, "username", _taken(username)):
        user = User(
            username=username,
            display_name=(display_name or "").strip() or username,
            email=email or None,
            role=Role(role).value,
            password_hash=password_hash,
        )
        db.add(user)
        user.departments = depts
    return user


def _taken(username: str) -> TranslationString:
    return _("The username '${username}' is taken.", mapping={"username": username})


def activate_user(db: Session, user: User, *, seat_limit: int | None) -> None:
    """Reactivate ``user``; an agent or administrator only while a license seat is free
    (``seat_limit`` as for :func:`create_user`). Raises :class:`ValidationError`."""
    if user.active:
        return
    if user.is_staff and (seats := seat_problem(db, seat_limit)):
        raise ValidationError({"role": seats})
    user.active = True
    db.flush()


def set_password(db: Session, user: User, password: str) -> None:
    """Give ``user`` a new password, end every session of theirs and lift any login lock
    (an administrator's reset). Raises :class:`ValidationError` when the password is not
    acceptable."""
    if problem := password_problem(password):
        raise ValidationError({"password": problem})
    user.password_hash = hash_password(password)
    end_all_sessions(user)
    unlock(db, user.login_key)
    db.flush()


def deactivate_user(db: Session, user: User) -> None:
    """Deactivate ``user`` and end every session of theirs (reactivation revives none).
    Raises :class:`ValidationError` for the last active administrator."""
    if not user.active:
        return
    if user.role == Role.ADMINISTRATOR:
        # Lock the active administrators' rows (in one order) so that two concurrent
        # deactivations cannot each leave the other as the "remaining" administrator.
        admins = db.scalars(
            select(User.id)
            .where(User.role == Role.ADMINISTRATOR.value, User.active.is_(True))
            .order_by(User.id)
            .with_for_update()
        ).all()
        if not set(admins) - {user.id}:
            raise ValidationError(
                {
                    "role": _(
                        "'${username}' is the last active administrator; "
                        "create or activate another administrator first.",
                        mapping={"username": user.username},
                    )
                }
            )
    user.active = False
    end_all_sessions(user)
    db.flush()
