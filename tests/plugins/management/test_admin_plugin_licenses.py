"""The License page installs, lists and removes a plugin's own license (entitlement)."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from frontdesk import Edition
from frontdesk.licensing.tokens import issue
from tests.plugins.management.test_admin_fixtures import (  # noqa: F401  (fixtures)
    ADMIN,
    BUILTIN,
    desk_fixture,
    error,
    flashes,
    login,
)
from tests.sample_plugins import sla

EXPIRES = dt.date.today() + dt.timedelta(days=30)


@pytest.fixture
def app(make_webapp, desk):
    app = make_webapp((*BUILTIN, sla))
    login(app, "ada")
    return app


def paste(app, key, status=303):
    form = app.get(f"{ADMIN}/license").forms["license-form"]
    form["key"] = key
    return form.submit(status=status)


def sla_key(private=sla.VENDOR_KEY):
    return issue(
        private,
        licensee="Acme Ltd",
        edition=Edition.ENTERPRISE,
        seats=9,
        expires=EXPIRES,
        entitlement=sla.PRODUCT,
    )


def test_a_plugin_license_is_installed_listed_and_removed(app):
    page = app.get(f"{ADMIN}/license")
    row = page.html.select_one("#entitlement-acme-sla").text
    assert "not in force: none is installed" in row

    page = paste(app, sla_key()).follow()

    assert f"Plugin license installed: acme-sla for Acme Ltd, valid until {EXPIRES}." in flashes(
        page
    )
    assert page.html.select_one("h2").text == "Edition in force: Free"
    row = " ".join(page.html.select_one("#entitlement-acme-sla").text.split())
    assert f"Acme Ltd {EXPIRES.isoformat()} (30 days left)" in row
    assert app.get("/sla/").text == "SLA report"

    form = next(f for f in app.get(f"{ADMIN}/license").forms.values() if "entitlement" in f.fields)
    page = form.submit(status=303).follow()
    assert "Plugin license acme-sla removed: its plugins are off." in flashes(page)
    app.get("/sla/", status=404)


def test_a_key_from_another_vendor_is_refused_beside_the_field(app):
    key = sla_key(Ed25519PrivateKey.generate())
    page = paste(app, key, status=400)

    assert "signed by a key this installation does not trust" in error(page, "key")
    assert page.forms["license-form"]["key"].value == key
