"""The Settings page (stored for every process, read through frontdesk.settings)
and the audit log page."""

from __future__ import annotations

from sqlalchemy.orm import Session

from frontdesk import settings as rs
from frontdesk.db.state import get_setting
from frontdesk.identity.audit import record
from frontdesk.tickets.attachments import upload_policy
from tests.plugins.management.test_admin_fixtures import (  # noqa: F401  (fixtures)
    ADMIN,
    admin_fixture,
    app_fixture,
    audit_log,
    desk_fixture,
    error,
    flashes,
)


def stored(engine, key):
    with Session(engine) as db:
        return get_setting(db, key)


def flag(app, engine, key):
    with Session(engine) as db:
        return rs.get_flag(db, app.app.registry.settings, key)


def settings_form(app):
    return app.get(f"{ADMIN}/settings").forms["settings-form"]


def test_the_form_shows_the_values_in_force(admin):
    form = settings_form(admin)
    assert form["welcome"].value == ""
    assert form["registration"].checked is False
    assert form["anonymous_tickets"].checked is False
    assert form["reauth"].checked is True
    assert form["max_size"].value == "10" and form["max_files"].value == "5"


def test_the_ini_values_are_the_starting_point(make_webapp, desk):
    from tests.plugins.management.test_admin_fixtures import login

    app = make_webapp(
        ["portal", "management"],
        **{
            "frontdesk.portal.registration": "true",
            "frontdesk.attachments.max_size": str(1536 * 1024),
            "frontdesk.attachments.max_files": "2",
        },
    )
    login(app, "ada")
    form = settings_form(app)
    assert form["registration"].checked is True
    assert form["max_size"].value == "1.5" and form["max_files"].value == "2"


def test_save_every_setting_and_audit_each_change(admin, engine):
    form = settings_form(admin)
    form["welcome"] = "  Welcome to Acme support!  "
    form["registration"] = True
    form["anonymous_tickets"] = True
    form["reauth"] = False
    form["max_size"] = "2,5"
    form["max_files"] = "3"
    page = form.submit(status=303).follow()

    assert flashes(page) == [
        "Settings saved: portal.registration, portal.anonymous_tickets, management.reauth, "
        "portal.welcome, attachments.max_size, attachments.max_files."
    ]
    assert stored(engine, "portal.welcome") == "Welcome to Acme support!"
    assert flag(admin, engine, rs.PORTAL_REGISTRATION) is True
    assert flag(admin, engine, rs.PORTAL_ANONYMOUS_TICKETS) is True
    assert flag(admin, engine, rs.MANAGEMENT_REAUTH) is False
    with Session(engine) as db:
        policy = upload_policy(db, admin.app.registry.settings)
    assert (policy.max_size, policy.max_files) == (int(2.5 * 1024 * 1024), 3)
    assert [entry[1:] for entry in audit_log(engine)] == [
        ("setting.change", "setting portal.registration", "off → on"),
        ("setting.change", "setting portal.anonymous_tickets", "off → on"),
        ("setting.change", "setting management.reauth", "on → off"),
        ("setting.change", "setting portal.welcome", "new text: Welcome to Acme support!"),
        ("setting.change", "setting attachments.max_size", "10 MB → 2.5 MB"),
        ("setting.change", "setting attachments.max_files", "5 → 3"),
    ]
    # The form shows the saved values, and the portal greets with the new text.
    form = settings_form(admin)
    assert form["max_size"].value == "2.5" and form["reauth"].checked is False
    assert "Welcome to Acme support!" in admin.get("/").html.select_one("h1").text


def test_an_unchanged_form_stores_nothing(admin, engine):
    page = settings_form(admin).submit(status=303).follow()
    assert "Nothing was changed." in flashes(page)
    assert stored(engine, rs.PORTAL_REGISTRATION) is None, "the ini keeps deciding"
    assert audit_log(engine) == []


def test_an_emptied_welcome_text_goes_back_to_the_default(admin, engine):
    form = settings_form(admin)
    form["welcome"] = "Hi"
    form.submit(status=303)
    form = settings_form(admin)
    form["welcome"] = "   "
    form.submit(status=303)
    assert stored(engine, "portal.welcome") is None
    assert audit_log(engine)[-1][3] == "back to the default"


def test_bad_numbers_are_refused_beside_their_fields_and_nothing_is_saved(admin, engine):
    form = settings_form(admin)
    form["registration"] = True
    form["welcome"] = "x" * 1001
    form["max_size"] = "lots"
    form["max_files"] = "0"
    page = form.submit(status=400)

    assert error(page, "welcome") == "Use at most 1000 characters (this is 1001)."
    assert error(page, "max_size") == "Enter a number of megabytes, such as 10 or 2.5."
    assert error(page, "max_files") == "Enter a number from 1 to 100."
    kept = page.forms["settings-form"]
    assert kept["max_size"].value == "lots" and kept["registration"].checked is True
    assert page.html.select_one("#max_files")["aria-describedby"].split() == [
        "max_files-error",
        "max_files-hint",
    ]
    assert stored(engine, rs.PORTAL_REGISTRATION) is None and audit_log(engine) == []

    for size, message in [
        ("0", "Enter a size above 0 and at most 1024 MB."),
        ("-3", "Enter a size above 0 and at most 1024 MB."),
        ("2048", "Enter a size above 0 and at most 1024 MB."),
        ("nan", "Enter a number of megabytes, such as 10 or 2.5."),
        ("1e999", "Enter a size above 0 and at most 1024 MB."),
        ("inf", "Enter a number of megabytes, such as 10 or 2.5."),
    ]:
        form = settings_form(admin)
        form["max_size"] = size
        assert error(form.submit(status=400), "max_size") == message, size
    form["max_size"], form["max_files"] = "10", "2.5"
    assert error(form.submit(status=400), "max_files") == "Enter a whole number, such as 5."


# --- audit log -----------------------------------------------------------------------------


def test_the_audit_log_lists_changes_newest_first_in_pages(admin, engine, desk):
    with Session(engine) as db:
        for i in range(60):
            record(db, actor=None, action="test.step", target=f"step {i}", details=f"#{i}")
        db.commit()
    page = admin.get(f"{ADMIN}/audit")
    rows = page.html.select("#audit tbody tr")
    assert len(rows) == 50
    cells = [td.get_text(" ", strip=True) for td in rows[0].select("td")]
    assert cells[1:] == ["(command line)", "test.step", "step 59", "#59"]
    assert rows[0].select_one("time")["datetime"]

    older = page.click("Older entries")
    targets = [r.select("td")[3].text for r in older.html.select("#audit tbody tr")]
    assert targets == [f"step {i}" for i in range(9, -1, -1)]
    assert "Older entries" not in older.text and "Newest" in older.text
    # Made-up positions are refused with a reason (tests/core/test_request_checks.py).
    admin.get(f"{ADMIN}/audit", {"before": "not-a-number"}, status=400)
    admin.get(f"{ADMIN}/audit", {"before": "99999999999999999999999"}, status=400)


def test_a_change_made_on_a_page_appears_in_the_log(admin, engine):
    form = settings_form(admin)
    form["max_files"] = "4"
    form.submit(status=303)
    row = admin.get(f"{ADMIN}/audit").html.select_one("#audit tbody tr")
    cells = [td.get_text(" ", strip=True) for td in row.select("td")]
    assert cells[1:] == ["ada", "setting.change", "setting attachments.max_files", "5 → 4"]


def test_switching_self_registration_on_opens_the_portals_register_page(admin):
    admin.get("/register", status=404)
    form = settings_form(admin)
    form["registration"] = True
    form.submit(status=303)
    assert admin.get("/register").status_int == 200
    form = settings_form(admin)
    form["registration"] = False
    form.submit(status=303)
    admin.get("/register", status=404)
