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
    MailboxesManage = "management:mailboxes:manage"
    MailManage = "management:mail:manage"
    JobsManage = "management:jobs:manage"


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
    # Per department: an agent granted it in Sales manages Sales' mailbox and no other.
    Permission(
        name=P.MailboxesManage,
        title=_("Set up a department's incoming mailbox"),
        default_roles=ADMINS,
        per_department=True,
        administrative=True,
    ),
    Permission(
        name=P.MailManage,
        title=_("Read the outgoing mail log and handle quarantined mail"),
        default_roles=ADMINS,
        administrative=True,
    ),
    Permission(
        name=P.JobsManage,
        title=_("Retry or discard failed background jobs"),
        default_roles=ADMINS,
        administrative=True,
    ),
]
