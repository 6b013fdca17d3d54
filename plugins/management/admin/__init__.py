"""Administration: departments, agents, customers, permissions, plugins, license,
settings, mailboxes, outgoing mail, quarantine, failed jobs and the audit log."""

from pyramid.config import Configurator

from frontdesk.plugins.management.permissions import P
from frontdesk.web.forms import redirect_to_form

PREFIX = "/management/admin"

ROUTES = {
    "management.admin": "/",
    "management.admin.departments": "/departments",
    "management.admin.department": "/departments/{id:\\d+}",
    "management.admin.department_state": "/departments/{id:\\d+}/state",
    "management.admin.agents": "/agents",
    "management.admin.agent_new": "/agents/new",
    "management.admin.agent": "/agents/{id:\\d+}",
    "management.admin.agent_deactivate": "/agents/{id:\\d+}/deactivate",
    "management.admin.agent_reactivate": "/agents/{id:\\d+}/reactivate",
    "management.admin.agent_password": "/agents/{id:\\d+}/password",
    "management.admin.agent_unlock": "/agents/{id:\\d+}/unlock",
    "management.admin.customers": "/customers",
    "management.admin.customer": "/customers/{id:\\d+}",
    "management.admin.customer_deactivate": "/customers/{id:\\d+}/deactivate",
    "management.admin.customer_reactivate": "/customers/{id:\\d+}/reactivate",
    "management.admin.customer_password": "/customers/{id:\\d+}/password",
    "management.admin.customer_unlock": "/customers/{id:\\d+}/unlock",
    "management.admin.permissions": "/permissions",
    "management.admin.grants": "/permissions/agents",
    "management.admin.agent_grants": "/permissions/agents/{id:\\d+}",
    "management.admin.agent_grants_reset": "/permissions/agents/{id:\\d+}/reset",
    "management.admin.explain": "/permissions/explain",
    "management.admin.plugins": "/plugins",
    "management.admin.plugin_switch": "/plugins/{name}/switch",
    "management.admin.license": "/license",
    "management.admin.license_remove": "/license/remove",
    "management.admin.settings": "/settings",
    "management.admin.audit": "/audit",
    "management.admin.mailboxes": "/mail/mailboxes",
    "management.admin.mailbox": "/mail/mailboxes/{id:\\d+}",
    "management.admin.mailbox_state": "/mail/mailboxes/{id:\\d+}/state",
    "management.admin.mailbox_test": "/mail/mailboxes/{id:\\d+}/test",
    "management.admin.mail_log": "/mail/outgoing",
    "management.admin.quarantine": "/mail/quarantine",
    "management.admin.quarantined": "/mail/quarantine/{id:\\d+}",
    "management.admin.jobs": "/jobs",
    "management.admin.job": "/jobs/{id:\\d+}",
}


def includeme(config: Configurator) -> None:
    """Routes of the administration pages, under /management/admin/."""
    for name, path in ROUTES.items():
        config.add_route(name, PREFIX + path)
    # Reloading the answer to one of these POSTs (a refused form, a confirmation page)
    # leads back to the page of the form, not to a 404.
    for route, page, anchor, permission in (
        ("department_state", "departments", "department-{id}", P.DepartmentsManage),
        ("agent_deactivate", "agent", "deactivate-form", P.AgentsManage),
        ("agent_reactivate", "agent", "reactivate-form", P.AgentsManage),
        ("agent_password", "agent", "password-form", P.AgentsManage),
        ("agent_unlock", "agent", "unlock-form", P.AgentsManage),
        ("customer_deactivate", "customer", "deactivate-form", P.CustomersManage),
        ("customer_reactivate", "customer", "reactivate-form", P.CustomersManage),
        ("customer_password", "customer", "password-form", P.CustomersManage),
        ("customer_unlock", "customer", "unlock-form", P.CustomersManage),
        ("agent_grants_reset", "agent_grants", "grants-form", P.PermissionsManage),
        ("plugin_switch", "plugins", "plugin-{name}", "core:plugins:manage"),
        ("license_remove", "license", "", "core:license:manage"),
        ("mailbox_state", "mailbox", "state-form", P.MailboxesManage),
        ("mailbox_test", "mailbox", "test-form", P.MailboxesManage),
        ("job", "jobs", "job-{id}", P.JobsManage),
    ):
        config.add_view(
            redirect_to_form(f"management.admin.{page}", anchor),
            route_name=f"management.admin.{route}",
            request_method="GET",
            permission=permission,
        )
    config.add_static_view(
        name="management/admin/static",
        path="frontdesk.plugins.management.admin:static",
        cache_max_age=3600,
    )
    config.scan(".views")
