"""Plugins as a user of the framework sees them: loaded, wired, switched, refused."""

from __future__ import annotations

import sys

import pytest
from pyramid.exceptions import ConfigurationConflictError

from frontdesk import MenuItem, PluginInfo, hookimpl
from frontdesk.app import make_app, make_plugins
from frontdesk.i18n.messages import plain
from frontdesk.identity.accounts import create_user
from frontdesk.plugin_platform import hookspecs
from frontdesk.plugin_platform.permissions import DuplicatePermission, Permission
from frontdesk.plugin_platform.pluginmanager import PluginLoadError
from frontdesk.testing import TEST_SETTINGS, set_plugin_enabled
from tests.sample_plugins import greeter, odd
from tests.sample_plugins.entry_points import write_distribution


@pytest.fixture
def customer(commit):
    with commit() as db:
        create_user(db, username="casey", role="customer", password=None, display_name="Casey")
    return {"X-Test-User": "casey"}


def test_third_party_plugin_adds_route_view_permission_and_menu(make_webapp, customer):
    app = make_webapp(["portal", greeter])

    assert app.get("/greeting/", headers=customer).text == "Hello, Casey!"
    home = app.get("/", headers=customer)
    assert home.html.select_one('nav.main-nav a[href="/greeting/"]').text == "Greeting"
    assert "Say hello" in home.html.select_one(".user-menu").text


def test_plugin_view_requires_its_permission(make_webapp):
    app = make_webapp(["portal", greeter])

    assert app.get("/greeting/", status=303).location.endswith("/login?next=%2Fgreeting%2F")
    assert app.get("/").html.select_one('a[href="/greeting/"]') is None


def test_disabling_a_plugin_in_the_database_takes_effect_without_restart(make_webapp, customer):
    app = make_webapp(["portal", greeter])
    assert app.get("/greeting/", headers=customer).status_int == 200

    set_plugin_enabled(app, "greeter", False)

    assert app.get("/greeting/", headers=customer, status=404)
    assert app.get("/", headers=customer).html.select_one('a[href="/greeting/"]') is None

    set_plugin_enabled(app, "greeter", True)
    assert app.get("/greeting/", headers=customer).status_int == 200


def test_every_menu_item_of_a_disabled_plugin_vanishes_url_items_too(make_webapp, commit):
    with commit() as db:
        create_user(db, username="pat", role="customer", password="pat-password")
    app = make_webapp(["portal", greeter])
    form = app.get("/login").forms["login-form"]
    form["username"], form["password"] = "pat", "pat-password"
    form.submit(status=303)

    def user_menu() -> dict[str, str]:
        items = app.get("/").html.select(".user-menu a")
        return {a.text.strip(): a["href"] for a in items}

    assert user_menu()["Greeter website"] == "https://greeter.example/"
    assert user_menu()["Greeter handbook"] == "/greeting/?handbook"  # guarded by its permission

    set_plugin_enabled(app, "greeter", False)

    assert not {"Say hello", "Greeter website", "Greeter handbook"} & set(user_menu())
    assert "Change password" in user_menu()  # core's items stay


def test_url_menu_items_of_an_unlicensed_plugin_never_show(make_webapp, customer):
    class Premium:
        PLUGIN = PluginInfo(name="premium", title="Premium", edition="enterprise")

        @hookimpl
        def frontdesk_menu_items(self, menu):
            return [MenuItem(label="Premium portal", url="https://premium.example/")]

    app = make_webapp(["portal", Premium()])

    assert app.get("/", headers=customer).html.select_one('a[href^="https://premium"]') is None


def test_a_required_plugin_switched_off_takes_its_dependents_along(make_webapp, customer):
    app = make_webapp(["portal", greeter])
    set_plugin_enabled(app, "portal", False)

    assert app.get("/", status=404)
    assert app.get("/greeting/", headers=customer, status=404)


def test_plugin_found_through_its_entry_point(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(
        str(
            write_distribution(
                tmp_path, "greeter_dist", {"greeter": "tests.sample_plugins.greeter"}
            )
        )
    )

    plugins = make_plugins({})

    assert plugins.get("greeter").info.version == "1.2.3"
    assert plugins.get("portal") is not None


def test_ini_setting_pins_the_plugin_set():
    plugins = make_plugins({"frontdesk.plugins": "portal, kb"})

    assert sorted(p.info.name for p in plugins) == ["core", "kb", "portal"]


def test_plugin_failing_on_import_is_reported_and_left_out(tmp_path, monkeypatch, caplog):
    monkeypatch.syspath_prepend(
        str(write_distribution(tmp_path, "broken_dist", {"broken": "tests.sample_plugins.broken"}))
    )

    plugins = make_plugins({"frontdesk.plugins": "portal broken"})

    assert plugins.get("broken") is None
    assert "RuntimeError: greeter database driver missing" in plugins.failed["broken"]
    assert "plugin 'broken' left out" in caplog.text
    sys.modules.pop("tests.sample_plugins.broken", None)


def test_plugin_failing_on_import_is_fatal_in_strict_mode(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(
        str(write_distribution(tmp_path, "broken_dist", {"broken": "tests.sample_plugins.broken"}))
    )

    with pytest.raises(PluginLoadError, match="plugin 'broken': failed to load: RuntimeError"):
        make_plugins({"frontdesk.plugins": "broken", "frontdesk.strict_plugins": "true"})
    sys.modules.pop("tests.sample_plugins.broken", None)


def test_app_starts_without_a_broken_plugin(tmp_path, monkeypatch, make_webapp):
    monkeypatch.syspath_prepend(
        str(write_distribution(tmp_path, "broken_dist", {"broken": "tests.sample_plugins.broken"}))
    )
    app = make_webapp(["portal", "broken"])

    assert app.get("/").status_int == 200
    sys.modules.pop("tests.sample_plugins.broken", None)


def test_unknown_plugin_name_in_the_pin_is_reported():
    plugins = make_plugins({"frontdesk.plugins": "portal nosuch"})

    assert plugins.failed == {"nosuch": "plugin 'nosuch' is not installed"}


def test_misspelt_hook_is_refused_at_startup():
    plugins = make_plugins({}, plugins=[odd.Misspelt()])

    assert plugins.failed["misspelt"] == (
        "plugin 'misspelt' implements unknown hook(s) frontdesk_menu_itmes"
    )
    with pytest.raises(PluginLoadError, match="unknown hook"):
        make_plugins({"frontdesk.strict_plugins": "true"}, plugins=[odd.Misspelt()])


def test_plugin_without_declaration_is_refused():
    plugins = make_plugins({}, plugins=[odd.NoDeclaration()])

    assert "has no PLUGIN = PluginInfo(...)" in next(iter(plugins.failed.values()))


def test_two_plugins_with_one_name_are_refused():
    plugins = make_plugins({}, plugins=["portal", odd.NeedsMissing(), odd.NeedsMissing()])

    assert plugins.failed["needs_missing"] == "plugin name 'needs_missing' is used twice"


def test_plugin_for_another_core_version_stays_inactive_and_unconfigured(make_webapp):
    app = make_webapp(["portal", odd.FutureCore()])
    plugins = app.app.registry.frontdesk_plugins

    assert plain(plugins.get("future_core").problem) == "works with frontdesk >=5, this is 0.1.0"
    assert app.get("/").status_int == 200


def test_plugin_needing_a_higher_edition_answers_404_with_the_reason(make_webapp):
    app = make_webapp(["portal", odd.EnterpriseOnly()])

    page = app.get("/reports/", status=404)

    assert "Enterprise reports is available in the Enterprise edition" in page.text
    assert "Reports" not in app.get("/").html.select_one("header").text


def test_two_plugins_claiming_one_route_name_fail_at_startup(engine):
    class Twin:
        def __init__(self, name):
            self.PLUGIN = PluginInfo(name=name, title=name)

        @hookimpl
        def frontdesk_configure(self, config):
            config.add_route("shared.route", f"/{self.PLUGIN.name}/")

    with pytest.raises(ConfigurationConflictError):
        make_app(TEST_SETTINGS, plugins=[Twin("one"), Twin("two")], engine=engine)


def test_duplicate_permission_names_fail_at_startup(engine):
    class Copycat:
        PLUGIN = PluginInfo(name="copycat", title="Copycat")

        @hookimpl
        def frontdesk_permissions(self):
            return [Permission(name=greeter.VIEW, title="Same name")]

    with pytest.raises(DuplicatePermission, match="declared by both 'greeter' and 'copycat'"):
        make_app(TEST_SETTINGS, plugins=[greeter, Copycat()], engine=engine)


def test_renamed_hook_keeps_working_with_a_deprecation_warning(monkeypatch, make_webapp):
    monkeypatch.setitem(hookspecs.RENAMED_HOOKS, "frontdesk_navigation", "frontdesk_menu_items")

    class OldStyle:
        PLUGIN = PluginInfo(name="old_style", title="Old style")

        @hookimpl
        def frontdesk_navigation(self, menu):
            return [odd.MenuItem(label="Legacy link", url="/legacy")] if menu == "portal" else []

    with pytest.warns(hookspecs.FrontdeskDeprecationWarning, match="'old_style' implements"):
        app = make_webapp(["portal", OldStyle()])

    assert app.get("/").html.select_one('a[href="/legacy"]').text == "Legacy link"
