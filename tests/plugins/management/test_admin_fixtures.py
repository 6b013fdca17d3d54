"""Shared fixtures and helpers of the administration tests (imported by test_admin_*.py).

Fixtures are defined as ``<name>_fixture`` with ``name="<name>"``: a test module imports
``desk_fixture`` and its tests ask for ``desk``.

A small help desk: departments Sales and Billing, administrator ada, agents alex (Sales
and Billing) and sam (Sales), customer casey, and a ticket in each department.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk import Edition, i18n
from frontdesk.db.audit import AuditEntry
from frontdesk.db.tickets import Ticket
from frontdesk.db.users import Department
from frontdesk.identity.accounts import create_user
from frontdesk.licensing.tokens import issue, read_private_key, write_keypair

PASSWORDS = {
    "ada": "ada-password",
    "eve": "eve-password",
    "alex": "alex-password",
    "sam": "sam-password",
    "casey": "casey-password",
}
BUILTIN = ("portal", "management", "mobile", "kb", "chat")
ADMIN = "/management/admin"


@pytest.fixture(name="desk")
def desk_fixture(commit):
    with commit() as db:
        sales, billing = Department(name="Sales"), Department(name="Billing")
        db.add_all([sales, billing])
        db.flush()
        people = {
            "ada": create_user(
                db,
                username="ada",
                role="administrator",
                password=PASSWORDS["ada"],
                display_name="Ada Admin",
            ),
            "alex": create_user(
                db,
                username="alex",
                role="agent",
                password=PASSWORDS["alex"],
                display_name="Alex Agent",
                departments=["Sales", "Billing"],
            ),
            "sam": create_user(
                db, username="sam", role="agent", password=PASSWORDS["sam"], departments=["Sales"]
            ),
            "casey": create_user(
                db,
                username="casey",
                role="customer",
                password=PASSWORDS["casey"],
                display_name="Casey Customer",
                email="casey@example.com",
            ),
        }
        tickets = {
            "sales": Ticket(
                number="1001", subject="Quote", department=sales, requester=people["casey"]
            ),
            "billing": Ticket(
                number="1002", subject="Invoice", department=billing, requester=people["casey"]
            ),
        }
        db.add_all(tickets.values())
        db.flush()
        return SimpleNamespace(
            sales=sales.id,
            billing=billing.id,
            **{name: user.id for name, user in people.items()},
        )


@pytest.fixture(name="languages", scope="module")
def languages_fixture():
    """German and French ship with core and the management plugin."""
    assert {"de", "fr"} <= set(i18n.available_locales())


@pytest.fixture(name="app")
def app_fixture(make_webapp, desk):
    return make_webapp(BUILTIN)


def login(app, username, password=None, status=303):
    """Log into the management interface through its login form."""
    form = app.get("/management/login").forms["login-form"]
    form["username"] = username
    form["password"] = PASSWORDS[username] if password is None else password
    return form.submit(status=status)


@pytest.fixture(name="admin")
def admin_fixture(app):
    login(app, "ada")
    return app


def token(app):
    """The CSRF token of the app's management session (from the log-out form)."""
    return app.get("/management/").html.select_one('input[name="csrf_token"]')["value"]


def audit_log(engine):
    """Every audit entry as (actor, action, target, details), oldest first."""
    with Session(engine) as db:
        return [
            (e.actor_name, e.action, e.target, e.details)
            for e in db.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def error(page, field):
    """The message beside ``field`` (its ``<field>-error`` element), or None."""
    found = page.html.select_one(f"#{field}-error")
    return found.get_text(" ", strip=True) if found is not None else None


def alert(page):
    found = page.html.select_one('[role="alert"]')
    return found.get_text(" ", strip=True) if found is not None else None


def flashes(page):
    return [p.get_text(" ", strip=True) for p in page.html.select(".flash")]


@pytest.fixture(name="keys", scope="module")
def keys_fixture(tmp_path_factory):
    """A license signing key the test app trusts, and a stranger's."""
    folder = tmp_path_factory.mktemp("admin-license-keys")
    public = write_keypair(folder / "test-vendor.key")
    write_keypair(folder / "stranger.key")
    return SimpleNamespace(
        trusted=read_private_key(folder / "test-vendor.key"),
        stranger=read_private_key(folder / "stranger.key"),
        public=public,
    )


def license_key(private, **kw):
    args = {
        "licensee": "Acme Ltd",
        "edition": Edition.ENTERPRISE,
        "seats": 3,
        "expires": dt.date.today() + dt.timedelta(days=30),
        "issued": dt.date.today() - dt.timedelta(days=1),
        **kw,
    }
    return issue(private, **args)


@pytest.fixture(name="licensed_app")
def licensed_app_fixture(make_webapp, desk, keys):
    """The app trusting the test signing key (its settings list the public half)."""
    return make_webapp(BUILTIN, **{"frontdesk.license.public_keys": str(keys.public)})
