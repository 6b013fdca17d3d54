"""Agents (with the license's seats) and customers: create, edit, deactivate, passwords."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from webtest import TestApp

from frontdesk import Edition
from frontdesk.db.state import set_setting
from frontdesk.db.users import User
from frontdesk.i18n.messages import plain
from frontdesk.identity import accounts
from frontdesk.identity.accounts import create_user, find_user
from frontdesk.identity.passwords import verify_password
from frontdesk.licensing.installed import LICENSE_SETTING
from tests.plugins.management.test_admin_fixtures import (  # noqa: F401  (fixtures)
    ADMIN,
    admin_fixture,
    alert,
    app_fixture,
    audit_log,
    desk_fixture,
    error,
    flashes,
    keys_fixture,
    license_key,
    licensed_app_fixture,
    login,
    token,
)

FULL = (
    "All 4 agent seats of the license are in use; "
    "deactivate an agent or install a license with more seats."
)


def user(engine, username):
    with Session(engine) as db:
        found = find_user(db, username)
        if found is not None:
            found.department_names = sorted(d.name for d in found.departments)
        return found


def new_agent_form(app, **fields):
    form = app.get(f"{ADMIN}/agents/new").forms["agent-form"]
    values = {
        "username": "jo",
        "display_name": "Jo Newcomer",
        "email": "jo@example.com",
        "role": "agent",
        "password": "jo-password-123",
        **fields,
    }
    for name, value in values.items():
        if name == "role":
            form[name].force_value(value)
        else:
            form[name] = value
    return form


def tick_departments(form, *ids):
    for box in form.fields["department"]:
        box.checked = int(box._value) in ids


# --- the list and the seat counter ---------------------------------------------------------


def test_the_list_shows_agents_and_administrators_but_no_customers(admin):
    page = admin.get(f"{ADMIN}/agents")
    names = [row.select_one("th a").text for row in page.html.select("tbody tr")]
    assert sorted(names) == ["Ada Admin", "Alex Agent", "sam"]
    assert (
        page.html.select_one("#seats")
        .get_text(" ", strip=True)
        .startswith("3 active agents and administrators; no seat limit")
    )


def install(engine, key):
    with Session(engine) as db:
        set_setting(db, LICENSE_SETTING, key, bumps_state=True)
        db.commit()


def test_the_seat_counter_follows_the_license(licensed_app, keys, engine):
    login(licensed_app, "ada")
    install(engine, license_key(keys.trusted, seats=4))
    page = licensed_app.get(f"{ADMIN}/agents")
    assert page.html.select_one("#seats strong").text == "3 of 4 seats used"


# --- creating ------------------------------------------------------------------------------


def test_create_an_agent_in_departments(admin, desk, engine):
    form = new_agent_form(admin)
    tick_departments(form, desk.billing)
    page = form.submit(status=303).follow()

    assert "Agent jo created." in flashes(page)
    jo = user(engine, "jo")
    assert (jo.role, jo.display_name, jo.email, jo.department_names) == (
        "agent",
        "Jo Newcomer",
        "jo@example.com",
        ["Billing"],
    )
    assert verify_password(jo.password_hash, "jo-password-123")
    assert audit_log(engine) == [("ada", "user.create", "agent jo", "departments: Billing")]
    # ...and jo can log in to the management interface.
    login(TestApp(admin.app), "jo", "jo-password-123")


def test_create_refuses_bad_input_beside_each_field_and_keeps_it(admin, desk, engine):
    form = new_agent_form(
        admin, username="al ex", email="not-an-email", password="short", role="customer"
    )
    tick_departments(form, desk.sales)
    page = form.submit(status=400)

    assert error(page, "username").startswith("Use 2-150 letters")
    assert error(page, "email") == "Enter an email address like name@example.com."
    assert error(page, "password") == "Use at least 10 characters."
    assert error(page, "role") == "Choose agent or administrator."
    kept = page.forms["agent-form"]
    assert kept["username"].value == "al ex" and kept["email"].value == "not-an-email"
    assert kept["display_name"].value == "Jo Newcomer"
    assert kept["password"].value == "", "a password is never sent back"
    assert [b.checked for b in kept.fields["department"]] == [False, True]  # Billing, Sales
    assert page.html.select_one("#email")["aria-describedby"] == "email-error"
    assert user(engine, "al ex") is None and audit_log(engine) == []


def test_create_refuses_a_taken_username_in_any_case(admin, engine):
    page = new_agent_form(admin, username="ALEX").submit(status=400)
    assert error(page, "username") == "The username 'ALEX' is taken."
    page = new_agent_form(admin, username="jo", password="").submit(status=400)
    assert error(page, "password") == "Enter an initial password."
    assert audit_log(engine) == []


def test_a_username_taken_concurrently_is_a_form_error(
    racing_writers, admin, engine, commit, monkeypatch
):
    """Another request creates "JO" just after this one checked the name was free (on
    PostgreSQL that used to be an error page)."""
    check = accounts.find_user

    def check_then_lose_the_race(db, login):
        found = check(db, login)
        if login.casefold() == "jo":
            monkeypatch.setattr(accounts, "find_user", check)  # a retry checks again
            with commit() as other:
                create_user(other, username="JO", role="customer", password=None)
        return found

    monkeypatch.setattr(accounts, "find_user", check_then_lose_the_race)
    page = new_agent_form(admin, username="jo").submit(status=400)

    assert error(page, "username") == "The username 'jo' is taken."
    assert page.forms["agent-form"]["display_name"].value == "Jo Newcomer"
    assert user(engine, "jo").role == "customer" and audit_log(engine) == []


def test_create_refuses_an_unknown_department(admin, engine):
    form = new_agent_form(admin)
    page = admin.post(
        f"{ADMIN}/agents/new",
        {**dict(form.submit_fields()), "department": "999"},
        status=400,
    )
    assert error(page, "department") == "Choose departments from the list."
    assert user(engine, "jo") is None


def test_the_seat_limit_refuses_a_new_agent_with_its_reason(licensed_app, keys, engine):
    login(licensed_app, "ada")
    install(engine, license_key(keys.trusted, seats=4))
    new_agent_form(licensed_app, username="fourth").submit(status=303)

    page = new_agent_form(licensed_app, username="fifth").submit(status=400)

    assert error(page, "role") == FULL
    assert page.forms["agent-form"]["username"].value == "fifth"
    assert user(engine, "fifth") is None
    assert [e[1:3] for e in audit_log(engine)] == [("user.create", "agent fourth")]
    assert "all seats are taken" in licensed_app.get(f"{ADMIN}/agents").text


def test_an_expired_license_or_the_free_edition_has_no_seat_limit(licensed_app, keys, engine):
    import datetime as dt

    login(licensed_app, "ada")
    install(
        engine,
        license_key(
            keys.trusted, seats=1, issued=dt.date(2020, 1, 1), expires=dt.date(2020, 12, 31)
        ),
    )
    new_agent_form(licensed_app, username="fourth").submit(status=303)
    install(engine, license_key(keys.trusted, seats=1, edition=Edition.FREE))
    new_agent_form(licensed_app, username="fifth").submit(status=303)


# --- editing -------------------------------------------------------------------------------


def test_edit_details_role_and_departments(admin, desk, engine):
    form = admin.get(f"{ADMIN}/agents/{desk.sam}").forms["agent-form"]
    form["display_name"] = "Samuel"
    form["email"] = "sam@example.com"
    form["role"] = "administrator"
    tick_departments(form, desk.billing)
    page = form.submit(status=303).follow()

    assert "sam saved." in flashes(page)
    sam = user(engine, "sam")
    assert (sam.display_name, sam.email, sam.role, sam.department_names) == (
        "Samuel",
        "sam@example.com",
        "administrator",
        ["Billing"],
    )
    assert audit_log(engine) == [
        (
            "ada",
            "user.update",
            "administrator sam",
            "display name 'sam' → 'Samuel'; email (none) → sam@example.com; "
            "role agent → administrator; departments Sales → Billing",
        )
    ]


def test_edit_errors_stay_beside_the_fields(admin, desk, engine):
    form = admin.get(f"{ADMIN}/agents/{desk.alex}").forms["agent-form"]
    form["display_name"] = "  "
    form["email"] = "alex@"
    page = form.submit(status=400)
    assert error(page, "display_name") == "Enter a display name."
    assert error(page, "email") == "Enter an email address like name@example.com."
    assert page.forms["agent-form"]["email"].value == "alex@"
    assert user(engine, "alex").display_name == "Alex Agent" and audit_log(engine) == []


def test_an_administrator_cannot_demote_themselves_or_the_last_administrator(app, desk, engine):
    login(app, "ada")
    form = app.get(f"{ADMIN}/agents/{desk.ada}").forms["agent-form"]
    form["role"] = "agent"
    page = form.submit(status=400)
    assert error(page, "role") == "You cannot take away your own administrator role."
    assert user(engine, "ada").role == "administrator" and audit_log(engine) == []


# --- deactivating, reactivating, passwords -------------------------------------------------


def post(app, path, status=303, **fields):
    return app.post(ADMIN + path, {**fields, "csrf_token": token(app)}, status=status)


def test_deactivate_ends_the_agents_sessions_and_reactivate(admin, desk, engine):
    alex = TestApp(admin.app)
    login(alex, "alex")
    assert alex.get("/management/").status_int == 200

    page = post(admin, f"/agents/{desk.alex}/deactivate").follow()

    assert "alex is deactivated and logged out everywhere." in flashes(page)
    assert user(engine, "alex").active is False
    assert alex.get("/management/", status=303), "logged out at once"
    login(TestApp(admin.app), "alex", status=400)

    post(admin, f"/agents/{desk.alex}/reactivate")
    assert user(engine, "alex").active is True
    assert [e[1:3] for e in audit_log(engine)] == [
        ("user.deactivate", "agent alex"),
        ("user.reactivate", "agent alex"),
    ]


def test_nobody_deactivates_themselves(admin, desk, engine):
    page = post(admin, f"/agents/{desk.ada}/deactivate", status=400)
    assert alert(page) == "You cannot deactivate your own account."
    assert user(engine, "ada").active and audit_log(engine) == []
    assert page.html.select_one("#deactivate-form") is None, "no button for oneself"


def test_the_last_active_administrator_is_never_deactivated(app, desk, engine, commit):
    from frontdesk.db.auth import PermissionGrant
    from frontdesk.identity.accounts import create_user

    # An agent allowed to manage agents still cannot touch an administrator...
    with commit() as db:
        for permission in ("management:dashboard:view", "management:agents:manage"):
            db.add(PermissionGrant(user_id=desk.alex, department_id=None, permission=permission))
        create_user(db, username="eve", role="administrator", password="eve-password")
    login(app, "alex")
    page = post(app, f"/agents/{desk.ada}/deactivate", status=400)
    assert alert(page) == "Only administrators can create or change administrators."
    form = app.get(f"{ADMIN}/agents/{desk.alex}").forms["agent-form"]
    form["role"] = "administrator"
    assert error(form.submit(status=400), "role") == (
        "Only administrators can create or change administrators."
    )

    # ...and eve, an administrator, may deactivate ada but then not herself: she is the last.
    eve = TestApp(app.app)
    login(eve, "eve")
    post(eve, f"/agents/{desk.ada}/deactivate")
    with Session(engine) as db:
        eve_id = find_user(db, "eve").id
    page = post(eve, f"/agents/{eve_id}/deactivate", status=400)
    assert alert(page) == "You cannot deactivate your own account."
    assert [e[1:3] for e in audit_log(engine)] == [("user.deactivate", "administrator ada")]


def test_the_last_active_administrator_cannot_be_demoted_by_another(app, desk, engine, commit):
    from frontdesk.identity.accounts import create_user

    with commit() as db:
        create_user(db, username="eve", role="administrator", password="eve-password")
    login(app, "ada")
    with Session(engine) as db:
        eve_id = find_user(db, "eve").id
    post(app, f"/agents/{eve_id}/deactivate")
    # ada is the only active administrator now; eve (inactive) cannot be made the last one
    # either way, but demoting an inactive administrator is harmless.
    form = app.get(f"{ADMIN}/agents/{eve_id}").forms["agent-form"]
    form["role"] = "agent"
    form.submit(status=303)
    assert user(engine, "eve").role == "agent"


def test_reactivation_respects_the_seat_limit(licensed_app, keys, desk, engine):
    login(licensed_app, "ada")
    post(licensed_app, f"/agents/{desk.sam}/deactivate")
    install(engine, license_key(keys.trusted, seats=2))

    page = post(licensed_app, f"/agents/{desk.sam}/reactivate", status=400)

    assert alert(page) == FULL.replace("4", "2")
    assert user(engine, "sam").active is False
    assert [e[1] for e in audit_log(engine)] == ["user.deactivate"]


def test_reset_an_agents_password_ends_their_sessions(admin, desk, engine):
    alex = TestApp(admin.app)
    login(alex, "alex")
    form = admin.get(f"{ADMIN}/agents/{desk.alex}").forms["password-form"]
    form["password"] = "brand-new-password"
    page = form.submit(status=303).follow()

    assert "The password of alex was reset; every session of theirs has ended." in flashes(page)
    assert verify_password(user(engine, "alex").password_hash, "brand-new-password")
    assert alex.get("/management/", status=303)
    login(alex, "alex", "brand-new-password")
    entry = audit_log(engine)[-1]
    assert entry[1:3] == ("user.password_reset", "agent alex")
    assert "brand-new-password" not in entry[3]


def test_a_short_password_is_refused_beside_the_field(admin, desk, engine):
    form = admin.get(f"{ADMIN}/agents/{desk.alex}").forms["password-form"]
    form["password"] = "short"
    page = form.submit(status=400)
    assert error(page, "password") == "Use at least 10 characters."
    assert alert(page) is None
    assert verify_password(user(engine, "alex").password_hash, "alex-password")
    assert audit_log(engine) == []


# --- customers -----------------------------------------------------------------------------


@pytest.fixture
def many_customers(commit):
    with commit() as db:
        for i in range(60):
            db.add(
                User(
                    username=f"buyer{i:02d}",
                    display_name=f"Buyer {i:02d}",
                    email=f"buyer{i:02d}@shop.example",
                    role="customer",
                )
            )
        db.add(User(username="percent", display_name="100% Sure", role="customer"))


def customer_names(page):
    return [row.select_one("td").text for row in page.html.select("tbody tr")]


def test_customers_are_listed_paginated_and_searchable(admin, many_customers):
    first = admin.get(f"{ADMIN}/customers")
    assert len(customer_names(first)) == 50
    assert first.html.select_one("#result-count").get_text(" ", strip=True) == (
        "62 customers · page 1 of 2"
    )
    second = first.click("Next")
    assert customer_names(second) == [f"buyer{i}" for i in range(50, 60)] + ["casey", "percent"]
    assert "Previous" in second.text and "Next →" not in second.text

    by_email = admin.get(f"{ADMIN}/customers", {"q": "BUYER07@SHOP"})
    assert customer_names(by_email) == ["buyer07"]
    assert by_email.forms["customer-search"]["q"].value == "BUYER07@SHOP", "search kept"
    assert customer_names(admin.get(f"{ADMIN}/customers", {"q": "Casey Cust"})) == ["casey"]
    # LIKE wildcards are searched for literally.
    assert customer_names(admin.get(f"{ADMIN}/customers", {"q": "%"})) == ["percent"]
    assert customer_names(admin.get(f"{ADMIN}/customers", {"q": "_"})) == []
    assert customer_names(admin.get(f"{ADMIN}/customers", {"q": "alex"})) == [], "no agents"
    assert admin.get(f"{ADMIN}/customers", {"page": "x"}).status_int == 200


def test_deactivate_and_reactivate_a_customer(app, desk, engine):
    casey = TestApp(app.app)
    form = casey.get("/login").forms["login-form"]
    form["username"], form["password"] = "casey", "casey-password"
    form.submit(status=303)
    login(app, "ada")

    page = post(app, f"/customers/{desk.casey}/deactivate").follow()

    assert "casey is deactivated and logged out everywhere." in flashes(page)
    assert casey.get("/").html.select_one(".user-menu") is None
    post(app, f"/customers/{desk.casey}/reactivate")
    assert user(engine, "casey").active
    assert [e[1:3] for e in audit_log(engine)] == [
        ("user.deactivate", "customer casey"),
        ("user.reactivate", "customer casey"),
    ]


def test_reset_a_customers_password(admin, desk, engine):
    form = admin.get(f"{ADMIN}/customers/{desk.casey}").forms["password-form"]
    form["password"] = "short"
    assert error(form.submit(status=400), "password") == "Use at least 10 characters."
    form["password"] = "casey-new-password"
    form.submit(status=303)
    assert verify_password(user(engine, "casey").password_hash, "casey-new-password")
    assert [e[1:3] for e in audit_log(engine)] == [("user.password_reset", "customer casey")]


def test_two_administrators_deactivating_each_other_leave_one(desk, commit, engine):
    """The service refuses to leave no active administrator, even when the acting one was
    deactivated a moment ago by a concurrent request (their page was already open)."""
    from frontdesk.identity.accounts import ValidationError, create_user
    from frontdesk.plugins.management.admin import services

    with commit() as db:
        eve = create_user(db, username="eve", role="administrator", password=None)
        ada = db.get(User, desk.ada)
        services.deactivate(db, eve, ada)
    with commit() as db:
        ada, eve = db.get(User, desk.ada), find_user(db, "eve")
        with pytest.raises(ValidationError) as refused:
            services.deactivate(db, ada, eve)
    assert {field: plain(message) for field, message in refused.value.errors.items()} == {
        "role": "'eve' is the last active administrator; "
        "create or activate another administrator first."
    }
    assert user(engine, "eve").active
    assert [e[1:3] for e in audit_log(engine)] == [("user.deactivate", "administrator ada")]
