"""Delegated administration cannot escalate: forged requests of an agent who was handed
"manage permissions" and "manage agents" (the issue's attack, step by step)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from webtest import TestApp

from frontdesk.db.auth import PermissionGrant
from frontdesk.db.tickets import Ticket
from frontdesk.db.users import Department, User
from frontdesk.identity.accounts import create_user, find_user
from frontdesk.identity.passwords import verify_password
from tests.plugins.management.test_admin_fixtures import (  # noqa: F401  (fixtures)
    ADMIN,
    PASSWORDS,
    alert,
    app_fixture,
    audit_log,
    desk_fixture,
    error,
    login,
    token,
)

VIEW, REPLY, NOTE = "core:ticket:view", "core:ticket:reply", "core:ticket:note"
#: What an administrator handed alex: an agent's defaults, plus permissions and agents.
DELEGATED = (
    "management:dashboard:view",
    "core:account:manage",
    "core:ticket:create",
    "mobile:app:use",
    "management:permissions:manage",
    "management:agents:manage",
)
SELF_GRANTS = "You cannot change your own permissions; another administrator can."


def grants(engine, user_id):
    """(department id or None, permission) rows of ``user_id``, sorted."""
    with Session(engine) as db:
        rows = db.scalars(select(PermissionGrant).where(PermissionGrant.user_id == user_id))
        return sorted(
            ((g.department_id, g.permission) for g in rows), key=lambda r: (r[0] or 0, r[1])
        )


def set_grants(commit, user_id, department_id, *permissions):
    with commit() as db:
        db.add_all(
            PermissionGrant(user_id=user_id, department_id=department_id, permission=p)
            for p in permissions
        )


@pytest.fixture
def alex(app, desk, commit):
    """Agent alex (Sales only) holding the delegated administration, logged in."""
    set_grants(commit, desk.alex, None, *DELEGATED)
    with commit() as db:
        db.get(User, desk.alex).departments = [db.get(Department, desk.sales)]
    login(app, "alex")
    return app


def forge_grants(app, agent_id, **scopes):
    """POST the grants form with ``scopes`` (scope key, ``none`` or ``d<id>`` -> names)
    replacing what the page ticked, as a script would."""
    url = f"{ADMIN}/permissions/agents/{agent_id}"
    keys = {f"grants-{key.removeprefix('d')}" for key in scopes}
    fields = [(k, v) for k, v in app.get(url).forms["grants-form"].submit_fields() if k not in keys]
    for key, names in scopes.items():
        fields += [(f"grants-{key.removeprefix('d')}", name) for name in names]
    return app.post(url, fields, status="*")


def forge_agent(app, agent_id, *department_ids, role="agent"):
    fields = [
        ("csrf_token", token(app)),
        ("display_name", "Someone"),
        ("email", ""),
        ("role", role),
    ] + [("department", str(d)) for d in department_ids]
    return app.post(f"{ADMIN}/agents/{agent_id}", fields, status="*")


def test_nobody_grants_themselves_administration(alex, desk, engine):
    wanted = (
        *DELEGATED,
        "core:plugins:manage",
        "core:license:manage",
        "management:settings:manage",
    )
    page = forge_grants(alex, desk.alex, none=wanted)
    assert page.status_int == 403
    assert alert(page) == SELF_GRANTS
    assert {p for _, p in grants(engine, desk.alex)} == set(DELEGATED), "nothing granted"
    alex.get(f"{ADMIN}/plugins", status=403)
    alex.get(f"{ADMIN}/license", status=403)
    alex.get(f"{ADMIN}/settings", status=403)
    assert audit_log(engine) == []
    # The page itself says so, and offers no Save button.
    own = alex.get(f"{ADMIN}/permissions/agents/{desk.alex}")
    assert alert(own) == SELF_GRANTS and "Save permissions" not in own.text


def test_nobody_resets_their_own_grants_to_wider_defaults(alex, desk, engine, commit):
    set_grants(commit, desk.alex, desk.sales, VIEW)
    page = alex.post(
        f"{ADMIN}/permissions/agents/{desk.alex}/reset",
        {"scope": str(desk.sales), "csrf_token": token(alex)},
        status=403,
    )
    assert alert(page) == SELF_GRANTS
    assert (desk.sales, VIEW) in grants(engine, desk.alex) and audit_log(engine) == []


def test_a_non_administrator_never_grants_administration_level_permissions(alex, desk, engine):
    page = forge_grants(
        alex,
        desk.sam,
        none=("management:dashboard:view", "management:agents:manage", "core:plugins:manage"),
    )
    assert page.status_int == 400
    assert error(page, "grants-none") == (
        "Only administrators grant or take away administration permissions: "
        "core:plugins:manage, management:agents:manage."
    )
    assert grants(engine, desk.sam) == [] and audit_log(engine) == []


def test_a_non_administrator_grants_only_what_they_hold_in_that_department(
    alex, desk, engine, commit
):
    set_grants(commit, desk.alex, desk.sales, VIEW, NOTE)
    set_grants(commit, desk.sam, desk.sales, VIEW)
    page = forge_grants(alex, desk.sam, **{f"d{desk.sales}": (VIEW, REPLY)})
    assert page.status_int == 400
    assert error(page, f"grants-{desk.sales}") == (
        "You can only grant or take away permissions you hold yourself in Sales: core:ticket:reply."
    )
    assert grants(engine, desk.sam) == [(desk.sales, VIEW)]
    # What alex holds there he may pass on.
    forge_grants(alex, desk.sam, **{f"d{desk.sales}": (VIEW, NOTE)})
    assert grants(engine, desk.sam) == [(desk.sales, NOTE), (desk.sales, VIEW)]
    assert [e[:3] for e in audit_log(engine)] == [
        ("alex", "permissions.grant", "agent sam in Sales")
    ]


def test_resetting_someone_to_wider_defaults_counts_as_granting(alex, desk, engine, commit):
    set_grants(commit, desk.alex, desk.sales, VIEW)
    set_grants(commit, desk.sam, desk.sales, VIEW)
    page = alex.post(
        f"{ADMIN}/permissions/agents/{desk.sam}/reset",
        {"scope": str(desk.sales), "csrf_token": token(alex)},
        status=400,
    )
    assert "you hold yourself in Sales" in error(page, f"grants-{desk.sales}")
    assert grants(engine, desk.sam) == [(desk.sales, VIEW)]


def test_nobody_adds_themselves_to_another_department(alex, desk, engine):
    page = forge_agent(alex, desk.alex, desk.sales, desk.billing)
    assert page.status_int == 400
    assert error(page, "department") == (
        "You cannot change your own departments; another administrator can."
    )
    with Session(engine) as db:
        assert [d.name for d in find_user(db, "alex").departments] == ["Sales"]
    alex.get("/management/tickets/1002", status=404)  # Billing's ticket stays out of reach


def test_a_non_administrator_cannot_put_an_agent_where_they_do_not_work(alex, desk, engine):
    page = forge_agent(alex, desk.sam, desk.sales, desk.billing)
    assert page.status_int == 400
    assert "You can only manage agents who hold no permission you do not hold" in error(
        page, "department"
    )
    with Session(engine) as db:
        assert [d.name for d in find_user(db, "sam").departments] == ["Sales"]
    # Nor create an agent there (whose password they would know).
    fields = {
        "csrf_token": token(alex),
        "username": "mole",
        "display_name": "Mole",
        "email": "",
        "role": "agent",
        "department": str(desk.billing),
        "password": "mole-password-123",
    }
    page = alex.post(f"{ADMIN}/agents/new", fields, status=400)
    assert "You can only manage agents" in error(page, "department")
    with Session(engine) as db:
        assert find_user(db, "mole") is None
    # In his own department both work.
    forge_agent(alex, desk.sam, desk.sales).follow()
    alex.post(f"{ADMIN}/agents/new", {**fields, "department": str(desk.sales)}, status=303)


def test_a_non_administrator_cannot_take_over_a_stronger_agent_by_password(
    alex, desk, engine, commit
):
    set_grants(commit, desk.sam, None, "management:dashboard:view", "management:audit:view")
    page = alex.post(
        f"{ADMIN}/agents/{desk.sam}/password",
        {"csrf_token": token(alex), "password": "taken-over-123"},
        status=400,
    )
    assert "You can only manage agents who hold no permission you do not hold" in alert(page)
    with Session(engine) as db:
        assert verify_password(find_user(db, "sam").password_hash, PASSWORDS["sam"])
    sam = TestApp(alex.app)
    login(sam, "sam", "taken-over-123", status=400)


def test_an_administrator_still_grants_and_moves_everyone(app, desk, engine, alex):
    admin = TestApp(app.app)
    login(admin, "ada")
    forge_grants(admin, desk.alex, none=(*DELEGATED, "core:plugins:manage")).follow()
    assert "core:plugins:manage" in {p for _, p in grants(engine, desk.alex)}
    forge_agent(admin, desk.alex, desk.sales, desk.billing).follow()
    alex.get(f"{ADMIN}/plugins")
    alex.get("/management/tickets/1002")


def test_an_agent_cannot_reset_a_customer_whose_tickets_they_cannot_see(alex, desk, engine, commit):
    """Casey has a Billing ticket; alex works in Sales only. With casey's password he
    would read it in the portal."""
    set_grants(commit, desk.alex, None, "management:customers:manage")
    with commit() as db:
        dana = create_user(db, username="dana", role="customer", password="dana-password-1")
        db.add(Ticket(number="1003", subject="Hi", department_id=desk.sales, requester=dana))
        dana_id = dana.id
    page = alex.post(
        f"{ADMIN}/customers/{desk.casey}/password",
        {"csrf_token": token(alex), "password": "taken-over-123"},
        status=400,
    )
    assert alert(page) == (
        "casey has tickets you cannot see; only someone who sees all of them, such as an "
        "administrator, can reset this password."
    )
    with Session(engine) as db:
        assert verify_password(find_user(db, "casey").password_hash, PASSWORDS["casey"])
    # A customer whose tickets are all in his department he may help.
    alex.post(
        f"{ADMIN}/customers/{dana_id}/password",
        {"csrf_token": token(alex), "password": "dana-password-2"},
        status=303,
    )
