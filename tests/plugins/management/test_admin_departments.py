"""Departments: create, rename, hide from customers, deactivate; errors and audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from frontdesk.db.tickets import Ticket
from frontdesk.db.users import Department
from frontdesk.plugins.management.admin import services
from tests.plugins.management.test_admin_fixtures import (  # noqa: F401  (fixtures)
    ADMIN,
    admin_fixture,
    app_fixture,
    audit_log,
    desk_fixture,
    error,
    flashes,
    token,
)


def departments(engine):
    with Session(engine) as db:
        return {
            d.name: (d.description, d.customer_visible, d.active)
            for d in db.scalars(select(Department))
        }


def test_the_list_shows_each_department_with_its_state_and_counts(admin, desk):
    page = admin.get(f"{ADMIN}/departments")
    rows = {
        row.select_one("th a").text: [td.get_text(" ", strip=True) for td in row.select("td")]
        for row in page.html.select("tbody tr")
    }
    assert rows["Sales"][:4] == ["Visible", "Active", "2", "1"]
    assert rows["Billing"][:4] == ["Visible", "Active", "1", "1"]


def test_create_a_department(admin, engine):
    form = admin.get(f"{ADMIN}/departments").forms["department-form"]
    form["name"] = "  Returns   and  Refunds "
    form["description"] = "Sending things back"
    form["customer_visible"] = False
    page = form.submit(status=303).follow()

    assert "Department Returns and Refunds created." in flashes(page)
    assert departments(engine)["Returns and Refunds"] == ("Sending things back", False, True)
    assert audit_log(engine) == [
        ("ada", "department.create", "department Returns and Refunds", "hidden from customers")
    ]


def test_names_are_unique_whatever_their_case_and_the_input_is_kept(admin, engine):
    form = admin.get(f"{ADMIN}/departments").forms["department-form"]
    form["name"] = "sALES"
    form["description"] = "kept"
    page = form.submit(status=400)

    assert error(page, "name") == "There is already a department named 'Sales'."
    assert page.html.select_one("#name")["aria-describedby"] == "name-error"
    assert page.forms["department-form"]["name"].value == "sALES"
    assert page.forms["department-form"]["description"].value == "kept"
    assert "sALES" not in departments(engine) and audit_log(engine) == []


def raced_by(monkeypatch, commit, rival: str) -> None:
    """Another request saves department ``rival`` just after this one's check found no
    clash: the race the check alone cannot win (on PostgreSQL it used to save both)."""
    check = services._department_name

    def check_then_lose_the_race(db, name, **kw):
        checked = check(db, name, **kw)
        with commit() as other:
            other.add(Department(name=rival))
        monkeypatch.setattr(services, "_department_name", check)  # a retry checks again
        return checked

    monkeypatch.setattr(services, "_department_name", check_then_lose_the_race)


def test_a_name_created_concurrently_in_another_case_is_a_form_error(
    racing_writers, admin, engine, commit, monkeypatch
):
    raced_by(monkeypatch, commit, rival="returns")
    form = admin.get(f"{ADMIN}/departments").forms["department-form"]
    form["name"] = "Returns"
    form["description"] = "kept"
    page = form.submit(status=400)

    assert error(page, "name").startswith("There is already a department named ")
    assert page.forms["department-form"]["name"].value == "Returns"
    assert page.forms["department-form"]["description"].value == "kept"
    assert set(departments(engine)) == {"Sales", "Billing", "returns"}
    assert audit_log(engine) == []


def test_a_rename_beaten_by_a_concurrent_create_is_a_form_error(
    racing_writers, admin, desk, engine, commit, monkeypatch
):
    raced_by(monkeypatch, commit, rival="RETURNS")
    form = admin.get(f"{ADMIN}/departments/{desk.billing}").forms["department-form"]
    form["name"] = "Returns"
    page = form.submit(status=400)

    assert error(page, "name").startswith("There is already a department named ")
    assert set(departments(engine)) == {"Sales", "Billing", "RETURNS"}
    assert audit_log(engine) == []


def test_the_database_itself_refuses_names_differing_only_in_case(commit):
    with pytest.raises(IntegrityError), commit() as db:
        db.add_all([Department(name="Straße"), Department(name="STRASSE")])


def test_a_name_is_required_and_not_too_long(admin, engine):
    form = admin.get(f"{ADMIN}/departments").forms["department-form"]
    form["name"] = "   "
    assert error(form.submit(status=400), "name") == "Enter a name."
    form["name"] = "x" * 101
    assert error(form.submit(status=400), "name") == "Use at most 100 characters."
    assert audit_log(engine) == []


def test_rename_and_describe(admin, desk, engine):
    form = admin.get(f"{ADMIN}/departments/{desk.sales}").forms["department-form"]
    form["name"] = "Sales EU"
    form["description"] = "Europe"
    page = form.submit(status=303).follow()

    assert "Department Sales EU saved." in flashes(page)
    assert departments(engine)["Sales EU"] == ("Europe", True, True)
    assert audit_log(engine) == [
        (
            "ada",
            "department.update",
            "department Sales",
            "renamed from 'Sales' to 'Sales EU'; description changed",
        )
    ]


def test_renaming_onto_another_department_is_refused(admin, desk, engine):
    form = admin.get(f"{ADMIN}/departments/{desk.sales}").forms["department-form"]
    form["name"] = "billing"
    page = form.submit(status=400)
    assert error(page, "name") == "There is already a department named 'Billing'."
    assert page.forms["department-form"]["name"].value == "billing"
    assert "Sales" in departments(engine) and audit_log(engine) == []


def test_changing_only_the_case_of_a_name_is_fine(admin, desk, engine):
    form = admin.get(f"{ADMIN}/departments/{desk.sales}").forms["department-form"]
    form["name"] = "SALES"
    form.submit(status=303)
    assert "SALES" in departments(engine)


def test_saving_without_changes_writes_nothing(admin, desk, engine):
    form = admin.get(f"{ADMIN}/departments/{desk.sales}").forms["department-form"]
    page = form.submit(status=303).follow()
    assert "Nothing was changed." in flashes(page)
    assert audit_log(engine) == []


def state(admin, desk, change):
    """Press one of Billing's buttons in the list (and confirm, when asked)."""
    answer = admin.post(
        f"{ADMIN}/departments/{desk.billing}/state",
        {"change": change, "csrf_token": token(admin)},
        status=[200, 303],
    )
    if answer.status_int == 200:
        answer = answer.forms["confirm-form"].submit(status=303)
    return answer.follow()


def test_deactivating_asks_first_and_says_what_goes_away(admin, desk, engine):
    listing = admin.get(f"{ADMIN}/departments")
    row = listing.html.select_one(f"#department-{desk.billing}")
    assert row.select_one("button[value=deactivate]").text == "Deactivate"
    (form,) = [f for f in listing.forms.values() if f.action.endswith(f"/{desk.billing}/state")]
    asked = form.submit("change", value="deactivate", status=200)
    assert asked.html.select_one("h1").text == "Deactivate the department Billing?"
    said = " ".join(li.get_text(" ", strip=True) for li in asked.html.select(".confirm-card li"))
    assert "Customers can no longer choose Billing for a new ticket" in said
    assert "Its agents (1) lose the permissions they hold in Billing" in said
    assert "Its tickets (1, 1 not closed) keep the department." in said
    assert departments(engine)["Billing"][2] is True and audit_log(engine) == []

    assert asked.html.find("a", string="Cancel")["href"] == f"{ADMIN}/departments"
    reloaded = admin.get(f"{ADMIN}/departments/{desk.billing}/state", status=303)
    assert reloaded.location == f"http://localhost{ADMIN}/departments#department-{desk.billing}"

    asked.forms["confirm-form"].submit(status=303)
    assert departments(engine)["Billing"][2] is False
    assert "Deactivate" not in [
        b.text
        for b in admin.get(f"{ADMIN}/departments").html.select("button")
        if b.get("value") == "deactivate" and b.find_parent(id=f"department-{desk.billing}")
    ]


def test_the_confirmation_needs_the_csrf_token(admin, desk, engine):
    admin.post(
        f"{ADMIN}/departments/{desk.billing}/state",
        {"change": "deactivate", "confirmed": "1"},
        status=400,
    )
    assert departments(engine)["Billing"][2] is True


def test_hide_from_customers_and_show_again(admin, desk, engine):
    page = state(admin, desk, "hide")
    assert "Billing is now hidden from customers." in flashes(page)
    assert departments(engine)["Billing"][1] is False
    # The portal's department choice no longer offers it.
    from frontdesk.tickets import customer_departments

    with Session(engine) as db:
        assert [d.name for d in customer_departments(db)] == ["Sales"]
    state(admin, desk, "show")
    assert departments(engine)["Billing"][1] is True
    assert [entry[1] for entry in audit_log(engine)] == ["department.hide", "department.show"]


def test_deactivate_keeps_the_tickets_department_and_reactivate(admin, desk, engine):
    page = state(admin, desk, "deactivate")
    assert "Billing is deactivated; its tickets keep the department." in flashes(page)
    with Session(engine) as db:
        assert db.scalar(select(Ticket).where(Ticket.number == "1002")).department.name == (
            "Billing"
        )
    assert departments(engine)["Billing"][2] is False
    assert "Inactive" in admin.get(f"{ADMIN}/departments").text

    state(admin, desk, "reactivate")
    assert departments(engine)["Billing"][2] is True
    assert [entry[1] for entry in audit_log(engine)] == [
        "department.deactivate",
        "department.reactivate",
    ]


def test_a_repeated_or_unknown_change_writes_nothing(admin, desk, engine):
    page = state(admin, desk, "show")  # already visible
    assert "Nothing was changed." in flashes(page)
    admin.post(
        f"{ADMIN}/departments/{desk.billing}/state",
        {"change": "delete", "csrf_token": token(admin)},
        status=400,
    )
    assert audit_log(engine) == []
