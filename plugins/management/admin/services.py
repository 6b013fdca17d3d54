"""The administration's changes: validated first, then written, each with its audit entry.

Every function either raises :class:`~frontdesk.identity.accounts.ValidationError` (per-field
messages, nothing written) or makes the change and records it with
:func:`frontdesk.identity.audit.record` in the caller's transaction, so a committed change always
has its entry and a refused one has none.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from frontdesk.db.auth import PermissionGrant
from frontdesk.db.state import get_setting, set_setting
from frontdesk.db.users import Department, User
from frontdesk.identity.access import permissions_of
from frontdesk.identity.accounts import (
    EMAIL_RE,
    ValidationError,
    activate_user,
    create_user,
    deactivate_user,
    set_password,
    unique_or_error,
)
from frontdesk.identity.audit import record
from frontdesk.identity.throttle import unlock
from frontdesk.mail import mailboxes
from frontdesk.plugin_platform.permissions import (
    EffectivePermissions,
    Permission,
    Role,
    effective_permissions,
)
from frontdesk.plugins.management.i18n import _

NAME_MAX = 100
DISPLAY_NAME_MAX = 150
EMAIL_MAX = 254
STAFF_ROLES = (Role.AGENT, Role.ADMINISTRATOR)


def describe(user: User) -> str:
    """An audit target for ``user``: ``agent alex``."""
    return f"{user.role} {user.username}"


# --- departments ---------------------------------------------------------------------------


def _department_name(db: Session, name: str, *, exclude_id: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Enter a name.")})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": at_most(NAME_MAX)})
    query = select(Department).where(Department.name_key == name.casefold())
    if exclude_id is not None:
        query = query.where(Department.id != exclude_id)
    clash = db.scalar(query)
    if clash is not None:
        raise ValidationError({"name": _name_taken(clash.name)})
    return name


def at_most(limit: int) -> str:
    return _("Use at most ${limit} characters.", mapping={"limit": limit})


def _name_taken(name: str) -> str:
    return _("There is already a department named '${name}'.", mapping={"name": name})


def create_department(
    db: Session, actor: User, *, name: str, description: str = "", customer_visible: bool = True
) -> Department:
    name = _department_name(db, name)
    department = Department(
        name=name, description=description.strip(), customer_visible=customer_visible
    )
    # The database's rule on the case-folded name holds against concurrent creates.
    with unique_or_error(db, "name", _name_taken(name)):
        db.add(department)
    record(
        db,
        actor=actor,
        action="department.create",
        target=f"department {name}",
        details="visible to customers" if customer_visible else "hidden from customers",
    )
    return department


def update_department(
    db: Session, actor: User, department: Department, *, name: str, description: str
) -> list[str]:
    """Rename and/or describe ``department``; the changes made (empty: nothing changed)."""
    name = _department_name(db, name, exclude_id=department.id)
    description = description.strip()
    changes = []
    old_name = department.name
    if name != department.name:
        changes.append(f"renamed from {department.name!r} to {name!r}")
    if description != department.description:
        changes.append("description changed")
    if changes:
        with unique_or_error(db, "name", _name_taken(name)):
            department.name = name
            department.description = description
        record(
            db,
            actor=actor,
            action="department.update",
            target=f"department {old_name}",
            details="; ".join(changes),
        )
    return changes


def set_department_visible(db: Session, actor: User, department: Department, visible: bool) -> bool:
    """Show ``department`` to customers or hide it; whether anything changed."""
    if department.customer_visible == visible:
        return False
    department.customer_visible = visible
    db.flush()
    record(
        db,
        actor=actor,
        action="department.show" if visible else "department.hide",
        target=f"department {department.name}",
        details="visible to customers" if visible else "hidden from customers",
    )
    return True


def set_department_active(db: Session, actor: User, department: Department, active: bool) -> bool:
    """Deactivate or reactivate ``department`` (its tickets keep it); whether it changed."""
    if department.active == active:
        return False
    department.active = active
    db.flush()
    record(
        db,
        actor=actor,
        action="department.reactivate" if active else "department.deactivate",
        target=f"department {department.name}",
    )
    return True


# --- delegation: nobody hands on more than they hold ----------------------------------------
#
# An administrator may let an agent manage agents or permissions. Such an agent must not
# be able to raise anyone, themselves included, above what they hold: they never change
# their own grants or departments, only change grants they hold themselves (in the same
# department), never touch administration-level permissions, and never give an agent
# (new, edited or with a reset password) anything they do not hold.

SELF_GRANTS = _("You cannot change your own permissions; another administrator can.")
SELF_DEPARTMENTS = _("You cannot change your own departments; another administrator can.")


def _departmental(declared: Mapping[str, Permission], names: Iterable[str]) -> set[str]:
    return {n for n in names if n in declared and declared[n].per_department}


def _overall(declared: Mapping[str, Permission], names: Iterable[str]) -> set[str]:
    return {n for n in names if n in declared and not declared[n].per_department}


def holds_more(
    other: EffectivePermissions, actor: EffectivePermissions, declared: Mapping[str, Permission]
) -> bool:
    """Whether ``other`` holds anything ``actor`` does not (anywhere, or in a department)."""
    if actor.role == Role.ADMINISTRATOR:
        return False
    if other.role == Role.ADMINISTRATOR or _overall(declared, other.everywhere - actor.everywhere):
        return True
    return any(
        _departmental(declared, held - actor.by_department.get(department_id, frozenset()))
        for department_id, held in other.by_department.items()
    )


def would_hold(
    db: Session,
    user: User | None,
    declared: Mapping[str, Permission],
    *,
    role: str,
    departments: Iterable[Department],
) -> EffectivePermissions:
    """What ``user`` (or a new user) would hold with ``role`` in ``departments``."""
    grants = (
        db.execute(
            select(PermissionGrant.department_id, PermissionGrant.permission).where(
                PermissionGrant.user_id == user.id
            )
        ).all()
        if user is not None and user.id is not None
        else []
    )
    return effective_permissions(
        role=role,
        declared=dict(declared),
        department_ids=[d.id for d in departments if d.active],
        grants=[(row.department_id, row.permission) for row in grants],
    )


def _check_not_above(
    db: Session,
    actor: User,
    declared: Mapping[str, Permission],
    held: EffectivePermissions,
    username: str,
    field: str,
) -> None:
    """Refuse to let a non-administrator make or manage someone holding more than them."""
    if actor.role != Role.ADMINISTRATOR and holds_more(
        held, permissions_of(db, actor, dict(declared)), declared
    ):
        raise ValidationError(
            {
                field: _(
                    "You can only manage agents who hold no permission you do not hold "
                    "yourself, and ${username} would; an administrator can do this.",
                    mapping={"username": username},
                )
            }
        )


def _check_grant_change(
    actor: EffectivePermissions,
    declared: Mapping[str, Permission],
    scope: GrantScope,
    changed: set[str],
) -> str | None:
    """Why ``actor`` may not grant or take away ``changed`` in ``scope`` (None: they may)."""
    if actor.role == Role.ADMINISTRATOR or not changed:
        return None
    administrative = sorted(n for n in changed if declared[n].administrative)
    if administrative:
        return _(
            "Only administrators grant or take away administration permissions: ${names}.",
            mapping={"names": ", ".join(administrative)},
        )
    department_id = scope.department.id if scope.department is not None else None
    missing = sorted(n for n in changed if not actor.holds(n, department_id))
    if not missing:
        return None
    names = ", ".join(missing)
    if scope.department is None:
        return _(
            "You can only grant or take away permissions you hold yourself: ${names}.",
            mapping={"names": names},
        )
    return _(
        "You can only grant or take away permissions you hold yourself in ${department}: ${names}.",
        mapping={"department": scope.department.name, "names": names},
    )


# --- staff and customers -------------------------------------------------------------------


def _check_admin_target(actor: User, *roles: str) -> None:
    """Only administrators create, change or act on administrators (an agent who was
    granted "manage agents" must not be able to make themselves an administrator)."""
    if actor.role != Role.ADMINISTRATOR and Role.ADMINISTRATOR in roles:
        raise ValidationError(
            {"role": _("Only administrators can create or change administrators.")}
        )


def check_staff_role(role: str) -> Role:
    try:
        value = Role(role)
    except ValueError:
        value = None
    if value not in STAFF_ROLES:
        raise ValidationError({"role": _("Choose agent or administrator.")})
    return value


def _active_admin_ids(db: Session) -> set[int]:
    return set(
        db.scalars(
            select(User.id)
            .where(User.role == Role.ADMINISTRATOR.value, User.active.is_(True))
            .order_by(User.id)
            .with_for_update()
        )
    )


CHOOSE_DEPARTMENTS = _("Choose departments from the list.")


def departments_by_id(db: Session, ids: Iterable[str | int]) -> list[Department]:
    """The departments with these ids (unknown ids raise a ValidationError)."""
    wanted = set()
    for value in ids:
        try:
            wanted.add(int(value))
        except (TypeError, ValueError):
            raise ValidationError({"department": CHOOSE_DEPARTMENTS}) from None
    if not wanted:
        return []
    found = list(
        db.scalars(select(Department).where(Department.id.in_(wanted)).order_by(Department.name))
    )
    if len(found) != len(wanted):
        raise ValidationError({"department": CHOOSE_DEPARTMENTS})
    return found


def update_staff(
    db: Session,
    actor: User,
    user: User,
    *,
    display_name: str,
    email: str,
    role: str,
    departments: list[Department],
    declared: Mapping[str, Permission],
) -> list[str]:
    """Change an agent's or administrator's details; the changes made."""
    errors: dict[str, str] = {}
    display_name = " ".join(display_name.split())
    email = email.strip()
    if not display_name:
        errors["display_name"] = _("Enter a display name.")
    elif len(display_name) > DISPLAY_NAME_MAX:
        errors["display_name"] = at_most(DISPLAY_NAME_MAX)
    if email and (not EMAIL_RE.match(email) or len(email) > EMAIL_MAX):
        errors["email"] = _("Enter an email address like name@example.com.")
    try:
        new_role = check_staff_role(role)
        _check_admin_target(actor, user.role, new_role)
    except ValidationError as exc:
        errors.update(exc.errors)
        new_role = Role(user.role)
    if "role" not in errors and user.role == Role.ADMINISTRATOR and new_role != user.role:
        if user.id == actor.id:
            errors["role"] = _("You cannot take away your own administrator role.")
        elif user.active and not _active_admin_ids(db) - {user.id}:
            errors["role"] = _(
                "'${username}' is the last active administrator; "
                "make another user an administrator first.",
                mapping={"username": user.username},
            )
    if {d.id for d in departments} != {d.id for d in user.departments} and user.id == actor.id:
        errors["department"] = SELF_DEPARTMENTS
    if not errors:
        try:
            _check_not_above(
                db,
                actor,
                declared,
                permissions_of(db, user, dict(declared)),
                user.username,
                "department",
            )
            held = would_hold(db, user, declared, role=new_role, departments=departments)
            _check_not_above(db, actor, declared, held, user.username, "department")
        except ValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)

    changes = []
    if display_name != user.display_name:
        changes.append(f"display name {user.display_name!r} → {display_name!r}")
        user.display_name = display_name
    if (email or None) != user.email:
        changes.append(f"email {user.email or '(none)'} → {email or '(none)'}")
        user.email = email or None
    if new_role != user.role:
        changes.append(f"role {user.role} → {new_role.value}")
        user.role = new_role.value
    old = sorted(d.name for d in user.departments)
    new = sorted(d.name for d in departments)
    if old != new:
        changes.append(f"departments {', '.join(old) or '(none)'} → {', '.join(new) or '(none)'}")
        user.departments = list(departments)
    if changes:
        db.flush()
        record(
            db, actor=actor, action="user.update", target=describe(user), details="; ".join(changes)
        )
    return changes


def create_staff(
    db: Session,
    actor: User,
    *,
    username: str,
    display_name: str,
    email: str,
    role: str,
    departments: list[Department],
    password: str,
    seat_limit: int | None,
    declared: Mapping[str, Permission],
) -> User:
    """Add an agent or administrator (the license's seat limit applies)."""
    errors: dict[str, str] = {}
    try:
        check_staff_role(role)
        _check_admin_target(actor, role)
        held = would_hold(db, None, declared, role=role, departments=departments)
        _check_not_above(
            db, actor, declared, held, username.strip() or "the new agent", "department"
        )
    except ValidationError as exc:
        errors.update(exc.errors)
    if len(" ".join(display_name.split())) > DISPLAY_NAME_MAX:
        errors["display_name"] = at_most(DISPLAY_NAME_MAX)
    if not password:
        errors["password"] = _("Enter an initial password.")
    # create_user validates the rest; undo its insert when a check of ours failed.
    savepoint = db.begin_nested()
    try:
        user = create_user(
            db,
            username=username,
            role=role if "role" not in errors else Role.AGENT,
            password=password,
            display_name=" ".join(display_name.split()),
            email=email.strip() or None,
            seat_limit=seat_limit,
        )
    except ValidationError as exc:
        savepoint.rollback()
        raise ValidationError({**exc.errors, **errors}) from None
    if errors:
        savepoint.rollback()
        raise ValidationError(errors)
    savepoint.commit()
    user.departments = list(departments)
    db.flush()
    record(
        db,
        actor=actor,
        action="user.create",
        target=describe(user),
        details="departments: " + (", ".join(d.name for d in departments) or "(none)"),
    )
    return user


def reactivate(db: Session, actor: User, user: User, *, seat_limit: int | None) -> bool:
    """Reactivate ``user``; agents and administrators only while a seat is free."""
    _check_admin_target(actor, user.role)
    if user.active:
        return False
    activate_user(db, user, seat_limit=seat_limit)
    record(db, actor=actor, action="user.reactivate", target=describe(user))
    return True


def reset_password(
    db: Session, actor: User, user: User, password: str, *, declared: Mapping[str, Permission]
) -> None:
    """Give ``user`` a new password; every session of theirs ends. (Whoever knows the
    password can act as ``user``: nobody sets it for someone holding more than them.)"""
    _check_admin_target(actor, user.role)
    if user.is_staff:
        _check_not_above(
            db, actor, declared, permissions_of(db, user, dict(declared)), user.username, "role"
        )
    set_password(db, user, password)
    record(
        db,
        actor=actor,
        action="user.password_reset",
        target=describe(user),
        details="password reset; every session ended",
    )


def unlock_login(db: Session, actor: User, user: User) -> bool:
    """Lift the lock failed logins put on ``user`` from every address; whether one was on."""
    _check_admin_target(actor, user.role)
    if not unlock(db, user.login_key):
        return False
    record(
        db,
        actor=actor,
        action="user.unlock",
        target=describe(user),
        details="login lock lifted from every address",
    )
    return True


def deactivate(db: Session, actor: User, user: User) -> bool:
    """Deactivate ``user`` (never oneself, never the last active administrator)."""
    if user.id == actor.id:
        raise ValidationError({"role": _("You cannot deactivate your own account.")})
    _check_admin_target(actor, user.role)
    if not user.active:
        return False
    deactivate_user(db, user)
    record(db, actor=actor, action="user.deactivate", target=describe(user))
    return True


# --- permission grants ---------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class GrantScope:
    """One row of the grant matrix: a department, or ``None`` for "not tied to one"."""

    department: Department | None
    #: The permissions this row offers (declared by active plugins).
    shown: tuple[Permission, ...]
    #: What the agent holds there now, and whether that comes from explicit rows.
    held: frozenset[str]
    explicit: bool

    @property
    def key(self) -> str:
        return "none" if self.department is None else str(self.department.id)

    @property
    def label(self) -> str:
        return _("Not tied to a department") if self.department is None else self.department.name


def grant_scopes(
    db: Session, user: User, declared: Mapping[str, Permission], shown: Collection[str]
) -> list[GrantScope]:
    """The agent's departments (active ones, where departmental permissions apply) and the
    row of permissions not tied to a department, each with what the agent holds."""
    effective = permissions_of(db, user, dict(declared))
    explicit_scopes = set(
        db.scalars(select(PermissionGrant.department_id).where(PermissionGrant.user_id == user.id))
    )
    departmental = tuple(declared[n] for n in sorted(shown) if declared[n].per_department)
    overall = tuple(declared[n] for n in sorted(shown) if not declared[n].per_department)
    scopes = [
        GrantScope(
            department=department,
            shown=departmental,
            held=effective.by_department.get(department.id, frozenset()),
            explicit=department.id in explicit_scopes,
        )
        for department in sorted(user.departments, key=lambda d: d.name.lower())
        if department.active
    ]
    scopes.append(
        GrantScope(
            department=None,
            shown=overall,
            held=effective.everywhere,
            explicit=None in explicit_scopes,
        )
    )
    return scopes


def save_grants(
    db: Session,
    actor: User,
    user: User,
    scopes: list[GrantScope],
    wanted: Mapping[str, set[str]],
    declared: Mapping[str, Permission],
) -> list[str]:
    """Write explicit grants for every scope whose shown permissions changed.

    ``wanted`` maps a scope key to the permission names ticked in it. Permissions the
    page did not show (those of plugins that are off now) keep what the agent holds, so
    switching a plugin back on brings its grants back. Returns the labels of the scopes
    that changed. Nobody changes their own grants; a non-administrator changes only
    permissions they hold in that scope, and never administration-level ones.
    """
    if user.id == actor.id:
        raise ValidationError({"grants": SELF_GRANTS})
    mine = permissions_of(db, actor, dict(declared))
    errors: dict[str, str] = {}
    plans: list[tuple[GrantScope, set[str], set[str], set[str]]] = []
    for scope in scopes:
        shown = {p.name for p in scope.shown}
        ticked = set(wanted.get(scope.key, set())) & shown
        if ticked == scope.held & shown:
            continue
        per_department = scope.department is not None
        hidden = {
            name
            for name in scope.held - shown
            if name in declared and declared[name].per_department == per_department
        }
        rows = ticked | hidden
        if not rows:
            errors[f"grants-{scope.key}"] = (
                _(
                    "Leave at least one permission in ${department}: a department without "
                    "any would fall back to the role's defaults. To take the department "
                    "away, remove the agent from it on the agent's page.",
                    mapping={"department": scope.label},
                )
                if per_department
                else _(
                    "Leave at least one permission here (an agent without any would fall "
                    "back to the role's defaults); to lock the agent out, deactivate them."
                )
            )
            continue
        added, removed = ticked - scope.held, (scope.held & shown) - ticked
        if refusal := _check_grant_change(mine, declared, scope, added | removed):
            errors[f"grants-{scope.key}"] = refusal
            continue
        plans.append((scope, rows, added, removed))
    if errors:
        raise ValidationError(errors)
    changed = []
    for scope, rows, added, removed in plans:
        department_id = scope.department.id if scope.department is not None else None
        _replace_rows(db, user, department_id, rows)
        details = []
        if added:
            details.append("granted " + ", ".join(sorted(added)))
        if removed:
            details.append("removed " + ", ".join(sorted(removed)))
        record(
            db,
            actor=actor,
            action="permissions.grant",
            target=f"{describe(user)} in {scope.label}",
            details="; ".join(details),
        )
        changed.append(scope.label)
    return changed


def _replace_rows(db: Session, user: User, department_id: int | None, rows: set[str]) -> None:
    where = (
        PermissionGrant.department_id.is_(None)
        if department_id is None
        else PermissionGrant.department_id == department_id
    )
    db.execute(delete(PermissionGrant).where(PermissionGrant.user_id == user.id, where))
    db.add_all(
        PermissionGrant(user_id=user.id, department_id=department_id, permission=name)
        for name in sorted(rows)
    )
    db.flush()


def reset_grants(
    db: Session, actor: User, user: User, scope: GrantScope, declared: Mapping[str, Permission]
) -> bool:
    """Back to the role's defaults in ``scope`` (its explicit rows deleted); the same
    limits as :func:`save_grants` apply to what that changes."""
    if user.id == actor.id:
        raise ValidationError({"grants": SELF_GRANTS})
    if not scope.explicit:
        return False
    kind = _overall if scope.department is None else _departmental
    defaults = kind(
        declared, (n for n, p in declared.items() if Role(user.role) in p.default_roles)
    )
    changed = defaults ^ kind(declared, scope.held)
    mine = permissions_of(db, actor, dict(declared))
    if refusal := _check_grant_change(mine, declared, scope, changed):
        raise ValidationError({f"grants-{scope.key}": refusal})
    department_id = scope.department.id if scope.department is not None else None
    _replace_rows(db, user, department_id, set())
    record(
        db,
        actor=actor,
        action="permissions.reset",
        target=f"{describe(user)} in {scope.label}",
        details="back to the role's defaults",
    )
    return True


# --- settings ------------------------------------------------------------------------------


def change_setting(db: Session, actor: User, key: str, value: str | None, details: str) -> bool:
    """Store ``value`` under ``key`` (``None`` deletes it); whether it changed."""
    if get_setting(db, key) == value:
        return False
    set_setting(db, key, value)
    record(db, actor=actor, action="setting.change", target=f"setting {key}", details=details)
    return True


def audit(db: Session, actor: User, action: str, target: str, details: str = "") -> Any:
    """Record a change made through a core service (plugins, license, passwords)."""
    return record(db, actor=actor, action=action, target=target, details=details)


# --- mailboxes -----------------------------------------------------------------------------

#: How frontdesk talks to an IMAP server: TLS from the start, STARTTLS, or in the clear.
IMAP_SECURITY = ("tls", "starttls", "none")
#: The usual port for each kind of security.
IMAP_PORTS = {"tls": 993, "starttls": 143, "none": 143}
HOST_MAX = 255
FOLDER_MAX = 200
#: The mailbox fields an administrator edits (the password is handled on its own).
MAILBOX_FIELDS = (
    "address",
    "imap_host",
    "imap_port",
    "imap_security",
    "imap_folder",
    "imap_username",
)


def check_mailbox(form: Mapping[str, str], *, has_password: bool) -> dict[str, Any]:
    """The mailbox values of ``form``, cleaned, or :class:`ValidationError` per field.

    A blank password is allowed only when one is stored (``has_password``): it keeps it."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    address = form.get("address", "").strip()
    if not address:
        errors["address"] = _("Enter the mailbox's e-mail address.")
    elif len(address) > EMAIL_MAX or not EMAIL_RE.match(address):
        errors["address"] = _("Enter an e-mail address such as support@example.com.")
    values["address"] = address
    host = form.get("imap_host", "").strip()
    if not host:
        errors["imap_host"] = _("Enter the IMAP server's name, such as imap.example.com.")
    elif len(host) > HOST_MAX or any(c.isspace() or c in "/@:" for c in host):
        errors["imap_host"] = _("Enter a server name only, such as imap.example.com.")
    values["imap_host"] = host
    security = form.get("imap_security", "")
    if security not in IMAP_SECURITY:
        errors["imap_security"] = _("Choose one of the answers in the list.")
        security = IMAP_SECURITY[0]
    values["imap_security"] = security
    port = form.get("imap_port", "").strip()
    try:
        values["imap_port"] = int(port) if port else IMAP_PORTS[security]
    except ValueError:
        values["imap_port"] = port
        errors["imap_port"] = _("Enter a port number, such as 993.")
    else:
        if not 1 <= values["imap_port"] <= 65535:
            errors["imap_port"] = _("Enter a port number from 1 to 65535.")
    folder = form.get("imap_folder", "").strip() or "INBOX"
    if len(folder) > FOLDER_MAX:
        errors["imap_folder"] = at_most(FOLDER_MAX)
    values["imap_folder"] = folder
    username = form.get("imap_username", "").strip()
    if not username:
        errors["imap_username"] = _("Enter the login name for the IMAP server.")
    elif len(username) > EMAIL_MAX:
        errors["imap_username"] = at_most(EMAIL_MAX)
    values["imap_username"] = username
    if not form.get("imap_password") and not has_password:
        errors["imap_password"] = _("Enter the password for the IMAP server.")
    if errors:
        raise ValidationError(errors)
    return values


def save_mailbox(
    db: Session,
    settings: Mapping[str, Any],
    actor: User,
    department: Department,
    form: Mapping[str, str],
) -> list[str]:
    """Create or change ``department``'s mailbox from ``form``; the changes made (empty:
    nothing changed). A blank password keeps the stored one; the audit entry names the
    fields changed, never the password."""
    existing = mailboxes.mailbox_for_department(db, department.id)
    values = check_mailbox(form, has_password=bool(existing and existing.imap_password))
    password = form.get("imap_password") or None
    if existing is None:
        changes = [f"{values['address']} on {values['imap_host']}:{values['imap_port']}"]
    else:
        changes = [
            f"{name} {getattr(existing, name)!r} → {values[name]!r}"
            for name in MAILBOX_FIELDS
            if getattr(existing, name) != values[name]
        ]
        if password is not None:
            changes.append("password changed")
    if not changes:
        return []
    mailboxes.save_mailbox(
        db,
        settings,
        department_id=department.id,
        imap_password=password,
        active=existing.active if existing is not None else True,
        **values,
    )
    record(
        db,
        actor=actor,
        action="mailbox.create" if existing is None else "mailbox.update",
        target=f"mailbox of department {department.name}",
        details="; ".join(changes),
    )
    return changes


def set_mailbox_active(db: Session, actor: User, department: Department, active: bool) -> bool:
    """Fetch ``department``'s mail again (or no longer); whether anything changed."""
    mailbox = mailboxes.mailbox_for_department(db, department.id)
    if mailbox is None or mailbox.active == active:
        return False
    mailbox.active = active
    record(
        db,
        actor=actor,
        action="mailbox.reactivate" if active else "mailbox.deactivate",
        target=f"mailbox of department {department.name}",
        details=mailbox.address,
    )
    return True
