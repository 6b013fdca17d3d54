"""The administration in German and French, and the Settings page's languages and time
zones: default language, languages offered and default time zone, effective at once."""

from __future__ import annotations

from sqlalchemy.orm import Session

from frontdesk.db.state import get_setting
from frontdesk.db.users import User
from frontdesk.i18n import DEFAULT_LOCALE_KEY, DEFAULT_TIME_ZONE_KEY, OFFERED_LOCALES_KEY
from tests.plugins.management.test_admin_fixtures import (  # noqa: F401  (fixtures)
    ADMIN,
    admin_fixture,
    app_fixture,
    audit_log,
    desk_fixture,
    error,
    flashes,
    languages_fixture,
    login,
    token,
)

GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
FRENCH = {"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.5"}
I18N_KEYS = (DEFAULT_LOCALE_KEY, DEFAULT_TIME_ZONE_KEY, OFFERED_LOCALES_KEY)


def text(page, selector):
    return " ".join(page.html.select_one(selector).get_text(" ").split())


def stored(engine, key):
    with Session(engine) as db:
        return get_setting(db, key)


def settings_form(app, **kw):
    return app.get(f"{ADMIN}/settings", **kw).forms["settings-form"]


def offered(form):
    """The languages ticked in the form, by code."""
    return sorted(field.value for field in form.fields["offered_locales"] if field.checked)


def tick(form, codes):
    for field in form.fields["offered_locales"]:
        field.checked = field._value in codes


# --- German and French pages ----------------------------------------------------------


def test_the_administration_speaks_german(admin, desk, languages):
    index = admin.get(f"{ADMIN}/", headers=GERMAN)
    assert index.html.select_one("html")["lang"] == "de"
    assert text(index, "main h1") == "Administration"
    assert [a.text for a in index.html.select("nav.admin-nav a")][:3] == [
        "Abteilungen",
        "Agenten",
        "Kunden",
    ]
    assert "Abteilungen anlegen, umbenennen" in index.text

    agents = admin.get(f"{ADMIN}/agents", headers=GERMAN)
    assert text(agents, "#seats") == "3 aktive Agenten und Administratoren; keine Platzbegrenzung"
    assert [th.text for th in agents.html.select("thead th")] == [
        "Name",
        "Rolle",
        "Abteilungen",
        "Zustand",
    ]
    assert "Administrator" in text(agents, "tbody tr") and "Aktiv" in text(agents, "tbody tr")

    customers = admin.get(f"{ADMIN}/customers", {"q": "cas"}, headers=GERMAN)
    assert text(customers, "#result-count") == "1 Kunde passend zu „cas“"
    assert customers.html.select_one("#q")["placeholder"] == "Benutzername, Name oder E-Mail"


def test_forms_messages_and_confirmations_in_german(admin, desk, languages):
    form = admin.get(f"{ADMIN}/departments", headers=GERMAN).forms["department-form"]
    form["name"] = "sales"
    page = form.submit(headers=GERMAN, status=400)
    assert error(page, "name") == "Es gibt bereits eine Abteilung namens „Sales“."
    assert page.html.select_one('label[for="name"]').text == "Name"

    asked = admin.post(
        f"{ADMIN}/departments/{desk.sales}/state",
        {"change": "deactivate", "csrf_token": token(admin)},
        headers=GERMAN,
    )
    assert text(asked, "main h1") == "Die Abteilung Sales deaktivieren?"
    assert text(asked, "#confirm-form button") == "Sales deaktivieren"
    assert "Ihre Tickets (1, davon 1 nicht geschlossen) behalten die Abteilung." in asked.text

    done = asked.forms["confirm-form"].submit(headers=GERMAN, status=303).follow(headers=GERMAN)
    assert "Sales ist deaktiviert; die Tickets behalten ihre Abteilung." in flashes(done)


def test_the_administration_speaks_french(admin, desk, languages):
    page = admin.get(f"{ADMIN}/agents/{desk.alex}", headers=FRENCH)
    assert page.html.select_one("html")["lang"] == "fr"
    assert text(page, "#deactivate-form button") == "Désactiver alex"
    assert page.html.select_one("#deactivate-form")["data-confirm"] == "Désactiver alex ?"
    assert page.html.select_one('label[for="display_name"]').text == "Nom affiché"

    form = settings_form(admin, headers=FRENCH)
    form["max_files"] = "0"
    refused = form.submit(headers=FRENCH, status=400)
    assert error(refused, "max_files") == "Saisissez un nombre de 1 à 100."
    assert text(refused, "#languages legend") == "Langues et fuseaux horaires"

    unchanged = settings_form(admin, headers=FRENCH).submit(headers=FRENCH, status=303)
    assert flashes(unchanged.follow(headers=FRENCH)) == ["Rien n'a été modifié."]


def test_the_audit_log_shows_times_in_the_viewers_zone(admin, desk, commit, languages):
    form = settings_form(admin)
    form["max_files"] = "4"
    form.submit(status=303)
    with commit() as db:
        db.get(User, desk.ada).time_zone = "Asia/Tokyo"
    page = admin.get(f"{ADMIN}/audit", headers=GERMAN)
    assert "Ihrer Zeitzone (Asia/Tokyo)" in text(page, "main p.muted")
    shown = page.html.select_one("#audit tbody time")
    assert shown["datetime"].endswith("Z") and shown.text.endswith("JST")
    assert page.html.select_one("#audit tbody code")["title"] == "Eine Einstellung wurde geändert"


# --- the Settings page: languages and time zones --------------------------------------


def test_the_form_shows_the_languages_and_zone_in_force(admin, languages):
    form = settings_form(admin)
    assert form["default_locale"].value == "en"
    assert {"de", "en", "fr"} <= {value for value, _, _ in form["default_locale"].options}
    assert {"de", "en", "fr"} <= set(offered(form))
    assert form["default_time_zone"].value == "UTC"
    assert "Europe/Berlin" in [value for value, _, _ in form["default_time_zone"].options]


def test_the_ini_defaults_are_the_starting_point(make_webapp, desk, engine, languages):
    app = make_webapp(
        ("portal", "management"),
        **{
            "frontdesk.default_locale": "fr",
            "frontdesk.default_time_zone": "America/Toronto",
            "frontdesk.i18n.offered_locales": "fr, en",
        },
    )
    login(app, "ada")
    form = settings_form(app)
    assert form["default_locale"].value == "fr" and offered(form) == ["en", "fr"]
    assert form["default_time_zone"].value == "America/Toronto"
    form.submit(status=303)
    assert [stored(engine, key) for key in I18N_KEYS] == [None, None, None], "the ini decides"


def test_saved_languages_and_zone_apply_at_once_and_are_audited(admin, app, engine, languages):
    form = settings_form(admin)
    form["default_locale"] = "de"
    tick(form, {"de", "en"})
    form["default_time_zone"] = "Europe/Berlin"
    page = form.submit(status=303).follow()

    # The administrator's browser names no language: the new default speaks at once.
    assert flashes(page) == [
        "Einstellungen gespeichert: i18n.default_locale, i18n.default_time_zone, "
        "i18n.offered_locales."
    ]
    assert page.html.select_one("html")["lang"] == "de"
    assert [stored(engine, key) for key in I18N_KEYS] == ["de", "Europe/Berlin", "en,de"]
    assert [entry[1:] for entry in audit_log(engine)] == [
        ("setting.change", "setting i18n.default_locale", "en → de"),
        ("setting.change", "setting i18n.default_time_zone", "UTC → Europe/Berlin"),
        ("setting.change", "setting i18n.offered_locales", "en, de, fr → en, de"),
    ]
    form = settings_form(admin)
    assert form["default_locale"].value == "de" and offered(form) == ["de", "en"]
    assert form["default_time_zone"].value == "Europe/Berlin"

    # A visitor: no Accept-Language now means German; French is no longer offered.
    app.reset()

    def language(accept=None):
        headers = {"Accept-Language": accept} if accept else {}
        return app.get("/", headers=headers).html.select_one("html")["lang"]

    assert [language(), language("fr"), language("fr, en;q=0.5"), language("en")] == [
        "de",
        "de",
        "en",
        "en",
    ]


def test_an_unknown_time_zone_is_refused_beside_the_field_and_kept(admin, engine, languages):
    form = settings_form(admin)
    form["max_files"] = "4"
    fields = dict(form.submit_fields())
    fields["default_time_zone"] = "Mars/Olympus_Mons"
    page = admin.post(f"{ADMIN}/settings", fields, status=400)

    assert error(page, "default_time_zone") == (
        "“Mars/Olympus_Mons” is not a time zone. Choose one from the list."
    )
    kept = page.forms["settings-form"]
    assert kept["default_time_zone"].value == "Mars/Olympus_Mons"
    assert kept["max_files"].value == "4"
    assert page.html.select_one("#default_time_zone")["aria-describedby"] == (
        "default_time_zone-error"
    )
    assert [stored(engine, key) for key in I18N_KEYS] == [None, None, None]
    assert audit_log(engine) == []


def test_the_default_language_must_be_offered(admin, engine, languages):
    form = settings_form(admin)
    form["default_locale"] = "fr"
    tick(form, {"de", "en"})
    page = form.submit(status=400)
    assert error(page, "offered_locales") == (
        "Offer the default language, Français, too (or choose another default)."
    )
    assert offered(page.forms["settings-form"]) == ["de", "en"], "the ticks are kept"

    tick(form, set())
    assert error(form.submit(status=400), "offered_locales") == "Offer at least one language."
    assert [stored(engine, key) for key in I18N_KEYS] == [None, None, None]
    assert audit_log(engine) == []


def test_made_up_languages_are_refused(admin, engine, languages):
    fields = dict(settings_form(admin).submit_fields())
    for name, value, field in (
        ("default_locale", "xx", "default_locale"),
        ("default_locale", "qps", "default_locale"),
        ("offered_locales", "klingon", "offered_locales"),
    ):
        page = admin.post(f"{ADMIN}/settings", {**fields, name: value}, status=400)
        assert error(page, field).startswith("Choose"), (name, value)
    assert [stored(engine, key) for key in I18N_KEYS] == [None, None, None]


def test_only_administrators_change_languages_and_only_with_the_form_token(
    app, desk, engine, languages
):
    fields = {
        "default_locale": "de",
        "offered_locales": "de",
        "default_time_zone": "Europe/Berlin",
        "max_size": "10",
        "max_files": "5",
    }
    app.post(f"{ADMIN}/settings", fields, status=303)  # anonymous: to the login page
    login(app, "alex")
    app.get(f"{ADMIN}/settings", status=403)
    app.post(f"{ADMIN}/settings", {**fields, "csrf_token": token(app)}, status=403)
    app.reset()
    login(app, "ada")
    app.post(f"{ADMIN}/settings", fields, status=400)
    app.post(f"{ADMIN}/settings", {**fields, "csrf_token": "forged"}, status=400)
    assert [stored(engine, key) for key in I18N_KEYS] == [None, None, None]
    assert audit_log(engine) == []
