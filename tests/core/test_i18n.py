"""Languages, time zones and formatting: negotiation, preferences, the picker, catalogs."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from webtest import TestApp

from frontdesk import i18n
from frontdesk.db.state import set_setting
from frontdesk.db.users import User
from frontdesk.i18n import (
    LOCALE_COOKIE,
    BadLocalTime,
    TranslationString,
    TranslationStringFactory,
    _,
    available_locales,
    is_time_zone,
    locale_choices,
    offered_locales,
    preferences_form,
    time_zone_choices,
    translate,
    update_preferences,
)
from frontdesk.i18n.negotiation import accept_language_ranges, match_locale, use_locale
from frontdesk.testing import (
    app_request,
    db_session,
    engine_of,
    log_in,
    make_administrator,
    make_agent,
    make_customer,
    make_test_app,
)
from tests.translations import write_catalog, write_core_catalogs

UTC = dt.UTC
BERLIN_SPRING = dt.datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 02:00 CET -> 03:00 CEST
BERLIN_AUTUMN = dt.datetime(2026, 10, 25, 1, 0, tzinfo=UTC)  # 03:00 CEST -> 02:00 CET


@pytest.fixture(scope="module")
def core_catalogs(tmp_path_factory: pytest.TempPathFactory):
    """Core's catalogs replaced by a few known German and French messages."""
    folder = write_core_catalogs(tmp_path_factory.mktemp("core-locale"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(i18n, "CORE_LOCALE_DIR", folder)
        yield folder


@pytest.fixture(scope="module")
def app(core_catalogs, tmp_path_factory: pytest.TempPathFactory) -> TestApp:
    """Portal and management on SQLite, the pseudo-locale on."""
    return make_test_app(
        plugins=["portal", "management"],
        tmp_path=tmp_path_factory.mktemp("i18n-db"),
        settings={"frontdesk.i18n.pseudo_locale": "true"},
    )


@pytest.fixture
def web(app: TestApp) -> TestApp:
    app.reset()
    return app


def lang_of(page) -> str:
    return page.html.html["lang"]


def set_runtime(app: TestApp, key: str, value: str | None) -> None:
    with db_session(engine_of(app)) as db:
        set_setting(db, key, value)


@pytest.fixture
def runtime(web: TestApp):
    """Set run-time settings for one test; removed afterwards."""
    keys: list[str] = []

    def setter(key: str, value: str | None) -> None:
        keys.append(key)
        set_runtime(web, key, value)

    yield setter
    for key in keys:
        set_runtime(web, key, None)


_counter = iter(range(10_000))


def unique(prefix: str) -> str:
    return f"{prefix}{next(_counter)}"


# --- negotiation ------------------------------------------------------------------


def test_the_catalogs_decide_which_languages_exist(app):
    assert available_locales() == ["en", "de", "fr"]


def test_visitors_get_the_browsers_language_else_the_default(web):
    assert lang_of(web.get("/")) == "en"
    assert lang_of(web.get("/", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})) == "de"
    assert lang_of(web.get("/", headers={"Accept-Language": "es, fr;q=0.4, de;q=0.3"})) == "fr"
    assert lang_of(web.get("/", headers={"Accept-Language": "es, pt-BR"})) == "en"


def test_the_cookie_beats_the_browser_and_the_profile_beats_the_cookie(web):
    web.set_cookie(LOCALE_COOKIE, "fr")
    assert lang_of(web.get("/", headers={"Accept-Language": "de"})) == "fr"
    user = make_customer(web, unique("cookie"), locale="de")
    log_in(web, user)
    assert lang_of(web.get("/", headers={"Accept-Language": "en"})) == "de"


@pytest.mark.parametrize("stored", ["xx", "zz_ZZ", "../../etc", "qps2", "zz-DE-x-" + "y" * 40])
def test_an_unknown_cookie_or_profile_value_falls_through(web, stored):
    web.set_cookie(LOCALE_COOKIE, stored)
    assert lang_of(web.get("/", headers={"Accept-Language": "fr"})) == "fr"
    user = make_customer(web, unique("odd"), locale=stored)
    log_in(web, user)
    assert lang_of(web.get("/", headers={"Accept-Language": "fr"})) == "fr"


@pytest.mark.parametrize(
    "header",
    [
        ";;;,,,",
        "de;q=abc",
        "de;q=2, *;q=-1",
        "x" * 5000,
        "ü-ö;q=1, 日本語",
        "de-DE-x-private-extension-tags-1234567890",
        "*",
        "\t",
        "de;q=0",
        "en;q=1e999",
    ],
)
def test_a_malformed_accept_language_never_errors(web, header):
    page = web.get("/", headers={"Accept-Language": header})
    assert lang_of(page) in ("en", "de")


def test_accept_language_is_read_by_weight_then_order():
    assert accept_language_ranges("fr;q=0.5, de, en;q=0.9") == ["de", "en", "fr"]
    assert accept_language_ranges("de;q=0, fr") == ["fr"]
    assert accept_language_ranges("de;q=oops, fr") == ["fr"]
    assert match_locale("DE-at", ["en", "de"]) == "de"
    assert match_locale("pt_BR", ["en", "pt_BR"]) == "pt_BR"
    assert match_locale("pt", ["en", "pt_BR"]) is None


def test_administrators_choose_the_default_and_the_offered_languages(web, runtime):
    runtime("i18n.default_locale", "de")
    assert lang_of(web.get("/")) == "de"
    assert lang_of(web.get("/", headers={"Accept-Language": "fr"})) == "fr"
    runtime("i18n.offered_locales", "de, xx")
    # French is no longer offered: the browser's wish falls through to the default.
    assert lang_of(web.get("/", headers={"Accept-Language": "fr"})) == "de"
    with app_request(web) as request:
        assert offered_locales(request) == ["de", "qps"]
        assert locale_choices(request) == [("de", "Deutsch"), ("qps", "Pseudo")]
    runtime("i18n.default_locale", "xx")  # unknown: English, which stays offered
    with app_request(web) as request:
        assert offered_locales(request) == ["en", "de", "qps"]


def test_the_ini_default_applies_when_no_one_chose(core_catalogs, tmp_path):
    app = make_test_app(
        plugins=["portal"], tmp_path=tmp_path, settings={"frontdesk.default_locale": "fr"}
    )
    assert lang_of(app.get("/")) == "fr"
    assert lang_of(app.get("/", headers={"Accept-Language": "de"})) == "de"
    with app_request(app) as request:
        assert "qps" not in offered_locales(request), "the pseudo-locale is off by default"


def test_language_names_are_their_own(web):
    with app_request(web) as request:
        names = dict(locale_choices(request))
    assert names["en"] == "English" and names["de"] == "Deutsch" and names["fr"] == "Français"


# --- the page in that language --------------------------------------------------------


def test_the_layout_is_translated_and_names_its_language(web):
    page = web.get("/", headers={"Accept-Language": "de"})
    assert page.html.select_one(".skip-link").text == "Zum Inhalt springen"
    page = web.get("/management/login", headers={"Accept-Language": "de"})
    assert page.html.select_one(".brand__interface").text.strip() == "Verwaltung"
    english = web.get("/management/login")
    assert english.html.select_one(".brand__interface").text.strip() == "Management"
    assert english.html.select_one("#login-form button").text == "Login"


def test_flash_messages_are_stored_translated(web):
    with app_request(web, "/", HTTP_ACCEPT_LANGUAGE="de") as request:
        request.session.flash(_("Saved."), "success")
        request.session.flash(_("Hello ${name}", mapping={"name": "Ada"}), "success")
        request.session.flash("Plain text stays.", "success")
        assert request.session.pop_flash("success") == [
            "Gespeichert.",
            "Hallo Ada",
            "Plain text stays.",
        ]


def test_translate_handles_labels_and_nested_translation_strings(web):
    with app_request(web, "/", HTTP_ACCEPT_LANGUAGE="de") as request:
        assert translate(request, "as is") == "as is"
        assert translate(request, _("Saved.")) == "Gespeichert."
        nested = _("Hello ${name}", mapping={"name": _("Management")})
        assert translate(request, nested) == "Hallo Verwaltung"
        use_locale(request, "fr")
        assert translate(request, _("Saved.")) == "Enregistré."


# --- formatting -----------------------------------------------------------------------


MOMENT = dt.datetime(2026, 7, 14, 16, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("locale", "datetime_text", "date_text", "number"),
    [
        ("en", "Jul 14, 2026, 6:05\u202fPM", "Jul 14, 2026", "1,234,567.891"),
        ("de", "14.07.2026, 18:05", "14.07.2026", "1.234.567,891"),
        ("fr", "14 juil. 2026, 18:05", "14 juil. 2026", "1\u202f234\u202f567,891"),
    ],
)
def test_dates_times_and_numbers_follow_the_viewers_language_and_zone(
    web, locale, datetime_text, date_text, number
):
    user = make_customer(web, unique("fmt"), time_zone="Europe/Berlin")
    with app_request(web) as request:
        request.user = request.dbsession.get(User, user.id)
        use_locale(request, locale)
        assert request.time_zone.key == "Europe/Berlin"
        assert request.format_datetime(MOMENT) == datetime_text
        assert request.format_date(MOMENT) == date_text
        assert request.format_date(dt.date(2026, 7, 14)) == date_text
        assert request.format_number(1234567.891) == number
        assert request.format_time(MOMENT).endswith("18:05") or locale == "en"


def test_relative_times(web):
    now = dt.datetime(2026, 7, 14, 12, 0, tzinfo=UTC)
    with app_request(web) as request:
        use_locale(request, "de")
        assert request.format_relative(now - dt.timedelta(days=2), now=now) == "vor 2 Tagen"
        use_locale(request, "fr")
        assert request.format_relative(now + dt.timedelta(hours=3), now=now) == "dans 3 heures"
        use_locale(request, "en")
        assert request.format_relative(now - dt.timedelta(days=2), now=now) == "2 days ago"
        naive = (now - dt.timedelta(minutes=5)).replace(tzinfo=None)  # SQLite's datetimes
        assert request.format_relative(naive, now=now) == "5 minutes ago"


def test_time_tag_carries_utc_the_full_time_and_optionally_the_zone(web):
    user = make_customer(web, unique("tag"), time_zone="Europe/Berlin")
    with app_request(web) as request:
        request.user = request.dbsession.get(User, user.id)
        use_locale(request, "de")
        tag = str(request.time_tag(MOMENT, with_zone=True))
        assert tag.startswith('<time datetime="2026-07-14T16:05:00Z" title="Dienstag, 14. Juli')
        assert "Mitteleuropäische Sommerzeit" in tag
        assert tag.endswith(">14.07.2026, 18:05 MESZ</time>")
        recent = dt.datetime.now(UTC) - dt.timedelta(days=3)
        assert ">vor 3 Tagen</time>" in str(request.time_tag(recent, relative=True))
        assert request.time_tag(None) == ""
        use_locale(request, "en")
        assert str(request.time_tag(MOMENT, with_zone=True)).endswith("6:05\u202fPM CEST</time>")


# --- time zones -----------------------------------------------------------------------


def test_the_viewers_zone_is_theirs_else_the_default_else_utc(web, runtime):
    with app_request(web) as request:
        assert request.time_zone.key == "UTC"
    runtime("i18n.default_time_zone", "America/New_York")
    with app_request(web) as request:
        assert request.time_zone.key == "America/New_York"
    runtime("i18n.default_time_zone", "Mars/Olympus_Mons")  # not a zone: ignored
    with app_request(web) as request:
        assert request.time_zone.key == "UTC"
    user = make_customer(web, unique("tz"), time_zone="Asia/Tokyo")
    broken = make_customer(web, unique("tz"), time_zone="Nowhere/Land")
    with app_request(web) as request:
        request.user = request.dbsession.get(User, user.id)
        assert request.time_zone.key == "Asia/Tokyo"
    with app_request(web) as request:
        request.user = request.dbsession.get(User, broken.id)
        assert request.time_zone.key == "UTC"


@pytest.fixture
def berlin(web):
    user = make_agent(web, unique("berlin"), time_zone="Europe/Berlin")
    with app_request(web) as request:
        request.user = request.dbsession.get(User, user.id)
        yield request


@pytest.mark.parametrize(
    ("typed", "utc"),
    [
        ("2026-03-29T01:59", dt.datetime(2026, 3, 29, 0, 59, tzinfo=UTC)),  # CET, +1
        ("2026-03-29T03:00", dt.datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),  # CEST, +2
        ("2026-07-14T18:05", MOMENT),
        ("2026-07-14 18:05", MOMENT),
        ("2026-10-25T01:59", dt.datetime(2026, 10, 24, 23, 59, tzinfo=UTC)),
        ("2026-10-25T02:30", dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # first 02:30
        ("2026-10-25T03:00", dt.datetime(2026, 10, 25, 2, 0, tzinfo=UTC)),  # CET again
    ],
)
def test_local_times_are_stored_in_utc_across_dst_changes(berlin, typed, utc):
    parsed = berlin.parse_local_input(typed)
    assert parsed == utc and parsed.tzinfo == UTC


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (BERLIN_SPRING - dt.timedelta(minutes=1), "2026-03-29T01:59"),
        (BERLIN_SPRING, "2026-03-29T03:00"),
        (BERLIN_AUTUMN - dt.timedelta(minutes=30), "2026-10-25T02:30"),  # CEST
        (BERLIN_AUTUMN + dt.timedelta(minutes=30), "2026-10-25T02:30"),  # CET, an hour on
        (BERLIN_AUTUMN.replace(tzinfo=None), "2026-10-25T02:00"),  # naive = UTC
        (None, ""),
    ],
)
def test_utc_times_are_shown_in_the_viewers_zone_across_dst_changes(berlin, moment, shown):
    assert berlin.local_input_value(moment) == shown


@pytest.mark.parametrize("typed", ["2026-03-29T02:00", "2026-03-29T02:30", "2026-03-29T02:59"])
def test_a_time_the_clocks_skip_is_refused(berlin, typed):
    with pytest.raises(BadLocalTime) as refused:
        berlin.parse_local_input(typed)
    message = refused.value.message
    assert isinstance(message, TranslationString) and message.domain == "frontdesk"
    assert "Europe/Berlin" in berlin.localizer.translate(message)


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "tomorrow",
        "2026-02-30T10:00",
        "2026-13-01T10:00",
        "2026-03-29T25:00",
        "2026-03-29T10:00+02:00",
        "2026-03-29",
        "10:00",
        "2026-03-29T10:00\x00",
    ],
)
def test_malformed_local_times_are_refused_with_a_message(berlin, typed):
    with pytest.raises(BadLocalTime) as refused:
        berlin.parse_local_input(typed)
    assert isinstance(refused.value, ValueError)
    assert isinstance(refused.value.message, TranslationString)


def test_time_zone_names():
    choices = time_zone_choices()
    assert "Europe/Berlin" in choices and "UTC" in choices and choices == sorted(choices)
    assert not any(name.startswith(("Etc/", "posix/", "right/")) for name in choices)
    for name in ("Europe/Berlin", "Asia/Calcutta", "UTC"):
        assert is_time_zone(name)
    for name in ("", None, "Europe/Nowhere", "../../etc/passwd", "europe/berlin", "CET "):
        assert not is_time_zone(name)


# --- preferences ----------------------------------------------------------------------


def test_preferences_are_saved_validated_and_reset(web):
    user = make_customer(web, unique("prefs"))
    with app_request(web, HTTP_ACCEPT_LANGUAGE="fr") as request:
        me = request.dbsession.get(User, user.id)
        request.user = me
        assert update_preferences(request, me, {"locale": "de", "time_zone": "Asia/Tokyo"}) == {}
        assert (me.locale, me.time_zone) == ("de", "Asia/Tokyo")
        assert request.locale_name == "de", "the rest of the request is in the new language"
        assert request.time_zone.key == "Asia/Tokyo"

        errors = update_preferences(request, me, {"locale": "xx", "time_zone": "Mars/Base"})
        assert set(errors) == {"locale", "time_zone"}
        assert all(isinstance(e, TranslationString) for e in errors.values())
        assert "Mars/Base" in request.localizer.translate(errors["time_zone"])
        assert (me.locale, me.time_zone) == ("de", "Asia/Tokyo"), "nothing saved"
        assert set(update_preferences(request, me, {"locale": "fr", "time_zone": "x"})) == {
            "time_zone"
        }
        assert me.locale == "de", "a valid field is not saved beside an invalid one"

        form = preferences_form(request, me, {"locale": "xx", "time_zone": "Mars/Base"}, errors)
        assert (form.locale, form.time_zone) == ("xx", "Mars/Base"), "the input is kept"

        assert update_preferences(request, me, {"locale": "", "time_zone": ""}) == {}
        assert (me.locale, me.time_zone) == (None, None)
        assert request.locale_name == "fr", "back to the browser's language"


def test_the_preferences_macro_shows_the_fields_the_errors_and_the_input(web, tmp_path):
    user = make_customer(web, unique("macro"), locale="fr", time_zone="Asia/Calcutta")
    template = '<form><metal:p use-macro="ui.preferences_macro"/></form>'
    folder = tmp_path
    with app_request(web) as request:
        me = request.dbsession.get(User, user.id)
        request.user = me
        values = {"preferences": preferences_form(request, me)}
        page = _render_string(request, template, values, folder)
        assert 'value="fr" lang="fr"' in page and "selected" in page
        assert '<option value="Asia/Calcutta" translate="no"' in page, "an old name stays"
        errors = update_preferences(request, me, {"locale": "de", "time_zone": "Mars/Base"})
        values = {"preferences": preferences_form(request, me, {"time_zone": "Mars/Base"}, errors)}
        page = _render_string(request, template, values, folder)
        assert 'id="preferences-time-zone-error"' in page
        assert 'value="Mars/Base" translate="no" selected="selected"' in page
        assert 'aria-invalid="true"' in page


def _render_string(request, template: str, values: dict, folder: Path) -> str:
    from pyramid.renderers import render

    path = folder / "probe.pt"
    path.write_text(template)
    try:
        return render(str(path), values, request=request)
    finally:
        path.unlink()


# --- the language picker --------------------------------------------------------------


def picker(page):
    return next(f for f in page.forms.values() if f.action.endswith("/language"))


def test_the_picker_keeps_the_choice_in_a_cookie_and_stays_on_the_page(web):
    page = web.get("/login?next=/tickets/")
    form = picker(page)
    assert form.action == "/language" and form["came_from"].value == "/login?next=/tickets/"
    assert "csrf_token" not in form.fields, "visitors get no session for a picker"
    form["locale"] = "de"
    answer = form.submit(status=303)
    assert answer.location == "http://localhost/login?next=/tickets/"
    assert web.cookies[LOCALE_COOKIE] == "de"
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=" in cookie
    assert lang_of(web.get("/")) == "de"


@pytest.mark.parametrize("came_from", ["https://evil.example/", "//evil.example", "", None])
def test_the_picker_only_goes_back_to_pages_of_this_site(web, came_from):
    params = {"locale": "fr"} | ({"came_from": came_from} if came_from is not None else {})
    answer = web.post("/language", params, status=303)
    assert answer.location == "http://localhost/"


@pytest.mark.parametrize("locale", ["xx", "", "de\x00", "<script>"])
def test_the_picker_ignores_a_language_not_offered(web, locale):
    web.set_cookie(LOCALE_COOKIE, "fr")
    answer = web.post("/language", {"locale": locale, "came_from": "/"}, expect_errors=True)
    assert answer.status_int in (303, 400)
    assert "Set-Cookie" not in answer.headers or LOCALE_COOKIE not in answer.headers["Set-Cookie"]


def test_a_signed_in_user_keeps_the_choice_in_the_profile(web):
    user = make_administrator(web, unique("picker"))
    log_in(web, user, interface="management")
    page = web.get("/management/")
    form = picker(page)
    assert form.action == "/management/language" and form["csrf_token"].value
    form["locale"] = "fr"
    answer = form.submit(status=303)
    assert answer.location == "http://localhost/management/"
    with db_session(engine_of(web)) as db:
        assert db.get(User, user.id).locale == "fr"
    web.post("/management/language", {"locale": "de", "came_from": "/management/"}, status=400)
    with db_session(engine_of(web)) as db:
        assert db.get(User, user.id).locale == "fr", "no token, no change"


def test_the_picker_is_left_out_when_one_language_is_offered(core_catalogs, tmp_path):
    app = make_test_app(
        plugins=["portal"], tmp_path=tmp_path, settings={"frontdesk.i18n.offered_locales": "en"}
    )
    assert app.get("/").html.select_one("form.language-picker") is None
    app.post("/language", {"locale": "de", "came_from": "/"}, status=303)
    assert LOCALE_COOKIE not in app.cookies


# --- time zone detection at login -----------------------------------------------------


def test_the_browsers_zone_is_adopted_at_the_first_login_only(web):
    user = make_customer(web, unique("detect"))

    def login_with(zone: str) -> None:
        web.reset()
        form = web.get("/login").forms["login-form"]
        assert "browser_time_zone" in form.fields
        form["username"], form["password"] = user.username, "test-password-1"
        form["browser_time_zone"] = zone
        form.submit(status=303)

    login_with("Not/A_Zone")
    with db_session(engine_of(web)) as db:
        assert db.get(User, user.id).time_zone is None, "an invalid zone is ignored"
    login_with("Europe/Berlin")
    login_with("Asia/Tokyo")
    with db_session(engine_of(web)) as db:
        assert db.get(User, user.id).time_zone == "Europe/Berlin", "kept once set"


# --- plugins' catalogs ----------------------------------------------------------------


PLUGIN_SOURCE = """
from pyramid.config import Configurator
from frontdesk import PUBLIC, Menu, MenuItem, PluginInfo, hookimpl
from frontdesk.i18n import TranslationStringFactory

_ = TranslationStringFactory("{domain}")
PLUGIN = PluginInfo(name="{name}", title=_("Greetings"), description=_("Says hello."))


@hookimpl
def frontdesk_configure(config: Configurator) -> None:
    config.add_route("{name}.page", "/{name}/")
    config.add_view(lambda request: {{"who": "Ada"}}, route_name="{name}.page",
                    renderer="templates/page.pt", permission=PUBLIC)


@hookimpl
def frontdesk_menu_items(menu):
    if menu == Menu.PORTAL:
        return [MenuItem(label=_("Greetings"), route_name="{name}.page")]
    return []
"""
PLUGIN_TEMPLATE = """<metal:page use-macro="layout">
  <metal:c fill-slot="content" i18n:domain="{domain}">
    <h1 i18n:translate="">Greetings</h1>
    <p id="hello" i18n:translate="">Hello <b i18n:name="who">${{who}}</b>!</p>
    <p id="nodomain" i18n:domain="" i18n:translate="">Not in a domain</p>
  </metal:c>
</metal:page>
"""


def make_plugin_package(root: Path, name: str, *, with_catalogs: bool = True) -> str:
    domain = f"{name}_domain"
    package = root / name
    (package / "templates").mkdir(parents=True)
    (package / "__init__.py").write_text(PLUGIN_SOURCE.format(name=name, domain=domain))
    (package / "templates" / "page.pt").write_text(PLUGIN_TEMPLATE.format(domain=domain))
    if with_catalogs:
        write_catalog(
            package / "locale",
            domain,
            "de",
            {"Greetings": "Grüße", "Hello ${who}!": "Hallo ${who}!"},
        )
    return name


def test_a_plugins_locale_folder_is_loaded_without_any_code(core_catalogs, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    name = make_plugin_package(tmp_path / "src", "acme_i18n_probe")
    module = __import__(name)
    try:
        app = make_test_app(plugins=["portal", module], tmp_path=tmp_path)
        page = app.get(f"/{name}/", headers={"Accept-Language": "de"})
        assert page.html.select_one("h1").text == "Grüße"
        assert page.html.select_one("#hello").text == "Hallo Ada!"
        assert "Grüße" in [a.text for a in page.html.select("nav.main-nav a")]
        assert page.html.select_one(".skip-link").text == "Zum Inhalt springen", "core's too"
        english = app.get(f"/{name}/")
        assert english.html.select_one("#hello").text == "Hello Ada!"
        pseudo = make_test_app(
            plugins=["portal", module],
            tmp_path=tmp_path / "pseudo",
            settings={"frontdesk.i18n.pseudo_locale": "on"},
        )
        pseudo.set_cookie(LOCALE_COOKIE, "qps")
        page = pseudo.get(f"/{name}/")
        assert page.html.select_one("#hello").text == "⟦Hello Ada!⟧", "data stays bare"
        assert page.html.select_one("#nodomain").text == "Not in a domain", "unknown: bare"
    finally:
        sys.modules.pop(name, None)


def test_a_plugin_without_catalogs_shows_its_english(core_catalogs, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    name = make_plugin_package(tmp_path / "src", "acme_i18n_bare", with_catalogs=False)
    module = __import__(name)
    try:
        app = make_test_app(plugins=["portal", module], tmp_path=tmp_path)
        page = app.get(f"/{name}/", headers={"Accept-Language": "de"})
        assert page.html.select_one("h1").text == "Greetings"
        assert page.html.select_one(".skip-link").text == "Zum Inhalt springen"
    finally:
        sys.modules.pop(name, None)


# --- the pseudo-locale ----------------------------------------------------------------


def test_the_pseudo_locale_wraps_known_domains_only(web):
    other = TranslationStringFactory("nobody_knows_this_domain")
    with app_request(web) as request:
        use_locale(request, "qps")
        localizer = request.localizer
        assert localizer.translate(_("Saved.")) == "⟦Saved.⟧"
        assert localizer.translate(_("Hello ${name}", mapping={"name": "Ada"})) == "⟦Hello Ada⟧"
        assert translate(request, _("Hello ${name}", mapping={"name": _("Management")})) == (
            "⟦Hello ⟦Management⟧⟧"
        )
        assert localizer.translate(other("Saved.")) == "Saved."
        assert localizer.translate("plain") == "plain"
        assert localizer.pluralize("${n} day", "${n} days", 2, "frontdesk", {"n": 2}) == (
            "⟦2 days⟧"
        )
        request.session.flash(_("Saved."))
        assert request.session.pop_flash() == ["⟦Saved.⟧"]
        assert request.format_datetime(MOMENT) == "Jul 14, 2026, 4:05\u202fPM", "English dates"
