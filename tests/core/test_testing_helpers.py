"""frontdesk.testing's helpers for plugin authors: a test app with a license, factories
for departments, people and tickets, and logging in as each role."""

from __future__ import annotations

import pytest

from frontdesk.licensing import Edition
from frontdesk.testing import (
    install_test_license,
    log_in,
    make_administrator,
    make_agent,
    make_customer,
    make_department,
    make_test_app,
    make_ticket,
)

STAFF = ["portal", "management", "mobile"]


def new_app(engine, **options):
    return make_test_app(plugins=STAFF, engine=engine, migrate_first=False, **options)


def test_edition_installs_a_signed_license_the_app_trusts(engine):
    app = new_app(engine, edition="enterprise")

    assert app.get("/m/", status=303).location.endswith("/m/login?next=%2Fm%2F")
    license_page = log_in(app, make_administrator(app), interface="management")
    assert license_page.status_int == 303
    assert "Test Co" in app.get("/management/admin/license").text


def test_without_an_edition_the_app_runs_free(engine):
    app = new_app(engine)

    assert "Enterprise edition" in app.get("/m/", status=404).text


def test_a_license_installed_later_takes_effect_at_once(engine):
    app = new_app(engine)
    license = install_test_license(app, "professional", seats=3)

    assert (license.edition, license.seats) == (Edition.PROFESSIONAL, 3)
    app.get("/m/", status=404)
    install_test_license(app, Edition.ENTERPRISE)
    app.get("/m/", status=303)


def test_factories_and_log_in_for_each_role(engine):
    app = new_app(engine, edition="enterprise")
    support = make_department(app, "Support")
    casey = make_customer(app, "casey", display_name="Casey Customer")
    alex = make_agent(app, "alex", departments=["Support"])
    ticket = make_ticket(app, requester=casey, department=support, subject="Printer on fire")

    log_in(app, casey)
    assert "Printer on fire" in app.get("/tickets/").text
    assert "Casey Customer" in app.get("/").text

    log_in(app, alex, interface="management")
    assert "Printer on fire" in app.get(f"/management/tickets/{ticket.number}").text
    log_in(app, "alex", interface="mobile")
    assert app.get("/m/").status_int == 200


def test_log_in_fails_the_test_when_the_interface_refuses(engine):
    app = new_app(engine)
    casey = make_customer(app, "casey")

    with pytest.raises(AssertionError, match="casey could not log into management"):
        log_in(app, casey, interface="management")
    with pytest.raises(AssertionError, match="could not log into portal"):
        log_in(app, casey, password="not-the-password")


def test_factories_write_with_a_session_too(engine, commit):
    with commit() as db:
        support = make_department(db, "Support")
        casey = make_customer(db, "casey")
        ticket = make_ticket(db, requester=casey, department=support)

    assert ticket.number == "1001" and ticket.department_id == support.id
