"""Roles and permissions: the defaults matrix, grants per agent and department, and the
"why can or can't user X see ticket Y" explanation."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from webtest import TestApp

from frontdesk.db.auth import PermissionGrant
from frontdesk.db.users import User
from frontdesk.identity.access import TicketPermission, permissions_of
from frontdesk.testing import set_plugin_enabled
from tests.plugins.management.test_admin_fixtures import (  # noqa: F401  (fixtures)
    ADMIN,
    admin_fixture,
    alert,
    app_fixture,
    audit_log,
    desk_fixture,
    error,
    flashes,
    login,
    token,
)
from tests.sample_plugins import greeter

REPLY, VIEW, NOTE = TicketPermission.REPLY, TicketPermission.VIEW, TicketPermission.NOTE


def grants(engine, user_id):
    with Session(engine) as db:
        return sorted(
            (g.department_id, g.permission)
            for g in db.scalars(select(PermissionGrant).where(PermissionGrant.user_id == user_id))
        )


def effective(app, engine, user_id):
    with Session(engine) as db:
        return permissions_of(db, db.get(User, user_id), app.app.registry["frontdesk_permissions"])


# --- the role matrix -----------------------------------------------------------------------


def matrix(page):
    """{permission name: [customer, agent, administrator]} as shown."""
    rows = {}
    for row in page.html.select("table.matrix tbody tr"):
        name = row.select_one(".perm-name").text
        rows[name] = [cell.select_one(".visually-hidden").text for cell in row.select("td")]
    return rows


def test_the_matrix_lists_every_active_plugins_permissions_with_the_role_defaults(admin):
    page = admin.get(f"{ADMIN}/permissions")
    rows = matrix(page)
    assert rows["core:ticket:create"] == ["yes", "yes", "yes"]
    assert rows["core:ticket:note"] == ["no", "yes", "yes"]
    assert rows["management:agents:manage"] == ["no", "no", "yes"]
    assert rows["core:plugins:manage"] == ["no", "no", "yes"]
    groups = [h.get_text(" ", strip=True) for h in page.html.select(".permission-group h3")]
    assert groups[0] == "Core core:" and "Management interface management:" in groups
    row = next(
        r for r in page.html.select("table.matrix tbody tr") if "core:ticket:reply" in r.text
    )
    assert "Reply to tickets" in row.text and "per department" in row.text
    assert page.html.find("input", attrs={"type": "checkbox"}) is None, "read-only"


def test_the_matrix_follows_the_plugins_that_are_on(make_webapp, desk, engine):
    app = make_webapp(["portal", "management", greeter])
    login(app, "ada")
    assert "greeter:greeting:view" in matrix(app.get(f"{ADMIN}/permissions"))
    set_plugin_enabled(app, "greeter", False)
    assert "greeter:greeting:view" not in matrix(app.get(f"{ADMIN}/permissions"))


# --- grants per agent ----------------------------------------------------------------------


def grant_form(admin, desk):
    return admin.get(f"{ADMIN}/permissions/agents/{desk.alex}").forms["grants-form"]


def boxes(form, scope):
    return {box._value: box for box in form.fields.get(f"grants-{scope}", ())}


def test_the_grant_matrix_starts_from_what_the_agent_holds(admin, desk):
    page = admin.get(f"{ADMIN}/permissions/agents/{desk.alex}")
    form = page.forms["grants-form"]
    rows = [th.contents[0].strip() for th in page.html.select("table.matrix tbody th")]
    assert rows == ["Billing", "Sales"]
    for scope in (desk.billing, desk.sales):
        ticked = {name for name, box in boxes(form, scope).items() if box.checked}
        assert {VIEW, REPLY, NOTE} <= ticked
    overall = boxes(form, "none")
    assert overall["management:dashboard:view"].checked
    assert not overall["management:agents:manage"].checked
    assert "core:ticket:reply" not in overall, "departmental permissions go by department"
    assert page.html.select("table.matrix .badge")[0].text == "role defaults"


def test_removing_reply_in_billing_denies_replies_there_only(admin, desk, engine):
    form = grant_form(admin, desk)
    boxes(form, desk.billing)[REPLY].checked = False
    page = form.submit(status=303).follow()

    assert "Permissions of alex saved for Billing." in flashes(page)
    held = effective(admin, engine, desk.alex)
    assert not held.holds(REPLY, desk.billing) and held.holds(VIEW, desk.billing)
    assert held.holds(REPLY, desk.sales), "Sales still follows the role's defaults"
    rows = grants(engine, desk.alex)
    assert (desk.billing, VIEW) in rows and (desk.billing, REPLY) not in rows
    assert all(department == desk.billing for department, _ in rows)
    assert audit_log(engine) == [
        ("ada", "permissions.grant", "agent alex in Billing", "removed core:ticket:reply")
    ]

    # The explanation agrees: alex may not reply to the Billing ticket, may view it.
    why = admin.get(
        f"{ADMIN}/permissions/explain",
        {"username": "alex", "ticket": "1002", "permission": REPLY},
    )
    assert why.html.select_one(".verdict__word").text == "DENIED"
    assert "no rule grants core:ticket:reply" in why.html.select_one("#verdict").text or (
        "no rule matches" in why.html.select_one("#verdict").text
    )
    why = admin.get(
        f"{ADMIN}/permissions/explain", {"username": "alex", "ticket": "1001", "permission": REPLY}
    )
    assert why.html.select_one(".verdict__word").text == "ALLOWED"

    # The saved row says "custom grants" and the boxes show what was saved.
    form = grant_form(admin, desk)
    assert not boxes(form, desk.billing)[REPLY].checked
    assert boxes(form, desk.sales)[REPLY].checked


def test_reset_to_role_defaults_deletes_the_rows(admin, desk, engine):
    form = grant_form(admin, desk)
    boxes(form, desk.billing)[REPLY].checked = False
    form.submit(status=303)

    page = admin.post(
        f"{ADMIN}/permissions/agents/{desk.alex}/reset",
        {"scope": str(desk.billing), "csrf_token": token(admin)},
        status=303,
    ).follow()

    assert "alex has the role's default permissions in Billing again." in flashes(page)
    assert grants(engine, desk.alex) == []
    assert effective(admin, engine, desk.alex).holds(REPLY, desk.billing)
    assert [e[1:3] for e in audit_log(engine)] == [
        ("permissions.grant", "agent alex in Billing"),
        ("permissions.reset", "agent alex in Billing"),
    ]
    # Resetting again changes nothing and logs nothing.
    admin.post(
        f"{ADMIN}/permissions/agents/{desk.alex}/reset",
        {"scope": str(desk.billing), "csrf_token": token(admin)},
        status=303,
    )
    assert len(audit_log(engine)) == 2


def test_the_reset_button_is_part_of_the_grant_form(admin, desk):
    form = grant_form(admin, desk)
    boxes(form, desk.billing)[REPLY].checked = False
    form.submit(status=303)
    form = grant_form(admin, desk)
    button = form.html.find("button", attrs={"name": "scope", "value": str(desk.billing)})
    assert button["formaction"].endswith(f"/permissions/agents/{desk.alex}/reset")
    assert form.html.find("button", attrs={"name": "scope", "value": str(desk.sales)}) is None


def test_granting_a_non_departmental_permission_opens_a_section(admin, desk, engine):
    form = grant_form(admin, desk)
    boxes(form, "none")["management:audit:view"].checked = True
    form.submit(status=303)

    alex = TestApp(admin.app)
    login(alex, "alex")
    alex.get(f"{ADMIN}/audit")
    alex.get(f"{ADMIN}/agents", status=403)
    held = {p for d, p in grants(engine, desk.alex) if d is None}
    assert {"management:audit:view", "management:dashboard:view", "core:account:manage"} <= held


def test_saving_unchanged_boxes_writes_no_rows(admin, desk, engine):
    page = grant_form(admin, desk).submit(status=303).follow()
    assert "Nothing was changed." in flashes(page)
    assert grants(engine, desk.alex) == [] and audit_log(engine) == []


def test_emptying_a_department_is_refused_beside_it_and_the_ticks_are_kept(admin, desk, engine):
    form = grant_form(admin, desk)
    for box in boxes(form, desk.billing).values():
        box.checked = False
    boxes(form, desk.sales)[NOTE].checked = False
    page = form.submit(status=400)

    assert error(page, f"grants-{desk.billing}").startswith(
        "Leave at least one permission in Billing"
    )
    kept = page.forms["grants-form"]
    assert not any(box.checked for box in boxes(kept, desk.billing).values())
    assert not boxes(kept, desk.sales)[NOTE].checked, "the other row's change is kept too"
    assert grants(engine, desk.alex) == [] and audit_log(engine) == [], "nothing saved"


def test_forged_permission_names_are_ignored(admin, desk, engine):
    fields = [(k, v) for k, v in grant_form(admin, desk).submit_fields() if k != "grants-none"]
    fields += [("grants-none", "management:dashboard:view"), ("grants-none", "made:up:thing")]
    admin.post(f"{ADMIN}/permissions/agents/{desk.alex}", fields, status=303)
    # mobile is off (it needs Enterprise), so the page does not show its permission and
    # the agent keeps holding it.
    assert {p for d, p in grants(engine, desk.alex) if d is None} == {
        "management:dashboard:view",
        "mobile:app:use",
    }


def test_permissions_of_a_plugin_that_is_off_are_kept(make_webapp, desk, engine):
    """Saving while a plugin is off keeps what the agent holds of its permissions, so
    switching the plugin back on brings them back."""
    app = make_webapp(["portal", "management", greeter])
    login(app, "ada")
    form = app.get(f"{ADMIN}/permissions/agents/{desk.alex}").forms["grants-form"]
    boxes(form, "none")["greeter:greeting:view"].checked = True
    form.submit(status=303)

    set_plugin_enabled(app, "greeter", False)
    form = app.get(f"{ADMIN}/permissions/agents/{desk.alex}").forms["grants-form"]
    assert "greeter:greeting:view" not in boxes(form, "none")
    boxes(form, "none")["management:audit:view"].checked = True
    form.submit(status=303)

    held = {p for d, p in grants(engine, desk.alex) if d is None}
    assert {"greeter:greeting:view", "management:audit:view"} <= held


def test_the_picker_leads_to_the_agents_grants(admin, desk):
    form = admin.get(f"{ADMIN}/permissions").forms["agent-picker"]
    form["agent"] = str(desk.sam)
    page = form.submit(status=303).follow()
    assert page.request.path == f"{ADMIN}/permissions/agents/{desk.sam}"
    admin.get(f"{ADMIN}/permissions/agents", {"agent": "x"}, status=400)


# --- why (not)? ----------------------------------------------------------------------------


def explain(admin, **fields):
    form = admin.get(f"{ADMIN}/permissions/explain").forms["explain-form"]
    for name, value in fields.items():
        form[name] = value
    return form.submit(status="*")


def rules(page):
    return [
        [cell.get_text(" ", strip=True) for cell in row.select("th, td")]
        for row in page.html.select("#rules tbody tr")
    ]


def test_explain_an_agent_allowed_by_their_department(admin):
    page = explain(admin, username="ALEX", ticket="1002")
    assert page.status_int == 200
    assert page.html.select_one(".verdict__word").text == "ALLOWED"
    assert "Deciding rule: core:department" in page.html.select_one("#verdict").text
    assert rules(page)[0][:2] == ["core:department", "yes"]


def test_explain_an_agent_outside_the_department(admin):
    page = explain(admin, username="sam", ticket="1002")
    assert page.html.select_one(".verdict__word").text == "DENIED"
    assert rules(page) == [
        ["core:department", "no", "sam holds core:ticket:view in the ticket's department"]
    ]


def test_explain_a_customer_and_a_deactivated_user(admin, desk):
    assert (
        explain(admin, username="casey", ticket="1001").html.select_one(".verdict__word").text
        == "ALLOWED"
    )
    admin.post(f"{ADMIN}/agents/{desk.alex}/deactivate", {"csrf_token": token(admin)})
    page = explain(admin, username="alex", ticket="1001")
    assert page.html.select_one(".verdict__word").text == "DENIED"
    assert "deactivated" in page.html.select_one("#verdict").text


def test_explain_reports_unknown_input_beside_the_fields(admin):
    page = explain(admin, username="nobody", ticket="9999")
    assert page.status_int == 400
    assert error(page, "username") == "There is no user named 'nobody'."
    assert error(page, "ticket") == "There is no ticket number 9999."
    assert page.forms["explain-form"]["username"].value == "nobody"
    page = explain(admin, username="", ticket="")
    assert error(page, "username") == "Enter a username." and page.status_int == 400
    page = admin.get(
        f"{ADMIN}/permissions/explain",
        {"username": "alex", "ticket": "1001", "permission": "core:plugins:manage"},
        status=400,
    )
    assert error(page, "permission") == "Choose a permission from the list."
    assert alert(page) is None
