"""Permissions declared by plugins through ``frontdesk_permissions``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pyramid.request import Request
from pyramid.security import NO_PERMISSION_REQUIRED

from frontdesk.db.users import Role

#: ``permission=PUBLIC`` on a view: everyone may open it, logged in or not. A view is
#: public only when it says so; one without a ``permission`` gets ``UNDECLARED``, which no
#: plugin declares, so it is closed to everybody.
PUBLIC: str = NO_PERMISSION_REQUIRED
#: The default permission of views that name none. No plugin declares it, so nobody
#: holds it (not even administrators): a forgotten ``permission=`` is a closed page.
UNDECLARED = "core:view:undeclared"


@dataclass(frozen=True, kw_only=True)
class Permission:
    """A permission a plugin introduces: ``name`` is ``<plugin>:<resource>:<action>``."""

    name: str
    title: str
    description: str = ""
    default_roles: frozenset[Role] = frozenset()
    #: Granted to agents per department (e.g. replying to tickets) rather than overall.
    per_department: bool = False
    #: Administration-level (plugins, license, settings, agents, permissions ...): only
    #: administrators grant it, so an agent who holds it cannot pass it on.
    administrative: bool = False

    def __post_init__(self) -> None:
        if self.name.count(":") != 2 or not all(self.name.split(":")):
            raise ValueError(
                f"permission name {self.name!r} must look like 'plugin:resource:action'"
            )
        object.__setattr__(self, "default_roles", frozenset(Role(r) for r in self.default_roles))


class DuplicatePermission(Exception):
    """Two plugins declared the same permission name."""


def collect_permissions(
    declared: Iterable[tuple[str, Iterable[Permission]]],
) -> dict[str, Permission]:
    """Merge ``(plugin name, permissions)`` pairs into one registry, refusing duplicates."""
    registry: dict[str, Permission] = {}
    owners: dict[str, str] = {}
    for plugin, permissions in declared:
        for permission in permissions or ():
            if permission.name in registry:
                raise DuplicatePermission(
                    f"permission {permission.name!r} is declared by both "
                    f"{owners[permission.name]!r} and {plugin!r}"
                )
            registry[permission.name] = permission
            owners[permission.name] = plugin
    return registry


@dataclass(frozen=True, kw_only=True)
class EffectivePermissions:
    """What one user holds: everywhere, and per department (agents)."""

    role: Role
    everywhere: frozenset[str]
    by_department: dict[int, frozenset[str]]
    departmental: frozenset[str]

    def holds(self, permission: str, department_id: int | None = None) -> bool:
        """Whether the user holds ``permission``; a per-department permission is held in
        ``department_id``, or, without one, in at least one department."""
        if self.role == Role.ADMINISTRATOR:
            return True
        if self.role == Role.CUSTOMER or permission not in self.departmental:
            return permission in self.everywhere
        if department_id is not None:
            return permission in self.by_department.get(department_id, frozenset())
        return any(permission in granted for granted in self.by_department.values())

    def departments_holding(self, permission: str) -> list[int]:
        return sorted(d for d, granted in self.by_department.items() if permission in granted)


def effective_permissions(
    *,
    role: Role | str,
    declared: dict[str, Permission],
    department_ids: Iterable[int],
    grants: Iterable[tuple[int | None, str]],
) -> EffectivePermissions:
    """Combine role defaults with explicit grants ``(department_id or None, permission)``.

    Where a user has explicit grants for a department (or for None, "everywhere"),
    exactly those apply there; elsewhere the defaults of the user's role do. Agents hold
    departmental permissions only in the departments they belong to.
    """
    role = Role(role)
    defaults = frozenset(name for name, p in declared.items() if role in p.default_roles)
    explicit: dict[int | None, set[str]] = {}
    for department_id, permission in grants:
        if permission in declared:
            explicit.setdefault(department_id, set()).add(permission)
    everywhere = frozenset(explicit.get(None, defaults))
    by_department = {
        department_id: frozenset(explicit.get(department_id, defaults))
        for department_id in department_ids
    }
    departmental = frozenset(name for name, p in declared.items() if p.per_department)
    return EffectivePermissions(
        role=role, everywhere=everywhere, by_department=by_department, departmental=departmental
    )


def allowed(request: Request, permission: str) -> bool:
    """``request.has_permission`` that also works on pages rendered before traversal
    (error pages for URLs refused early have no ``request.context``)."""
    context = getattr(request, "context", None)
    return bool(request.has_permission(permission, context if context is not None else _ROOT))


class _Root:
    """Stand-in context for checks made before traversal."""


_ROOT = _Root()
