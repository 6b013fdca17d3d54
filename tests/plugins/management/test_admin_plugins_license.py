"""The Plugins and License pages: switching plugins in the running app, license keys."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from sqlalchemy.orm import Session

from frontdesk import Edition
from frontdesk.db.state import get_setting, plugin_switches, set_setting
from frontdesk.licensing.installed import LICENSE_SETTING, NO_VERIFIER
from tests.plugins.management.test_admin_fixtures import (  # noqa: F401  (fixtures)
    ADMIN,
    BUILTIN,
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


def switch(app, name, enabled, status=303):
    """Press a plugin's Enable or Disable button (and confirm, when asked)."""
    answer = app.post(
        f"{ADMIN}/plugins/{name}/switch",
        {"enabled": "1" if enabled else "0", "csrf_token": token(app)},
        status=[200, status],
    )
    if "confirm-form" in (answer.forms if answer.status_int == 200 else {}):
        answer = answer.forms["confirm-form"].submit(status=status)
    return answer


def card(page, name):
    found = page.html.select_one(f"#plugin-{name}")
    return found.get_text(" ", strip=True) if found is not None else None


def switches(engine):
    with Session(engine) as db:
        return plugin_switches(db)


# --- plugins -------------------------------------------------------------------------------


def test_every_installed_plugin_is_listed_with_its_state(admin):
    page = admin.get(f"{ADMIN}/plugins")
    assert card(page, "core") is None, "the core is not a plugin one switches"
    kb = card(page, "kb")
    assert "Knowledge base 0.1.0" in kb and "Active" in kb
    assert "Articles customers can search before they ask." in kb
    assert "Edition needed Free" in kb and "Needs portal" in kb
    mobile = card(page, "mobile")
    assert "Inactive" in mobile and "Edition needed Enterprise" in mobile
    assert (
        "Why inactive: Mobile interface is available in the Enterprise edition "
        "(this installation runs the Free edition)." in mobile
    )
    management = card(page, "management")
    assert (
        "Disable" not in management and "frontdesk plugins disable CONFIG management" in management
    )


def test_disabling_kb_removes_its_pages_and_menu_items_at_once(admin, engine):
    def portal_nav():
        return [a.text for a in admin.get("/").html.select(".main-nav a")]

    assert "Knowledge base" in portal_nav()
    admin.get("/kb/")

    page = switch(admin, "kb", False).follow()

    assert "Knowledge base is disabled: its pages and menu items are gone." in flashes(page)
    assert "Why inactive: disabled by an administrator." in card(page, "kb")
    assert "Knowledge base" not in portal_nav()
    assert "disabled by an administrator" in admin.get("/kb/", status=404).text
    assert switches(engine) == {"kb": False}

    page = switch(admin, "kb", True).follow()

    assert "Knowledge base is enabled and active." in flashes(page)
    assert "Knowledge base" in portal_nav()
    admin.get("/kb/")
    assert audit_log(engine) == [
        ("ada", "plugin.disable", "plugin kb", "inactive: disabled by an administrator"),
        ("ada", "plugin.enable", "plugin kb", "now active"),
    ]


def test_disabling_the_portal_takes_the_plugins_that_need_it_along(admin, engine):
    page = switch(admin, "portal", False).follow()
    assert "Also inactive now: Knowledge base, Live chat." in " ".join(flashes(page))
    assert "needs plugin 'portal', which is off" in card(page, "chat")
    admin.get("/chat/", status=404)
    assert audit_log(engine)[0][3] == (
        "inactive: disabled by an administrator; also inactive now: Knowledge base, Live chat"
    )
    switch(admin, "portal", True)
    admin.get("/chat/")


def test_disabling_a_plugin_asks_first_and_says_what_goes_away(admin, engine):
    page = admin.get(f"{ADMIN}/plugins")
    (form,) = [f for f in page.forms.values() if f.action.endswith("/plugins/portal/switch")]
    asked = form.submit("enabled", value="0", status=200)  # "Disable Customer portal"
    assert asked.html.select_one("h1").text == "Disable Customer portal?"
    said = [li.get_text(" ", strip=True) for li in asked.html.select(".confirm-card li")]
    assert said[0].endswith("Customers log in, submit and follow tickets at /.")
    assert "These plugins need it and stop too: Knowledge base, Live chat." in said
    assert switches(engine) == {} and audit_log(engine) == []
    admin.get("/")  # the portal still answers

    cancel = asked.html.find("a", string="Cancel")["href"]
    assert cancel == f"{ADMIN}/plugins#plugin-portal"
    reloaded = admin.get(f"{ADMIN}/plugins/portal/switch", status=303)
    assert reloaded.location == f"http://localhost{ADMIN}/plugins#plugin-portal"

    done = asked.forms["confirm-form"].submit(status=303).follow()
    assert "Customer portal is disabled" in " ".join(flashes(done))
    assert switches(engine) == {"portal": False}
    admin.get("/", status=404)


def test_the_confirmation_needs_the_csrf_token(admin, engine):
    admin.post(f"{ADMIN}/plugins/portal/switch", {"enabled": "0", "confirmed": "1"}, status=400)
    assert switches(engine) == {}


def test_enabling_a_plugin_the_edition_does_not_cover_says_why_it_stays_off(admin, engine):
    switch(admin, "mobile", False)
    page = switch(admin, "mobile", True).follow()
    assert (
        "Mobile interface is enabled but stays inactive: Mobile interface is available in "
        "the Enterprise edition" in " ".join(flashes(page))
    )


def test_the_management_plugin_cannot_switch_itself_off(admin, engine):
    page = switch(admin, "management", False, status=400)
    assert alert(page).startswith("The Management interface cannot be switched off from inside")
    assert "frontdesk plugins disable CONFIG management" in alert(page)
    assert switches(engine) == {} and audit_log(engine) == []
    admin.get(f"{ADMIN}/plugins")


def test_switching_to_the_current_state_changes_nothing(admin, engine):
    page = switch(admin, "chat", True).follow()
    assert "Live chat was already enabled." in flashes(page)
    assert switches(engine) == {} and audit_log(engine) == []


def test_plugins_that_failed_to_load_are_shown_with_their_error(make_webapp, desk):
    app = make_webapp(["portal", "management", "nosuch"])
    login(app, "ada")
    page = app.get(f"{ADMIN}/plugins")
    failed = page.html.select_one("#failed-nosuch").get_text(" ", strip=True)
    assert "Error: plugin 'nosuch' is not installed" in failed


# --- license -------------------------------------------------------------------------------


def installed(engine):
    with Session(engine) as db:
        return get_setting(db, LICENSE_SETTING)


def facts(page):
    dl = page.html.select_one("#license dl")
    if dl is None:
        return {}
    return {
        dt_.get_text(" ", strip=True): dd.get_text(" ", strip=True)
        for dt_, dd in zip(dl.select("dt"), dl.select("dd"), strict=True)
    }


def paste(app, key, status=303):
    form = app.get(f"{ADMIN}/license").forms["license-form"]
    form["key"] = key
    return form.submit(status=status)


def test_without_a_license_the_free_edition_is_in_force(licensed_app):
    login(licensed_app, "ada")
    page = licensed_app.get(f"{ADMIN}/license")
    assert page.html.select_one("#license h2").text == "Edition in force: Free"
    assert "No license is installed" in page.text
    assert page.html.select_one("#remove-license-form") is None


def test_install_a_key_and_see_what_it_grants(licensed_app, keys, engine):
    login(licensed_app, "ada")
    key = license_key(keys.trusted, seats=5, license_id="lic-42")
    # Pasted from an email: wrapped and indented.
    page = paste(
        licensed_app, "\n  " + "\n  ".join(key[i : i + 50] for i in range(0, len(key), 50))
    )
    page = page.follow()

    assert (
        "License installed: Enterprise edition for Acme Ltd, 5 seats, valid until "
        f"{(dt.date.today() + dt.timedelta(days=30)).isoformat()}." in flashes(page)
    )
    assert page.html.select_one("#license h2").text == "Edition in force: Enterprise"
    shown = facts(page)
    assert shown["Licensee"] == "Acme Ltd"
    assert shown["Seats"] == "3 used of 5"
    assert shown["Expires"].endswith("(30 days left)")
    assert shown["Issued"] == (dt.date.today() - dt.timedelta(days=1)).isoformat()
    assert shown["Signed by"] == "local:test-vendor"
    assert shown["License id"] == "lic-42"
    assert installed(engine) == key
    (entry,) = audit_log(engine)
    assert entry[:3] == ("ada", "license.install", "license lic-42")
    assert "Enterprise edition for Acme Ltd, 5 seats" in entry[3]
    # The Enterprise edition switches the mobile interface on at once.
    assert "Active" in card(licensed_app.get(f"{ADMIN}/plugins"), "mobile")
    licensed_app.get("/m/login")


def _altered(key):
    prefix, payload, signature = key.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["seats"] = 500
    body = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{prefix}.{body}.{signature}"


BAD_KEYS = {
    "empty": (lambda k: "  ", "No license key was given."),
    "not a key": (lambda k: "hello, I am a license", NO_VERIFIER),
    "truncated": (lambda k: license_key(k.trusted)[:-30], "incomplete"),
    "malformed": (lambda k: "FD1.bm90IGpzb24." + "A" * 86, "malformed"),
    "altered": (lambda k: _altered(license_key(k.trusted)), "altered after it was signed"),
    "untrusted": (
        lambda k: license_key(k.stranger),
        "signed by a key this installation does not trust",
    ),
    "expired": (
        lambda k: license_key(k.trusted, issued=dt.date(2020, 1, 1), expires=dt.date(2020, 12, 31)),
        "This license for Acme Ltd expired on 2020-12-31; ask for a current key.",
    ),
    "not valid yet": (
        lambda k: license_key(k.trusted, issued=dt.date.today() + dt.timedelta(days=1)),
        f"This license for Acme Ltd is not valid before {dt.date.today() + dt.timedelta(days=1)}",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_KEYS))
def test_each_kind_of_bad_key_is_refused_beside_the_field(licensed_app, keys, engine, case):
    login(licensed_app, "ada")
    good = license_key(keys.trusted, edition=Edition.PROFESSIONAL, seats=7)
    paste(licensed_app, good)
    make, message = BAD_KEYS[case]
    bad = make(keys)

    page = paste(licensed_app, bad, status=400)

    assert message in error(page, "key")
    assert page.html.select_one("#key")["aria-describedby"] == "key-error"
    assert page.forms["license-form"]["key"].value == bad, "the key is kept"
    assert installed(engine) == good, "the installed license is unchanged"
    assert page.html.select_one("#license h2").text == "Edition in force: Professional"
    assert [e[1] for e in audit_log(engine)] == ["license.install"]


def test_a_license_with_fewer_seats_than_staff_installs_with_a_warning(licensed_app, keys):
    login(licensed_app, "ada")
    page = paste(licensed_app, license_key(keys.trusted, seats=2)).follow()
    assert (
        "3 agents and administrators are active but the license has 2 seats: nobody was "
        "deactivated, but none can be added or reactivated until 1 is deactivated." in flashes(page)
    )


def test_remove_the_license(licensed_app, keys, engine):
    login(licensed_app, "ada")
    paste(licensed_app, license_key(keys.trusted, license_id="lic-7"))
    form = licensed_app.get(f"{ADMIN}/license").forms["remove-license-form"]
    assert form.html.form["data-confirm"]
    page = form.submit(status=303).follow()

    assert "License removed: the Free edition is in force." in flashes(page)
    assert installed(engine) is None
    assert [e[1:3] for e in audit_log(engine)] == [
        ("license.install", "license lic-7"),
        ("license.remove", "license lic-7"),
    ]
    page = licensed_app.post(
        f"{ADMIN}/license/remove", {"csrf_token": token(licensed_app)}, status=303
    ).follow()
    assert "No license was installed." in flashes(page)
    assert len(audit_log(engine)) == 2


def test_the_expired_license_banner_shows_on_the_license_page(licensed_app, keys, engine):
    with Session(engine) as db:
        expired = license_key(
            keys.trusted, issued=dt.date(2020, 1, 1), expires=dt.date(2020, 12, 31)
        )
        set_setting(db, LICENSE_SETTING, expired, bumps_state=True)
        db.commit()
    login(licensed_app, "ada")
    page = licensed_app.get(f"{ADMIN}/license")

    banner = page.html.select_one(".banner--warning")
    assert banner is not None and "expired on 2020-12-31" in banner.text
    assert page.html.select_one("#license h2").text == "Edition in force: Free"
    assert "expired" in facts(page)["Expires"]
    assert "The Enterprise license for Acme Ltd expired on 2020-12-31" in page.text


def test_an_installed_license_not_valid_yet_grants_nothing_and_says_until_when(
    licensed_app, keys, engine
):
    """Installed while the server's clock ran ahead: Free, and mobile stays off."""
    later = dt.date.today() + dt.timedelta(days=3)
    with Session(engine) as db:
        set_setting(db, LICENSE_SETTING, license_key(keys.trusted, issued=later), bumps_state=True)
        db.commit()
    login(licensed_app, "ada")
    page = licensed_app.get(f"{ADMIN}/license")

    assert page.html.select_one("#license h2").text == "Edition in force: Free"
    assert (
        f"The Enterprise license for Acme Ltd is not valid before {later.isoformat()}; "
        "the Free edition is in force until then."
    ) in page.text
    licensed_app.get("/m/login", status=404)
