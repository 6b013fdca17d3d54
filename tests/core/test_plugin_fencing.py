"""A plugin that cannot run here (incompatible core, failed import) contributes nothing:
no hooks called, no migrations, no permissions, no verifier; its reason is logged and
listed. A disabled plugin's verifier does not count either."""

from __future__ import annotations

import sys

import pytest
from sqlalchemy import inspect

from frontdesk import PluginInfo, hookimpl
from frontdesk.app import make_plugins
from frontdesk.cli import main
from frontdesk.db.state import set_setting
from frontdesk.i18n.messages import plain
from frontdesk.licensing.installed import (
    LICENSE_SETTING,
    NO_VERIFIER,
    LicenseError,
    install_license,
)
from frontdesk.migrations import runner as migrate
from frontdesk.testing import db_session, engine_of, set_plugin_enabled
from tests.core import test_cli
from tests.sample_plugins import outdated
from tests.sample_plugins.entry_points import write_distribution
from tests.sample_plugins.recorder import Recorder

ini = test_cli.ini


@pytest.fixture(autouse=True)
def no_calls():
    outdated.CALLS.clear()
    yield
    assert outdated.CALLS == [], "a fenced plugin's hooks were called"


@pytest.fixture
def half_loaded(tmp_path, monkeypatch):
    """The same plugin installed through an entry point whose import fails."""
    target = {"half_loaded": "tests.sample_plugins.outdated.half_loaded"}
    monkeypatch.syspath_prepend(str(write_distribution(tmp_path / "site", "half_dist", target)))
    yield "half_loaded"
    sys.modules.pop("tests.sample_plugins.outdated.half_loaded", None)


def test_an_incompatible_plugin_is_logged_and_never_registered(caplog):
    plugins = make_plugins({}, plugins=["portal", outdated])

    assert plain(plugins.get("outdated").problem) == "works with frontdesk >=5, this is 0.1.0"
    assert plugins.pm.get_plugin("outdated") is None
    assert "plugin 'outdated' stays off: works with frontdesk >=5" in caplog.text
    assert [r.levelname for r in caplog.records if "outdated" in r.getMessage()] == ["WARNING"]


def test_a_plugin_for_a_newer_core_may_implement_hooks_this_core_lacks():
    class FromCore5:
        PLUGIN = PluginInfo(name="from_core_5", title="From core 5", requires_core=">=5")

        @hookimpl
        def frontdesk_hook_of_core_5(self):
            raise AssertionError("never called")

    plugins = make_plugins({}, plugins=[FromCore5()])

    assert plugins.failed == {}
    assert plain(plugins.get("from_core_5").problem) == "works with frontdesk >=5, this is 0.1.0"


@pytest.mark.parametrize("which", ["incompatible", "failed import"])
def test_a_fenced_plugins_migrations_never_run(fresh, which, request):
    wanted = ["portal", outdated] if which == "incompatible" else ["portal", "half_loaded"]
    if which == "failed import":
        request.getfixturevalue("half_loaded")
    plugins = make_plugins({}, plugins=wanted)

    migrate.upgrade(fresh, plugins)

    assert "outdated_records" not in inspect(fresh).get_table_names()
    assert "users" in inspect(fresh).get_table_names()
    assert migrate.is_up_to_date(fresh, plugins)


@pytest.mark.parametrize("which", ["incompatible", "failed import"])
def test_a_fenced_plugins_verifier_never_decides_the_edition(db, which, request):
    wanted = ["portal", outdated] if which == "incompatible" else ["portal", "half_loaded"]
    if which == "failed import":
        request.getfixturevalue("half_loaded")
    plugins = make_plugins({}, plugins=wanted)

    with pytest.raises(LicenseError) as refused:
        install_license(db, plugins, {}, outdated.ENTERPRISE_KEY)

    assert refused.value.message == NO_VERIFIER


def test_an_incompatible_plugin_adds_no_edition_permission_or_menu_item(make_webapp, db):
    app = make_webapp(["portal", "management", "mobile", outdated])
    with db_session(engine_of(app)) as session:  # its key installed by hand, around the service
        set_setting(session, LICENSE_SETTING, outdated.ENTERPRISE_KEY, bumps_state=True)

    assert "available in the Enterprise edition" in app.get("/m/", status=404).text
    assert outdated.PERMISSION not in app.app.registry["frontdesk_permissions"]
    assert "Old records" not in app.get("/").text


def test_plugins_list_shows_why_fenced_plugins_are_off(
    capsys, ini, half_loaded, tmp_path, monkeypatch
):
    target = {"outdated": "tests.sample_plugins.outdated"}
    monkeypatch.syspath_prepend(str(write_distribution(tmp_path / "o", "outdated_dist", target)))

    assert main(["plugins", "list", ini]) == 0
    out = capsys.readouterr().out

    rows = {line.split()[0]: line for line in out.splitlines()[1:] if line.strip()}
    assert "inactive" in rows["outdated"]
    assert "works with frontdesk >=5, this is 0.1.0" in rows["outdated"]
    assert "failed" in rows["half_loaded"]
    assert "ImportError: No module named 'acme_client'" in rows["half_loaded"]
    assert "Edition in force: Free" in out


def test_a_disabled_plugins_verifier_does_not_count(make_webapp, db):
    """The administrator switched it off: it no longer decides the edition either."""
    app = make_webapp(["portal", "management", "mobile", Recorder()])
    registry = app.app.registry
    with db_session(engine_of(app)) as session:
        install_license(session, registry.frontdesk_plugins, registry.settings, "TEST-ENTERPRISE")
    assert app.get("/m/", expect_errors=True).status_int in (303, 403)

    set_plugin_enabled(app, "recorder", False)

    assert "available in the Enterprise edition" in app.get("/m/", status=404).text
    with db_session(engine_of(app)) as session, pytest.raises(LicenseError):
        install_license(session, registry.frontdesk_plugins, registry.settings, "TEST-ENTERPRISE")
