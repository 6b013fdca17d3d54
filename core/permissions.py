"""Permissions declared by plugins through ``frontdesk_permissions``."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class Role(enum.StrEnum):
    """The built-in roles every user has exactly one of."""

    CUSTOMER = "customer"
    AGENT = "agent"
    ADMINISTRATOR = "administrator"


@dataclass(frozen=True, kw_only=True)
class Permission:
    """A permission a plugin introduces: ``name`` is ``<plugin>:<resource>:<action>``."""

    name: str
    title: str
    description: str = ""
    default_roles: frozenset[Role] = frozenset()

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
