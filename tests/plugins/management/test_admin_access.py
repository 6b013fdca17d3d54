"""Who may use the administration: every page and every change, for each kind of user."""

from __future__ import annotations

import pytest
from webtest import TestApp

from frontdesk.plugins.management.admin.common import SECTIONS
from tests.plugins.management.test_admin_fixtures import (  # noqa: F401  (fixtures)
    ADMIN,
    BUILTIN,
    app_fixture,
    audit_log,
    desk_fixture,
    login,
    token,
)

#: Every page (GET) of the administration; ``{...}`` filled from the desk fixture.
PAGES = [
    "/",
    "/departments",
    "/departments/{sales}",
    "/agents",
    "/agents/new",
    "/agents/{alex}",
    "/customers",
    "/customers?q=casey",
    "/customers/{casey}",
    "/permissions",
    "/permissions/agents?agent={alex}",
    "/permissions/agents/{alex}",
    "/permissions/explain",
    "/permissions/explain?username=alex&ticket=1001",
    "/plugins",
    "/license",
    "/settings",
    "/audit",
    "/mail/mailboxes",
    "/mail/mailboxes/{sales}",
    "/mail/outgoing",
    "/mail/quarantine",
    "/jobs",
]

#: Every change (POST) with a form that would succeed for an administrator.
CHANGES = [
    ("/departments", {"name": "Returns", "description": ""}),
    ("/departments/{sales}", {"name": "Sales EU", "description": ""}),
    ("/departments/{sales}/state", {"change": "hide"}),
    (
        "/agents/new",
        {
            "username": "newbie",
            "display_name": "",
            "email": "",
            "role": "agent",
            "password": "a-long-password",
        },
    ),
    ("/agents/{alex}", {"display_name": "Alexandra", "email": "", "role": "agent"}),
    ("/agents/{alex}/deactivate", {}),
    ("/agents/{alex}/reactivate", {}),
    ("/agents/{alex}/password", {"password": "another-long-password"}),
    ("/customers/{casey}/deactivate", {}),
    ("/customers/{casey}/reactivate", {}),
    ("/customers/{casey}/password", {"password": "another-long-password"}),
    ("/permissions/agents/{alex}", {"grants-none": "management:dashboard:view"}),
    ("/permissions/agents/{alex}/reset", {"scope": "none"}),
    ("/plugins/kb/switch", {"enabled": "0"}),
    ("/license", {"key": "not a key"}),
    ("/license/remove", {}),
    ("/settings", {"welcome": "Hi", "max_size": "10", "max_files": "5"}),
    (
        "/mail/mailboxes/{sales}",
        {
            "address": "sales@example.com",
            "imap_host": "imap.example.com",
            "imap_port": "993",
            "imap_security": "tls",
            "imap_folder": "INBOX",
            "imap_username": "sales",
            "imap_password": "imap-secret",
        },
    ),
    ("/mail/mailboxes/{sales}/state", {"change": "deactivate", "confirmed": "1"}),
    ("/mail/mailboxes/{sales}/test", {}),
    ("/mail/outgoing", {"to": "someone@example.com"}),
    ("/jobs/1", {"change": "retry"}),
]


def url(template, desk):
    return ADMIN + template.format(**vars(desk))


def test_the_administration_item_is_in_the_menu_of_administrators_only(app):
    login(app, "ada")
    dashboard = app.get("/management/")
    link = dashboard.html.select_one(".main-nav").find("a", string="Administration")
    assert link is not None and link["href"] == f"{ADMIN}/"

    agent = TestApp(app.app)
    login(agent, "alex")
    assert agent.get("/management/").html.find("a", string="Administration") is None


@pytest.mark.parametrize("path", PAGES)
def test_an_administrator_opens_every_page(app, desk, path):
    login(app, "ada")
    page = app.get(url(path, desk), status="*")
    if page.status_int == 303:  # the agent picker leads on to the agent's grants
        page = page.follow()
    assert page.status_int == 200, page.text[:500]
    nav = page.html.select_one("nav.admin-nav")
    assert nav is not None and len(nav.select("a")) == len(SECTIONS)


@pytest.mark.parametrize("path", PAGES)
def test_an_agent_is_refused_every_page(app, desk, path):
    login(app, "alex")
    page = app.get(url(path, desk), status=403)
    assert "Access denied" in page.text


@pytest.mark.parametrize(("path", "fields"), CHANGES)
def test_opening_the_address_of_a_change_shows_a_page(app, desk, path, fields):
    """A refused form or a confirmation page is answered at the POST's address; opening
    that address again (a reload, the history) shows the form's page, never a 404."""
    login(app, "ada")
    page = app.get(url(path, desk), status=[200, 303])
    if page.status_int == 303:
        page = page.follow()
    assert page.html.select_one("nav.admin-nav") is not None


@pytest.mark.parametrize(("path", "fields"), CHANGES)
def test_an_agent_is_refused_every_change_and_nothing_is_logged(app, desk, engine, path, fields):
    login(app, "alex")
    app.post(url(path, desk), {**fields, "csrf_token": token(app)}, status=403)
    assert audit_log(engine) == []


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_the_management_login(app, desk, path):
    page = app.get(url(path, desk), status=303)
    assert page.location.startswith("http://localhost/management/login?next=")


@pytest.mark.parametrize(("path", "fields"), CHANGES)
def test_every_change_needs_the_csrf_token(app, desk, engine, path, fields):
    login(app, "ada")
    page = app.post(url(path, desk), fields, status=400)
    assert "Form expired" in page.text
    page = app.post(url(path, desk), {**fields, "csrf_token": "forged"}, status=400)
    assert audit_log(engine) == []


def test_a_customer_cannot_even_log_into_management(app, desk):
    page = login(app, "casey", status=403)
    assert "Customer accounts cannot use the management interface" in page.text
    app.get(f"{ADMIN}/", status=303)


def test_a_customer_logged_into_the_portal_gets_no_administration(app, desk):
    form = app.get("/login").forms["login-form"]
    form["username"], form["password"] = "casey", "casey-password"
    form.submit(status=303)
    assert app.get(f"{ADMIN}/agents", status=303).location.startswith(
        "http://localhost/management/login"
    )


def test_an_agent_granted_one_section_sees_only_that_section(app, desk, commit):
    from frontdesk.db.auth import PermissionGrant

    with commit() as db:
        for permission in ("management:dashboard:view", "management:audit:view"):
            db.add(PermissionGrant(user_id=desk.alex, department_id=None, permission=permission))
    login(app, "alex")
    index = app.get(f"{ADMIN}/")
    assert [a.text for a in index.html.select("nav.admin-nav a")] == ["Audit log"]
    app.get(f"{ADMIN}/audit")
    app.get(f"{ADMIN}/settings", status=403)


def test_unknown_records_answer_404(app, desk):
    login(app, "ada")
    for path in (
        "/departments/999999",
        "/agents/999999",
        "/agents/99999999999999999999",
        f"/agents/{desk.casey}",  # a customer is not an agent
        f"/customers/{desk.alex}",  # nor an agent a customer
        f"/permissions/agents/{desk.ada}",  # administrators have no grants
        "/plugins/nosuch/switch",
        "/plugins/core/switch",
    ):
        method = app.post if path.endswith("switch") else app.get
        kwargs = (
            {"params": {"csrf_token": token(app), "enabled": "0"}}
            if path.endswith("switch")
            else {}
        )
        method(ADMIN + path, status=404, **kwargs)
