"""The management plugin's permissions (``management:<resource>:<action>``)."""

from __future__ import annotations

import enum

from frontdesk import Permission, Role
from frontdesk.plugins.management.i18n import _

STAFF = frozenset({Role.AGENT, Role.ADMINISTRATOR})
ADMINS = frozenset({Role.ADMINISTRATOR})


class P(enum.StrEnum):
    DashboardView = "management:dashboard:view"
    CannedManageShared = "management:canned:manage_shared"
    DepartmentsManage = "management:departments:manage"
    AgentsManage = "management:agents:manage"
    CustomersManage = "management:customers:manage"
    PermissionsManage = "management:permissions:manage"
    SettingsManage = "management:settings:manage"
    AuditView = "management:audit:view"


DECLARED = [
    Permission(name=P.DashboardView, title=_("Open the management interface"), default_roles=STAFF),
    Permission(
        name=P.CannedManageShared, title=_("Edit shared canned replies"), default_roles=ADMINS
    ),
    # Administration-level: only administrators grant these (see docs/admin/management.md).
    Permission(
        name=P.DepartmentsManage,
        title=_("Create and change departments"),
        default_roles=ADMINS,
        administrative=True,
    ),
    Permission(
        name=P.AgentsManage,
        title=_("Create, change and deactivate agents"),
        default_roles=ADMINS,
        administrative=True,
    ),
    Permission(
        name=P.CustomersManage,
        title=_("Search, deactivate and reset customers"),
        default_roles=ADMINS,
        administrative=True,
    ),
    Permission(
        name=P.PermissionsManage,
        title=_("Grant permissions per role and department"),
        default_roles=ADMINS,
        administrative=True,
    ),
    Permission(
        name=P.SettingsManage,
        title=_("Change help desk settings"),
        default_roles=ADMINS,
        administrative=True,
    ),
    Permission(name=P.AuditView, title=_("Read the audit log"), default_roles=ADMINS),
]
