"""The Settings page's mail part: e-mail verification at registration, the rules for
incoming mail from unknown senders, and the notification defaults."""

from __future__ import annotations

from frontdesk.mail.notifications import KINDS as BY_KEY
from tests.plugins.management.test_admin_fixtures import (  # noqa: F401  (fixtures)
    ADMIN,
    admin_fixture,
    app_fixture,
    audit_log,
    desk_fixture,
    error,
    flashes,
)
from tests.plugins.management.test_admin_settings import flag, settings_form, stored

KINDS = list(BY_KEY.values())


def test_the_mail_settings_start_from_their_defaults(admin):
    form = settings_form(admin)
    assert form["verify_email"].checked is False
    assert form["unknown_senders"].value == "open"
    assert form["create_accounts"].checked is True
    assert form["sender_limit"].value == "20"
    for kind in KINDS:
        assert form[f"notify_{kind.key}"].checked is True, kind.key


def test_save_the_mail_settings_with_audit_entries(admin, engine):
    form = settings_form(admin)
    form["verify_email"] = True
    form["unknown_senders"] = "refuse"
    form["create_accounts"] = False
    form["sender_limit"] = "5"
    form[f"notify_{KINDS[0].key}"] = False
    page = form.submit(status=303).follow()

    key = f"notifications.{KINDS[0].key}"
    assert flashes(page) == [
        f"Settings saved: portal.verify_email, mail.create_accounts, {key}, "
        "mail.unknown_senders, mail.sender_limit_per_hour."
    ]
    assert flag(admin, engine, "portal.verify_email") is True
    assert flag(admin, engine, "mail.create_accounts") is False
    assert stored(engine, "mail.sender_limit_per_hour") == "5"
    assert flag(admin, engine, key) is False
    assert stored(engine, "mail.unknown_senders") == "refuse"
    assert ("ada", "setting.change", "setting mail.unknown_senders", "open → refuse") in (
        audit_log(engine)
    )
    form = settings_form(admin)
    assert form["unknown_senders"].value == "refuse"
    assert form[f"notify_{KINDS[0].key}"].checked is False
    assert form[f"notify_{KINDS[1].key}"].checked is True


def test_wrong_values_are_refused_beside_their_fields(admin, engine):
    form = settings_form(admin)
    form["welcome"] = "Kept"
    form["unknown_senders"].force_value("anything")
    form["sender_limit"] = "-1"
    page = form.submit(status=400)
    assert error(page, "unknown_senders") == "Choose one of the answers in the list."
    assert error(page, "sender_limit") == "Enter a number from 0 to 10000."
    assert page.forms["settings-form"]["welcome"].value == "Kept"
    assert page.forms["settings-form"]["sender_limit"].value == "-1"
    assert stored(engine, "mail.unknown_senders") is None
    assert audit_log(engine) == []


def test_the_ini_decides_until_the_page_stores_a_value(make_webapp, desk, engine):
    from tests.plugins.management.test_admin_fixtures import BUILTIN, login

    key = f"notifications.{KINDS[-1].key}"
    app = make_webapp(
        BUILTIN,
        **{"frontdesk.mail.unknown_senders": "refuse", f"frontdesk.{key}": "false"},
    )
    login(app, "ada")
    form = settings_form(app)
    assert form["unknown_senders"].value == "refuse"
    assert form[f"notify_{KINDS[-1].key}"].checked is False
