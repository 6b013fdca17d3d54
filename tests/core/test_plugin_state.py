"""Which plugins are on: the rules, and the per-process cache that follows the database."""

from __future__ import annotations

import datetime as dt

import pytest

from frontdesk import Edition, License, PluginInfo
from frontdesk.app import make_plugins
from frontdesk.db import state
from frontdesk.i18n.messages import plain
from frontdesk.plugin_platform.plugin_state import Snapshot, StateCache, evaluate
from frontdesk.testing import db_session


def plugin(name, **kw):
    return type(name, (), {"PLUGIN": PluginInfo(name=name, title=name.title(), **kw)})()


def snapshot(switches=None, edition=None):
    license = None
    if edition:
        license = License(
            license_id="x",
            licensee="X",
            edition=edition,
            seats=1,
            issued=dt.date(2026, 1, 1),
            expires=dt.date(2999, 1, 1),
        )
    return Snapshot(version=1, switches=switches or {}, license=license)


@pytest.fixture
def plugins():
    return make_plugins(
        {},
        plugins=[
            plugin("base"),
            plugin("addon", requires=("base",)),
            plugin("deep", requires=("addon",)),
            plugin("pro", edition=Edition.PROFESSIONAL),
            plugin("orphan", requires=("absent",)),
            plugin("loop_a", requires=("loop_b",)),
            plugin("loop_b", requires=("loop_a",)),
        ],
    )


def test_installed_plugins_are_on_by_default(plugins):
    statuses = evaluate(plugins, snapshot())
    assert statuses["base"].active and statuses["addon"].active and statuses["deep"].active


def test_disabling_a_plugin_switches_off_everything_that_needs_it(plugins):
    statuses = evaluate(plugins, snapshot({"base": False}))
    assert statuses["base"].reason == "disabled by an administrator"
    assert plain(statuses["addon"].reason) == "needs plugin 'base', which is off"
    assert plain(statuses["deep"].reason) == "needs plugin 'addon', which is off"


def test_missing_requirement_is_named(plugins):
    assert (
        plain(evaluate(plugins, snapshot())["orphan"].reason)
        == "needs plugin 'absent', which is not installed"
    )


def test_edition_gates_plugins(plugins):
    free = evaluate(plugins, snapshot())["pro"]
    assert not free.active and free.needs_edition == Edition.PROFESSIONAL
    assert "available in the Professional edition" in plain(free.reason)
    assert evaluate(plugins, snapshot(edition=Edition.PROFESSIONAL))["pro"].active
    assert evaluate(plugins, snapshot(edition=Edition.ENTERPRISE))["pro"].active


def test_expired_license_counts_as_free(plugins):
    expired = Snapshot(
        version=1,
        switches={},
        license=License(
            license_id="x",
            licensee="X",
            edition=Edition.ENTERPRISE,
            seats=1,
            issued=dt.date(2020, 1, 1),
            expires=dt.date(2020, 2, 1),
        ),
    )
    assert expired.edition == Edition.FREE
    assert not evaluate(plugins, expired)["pro"].active


def test_circular_requirements_do_not_hang(plugins):
    statuses = evaluate(plugins, snapshot())
    assert not statuses["loop_a"].active and not statuses["loop_b"].active


def test_edition_order():
    assert Edition.FREE < Edition.PROFESSIONAL < Edition.ENTERPRISE
    assert max(Edition) == Edition.ENTERPRISE


def test_cache_reloads_when_another_process_bumps_the_version(engine, plugins):
    cache = StateCache(plugins, {}, interval=0)
    with db_session(engine) as db:
        assert cache.current(db)[1]["base"].active

    with db_session(engine) as other_process:
        state.switch_plugin(other_process, "base", False)

    with db_session(engine) as db:
        assert not cache.current(db)[1]["base"].active


def test_cache_does_not_query_again_within_its_interval(engine, plugins):
    cache = StateCache(plugins, {}, interval=3600)
    with db_session(engine) as db:
        first = cache.current(db)
    with db_session(engine) as other_process:
        state.switch_plugin(other_process, "base", False)
    with db_session(engine) as db:
        assert cache.current(db) is not None
        assert cache.current(db)[1]["base"].active, "served from the cache"
        cache.invalidate()
        reloaded = cache.current(db)
    assert not reloaded[1]["base"].active
    assert reloaded[0].version > first[0].version
