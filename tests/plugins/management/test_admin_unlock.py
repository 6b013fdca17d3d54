"""An administrator sees that failed logins locked someone out, and lifts the lock."""

from __future__ import annotations

import pytest
from webtest import TestApp

from tests.plugins.management.test_admin_fixtures import (  # noqa: F401  (fixtures)
    ADMIN,
    admin_fixture,
    app_fixture,
    audit_log,
    desk_fixture,
    flashes,
    login,
)

ATTACKER = "203.0.113.66"


def locked_out(app, username, prefix):
    """A client at ``ATTACKER`` that guessed at ``username`` until it was locked out."""
    client = TestApp(app.app, extra_environ={**app.extra_environ, "REMOTE_ADDR": ATTACKER})
    for n in range(6):
        form = client.get(f"{prefix}/login").forms["login-form"]
        form["username"], form["password"] = username, f"guess-{n}"
        form.submit(status=(400, 429))
    return client


def portal_login(client, username, password, status):
    form = client.get("/login").forms["login-form"]
    form["username"], form["password"] = username, password
    return form.submit(status=status)


@pytest.mark.parametrize(
    ("person", "page", "prefix", "password"),
    [
        ("alex", "agents", "/management", "alex-password"),
        ("casey", "customers", "", "casey-password"),
    ],
)
def test_the_unlock_button_lifts_the_lock_and_is_audited(
    admin, app, desk, engine, person, page, prefix, password
):
    client = locked_out(app, person, prefix)
    portal_login(client, person, password, status=429)
    url = f"{ADMIN}/{page}/{getattr(desk, person)}"

    shown = admin.get(url)
    assert "Failed logins locked" in shown.html.select_one("#login-lock").text
    done = shown.forms["unlock-form"].submit(status=303).follow()

    assert f"{person} may log in again from anywhere." in flashes(done)
    assert done.html.select_one("#login-lock") is None
    portal_login(client, person, password, status=303)
    assert audit_log(engine)[-1][1:3] == (
        "user.unlock",
        f"{'agent' if page == 'agents' else 'customer'} {person}",
    )


def test_a_page_without_a_lock_shows_no_unlock(admin, desk):
    assert admin.get(f"{ADMIN}/agents/{desk.sam}").html.select_one("#login-lock") is None


def test_an_admin_password_reset_lifts_the_lock(admin, app, desk):
    client = locked_out(app, "casey", "")
    form = admin.get(f"{ADMIN}/customers/{desk.casey}").forms["password-form"]
    form["password"] = "casey-new-password"
    form.submit(status=303)

    portal_login(client, "casey", "casey-new-password", status=303)


def test_an_agent_who_manages_agents_cannot_unlock_an_administrator(app, desk, commit, engine):
    from frontdesk.identity.accounts import ValidationError, find_user
    from frontdesk.plugins.management.admin import services

    locked_out(app, "ada", "/management")
    with pytest.raises(ValidationError, match="Only administrators"), commit() as db:
        services.unlock_login(db, find_user(db, "alex"), find_user(db, "ada"))
    assert audit_log(engine) == []
