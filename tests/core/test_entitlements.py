"""A plugin's own license (entitlement): verified only by the plugin's vendor keys,
switching on only that plugin, never the installation's edition."""

from __future__ import annotations

import base64
import datetime as dt
from types import SimpleNamespace

import pytest

from frontdesk import Edition
from frontdesk.cli import main
from frontdesk.db.state import get_setting, set_setting
from frontdesk.licensing.installed import (
    LICENSE_SETTING,
    LicenseError,
    current_license,
    entitlement_setting,
    install_license,
    remove_entitlement,
)
from frontdesk.licensing.tokens import issue, read_private_key, write_keypair
from frontdesk.testing import db_session, engine_of
from tests.sample_plugins import sla
from tests.sample_plugins.entry_points import write_distribution

PLUGINS = ("portal", "management", "mobile", sla)
OFF = "Acme SLA needs a license of its own (acme-sla)"


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """The core's trusted vendor key (listed in the settings) and a stranger's."""
    folder = tmp_path_factory.mktemp("entitlement-keys")
    public = write_keypair(folder / "core-vendor.key")
    write_keypair(folder / "stranger.key")
    return SimpleNamespace(
        core=read_private_key(folder / "core-vendor.key"),
        stranger=read_private_key(folder / "stranger.key"),
        settings={"frontdesk.license.public_keys": str(public)},
    )


def sla_key(private=sla.VENDOR_KEY, **kw):
    """An acme-sla key; it even claims Enterprise, which must grant nothing."""
    args = {
        "licensee": "Acme Ltd",
        "edition": Edition.ENTERPRISE,
        "seats": 99,
        "issued": dt.date.today() - dt.timedelta(days=1),
        "expires": dt.date.today() + dt.timedelta(days=30),
        "entitlement": sla.PRODUCT,
        **kw,
    }
    return issue(private, **args)


@pytest.fixture
def app(make_webapp, keys):
    return make_webapp(PLUGINS, **keys.settings)


def install(app, key):
    registry = app.app.registry
    with db_session(engine_of(app)) as db:
        return install_license(db, registry.frontdesk_plugins, registry.settings, key)


def test_the_plugin_is_off_without_its_key(app):
    page = app.get("/sla/", status=404)

    assert f"{OFF}: none is installed" in page.text
    assert "SLA report" not in app.get("/").text


def test_a_valid_key_switches_on_the_plugin_but_never_the_edition(app):
    license = install(app, sla_key())

    assert license.entitlement == sla.PRODUCT and license.licensee == "Acme Ltd"
    assert app.get("/sla/").text == "SLA report"
    assert "SLA report" in app.get("/").text
    # It claims Enterprise, yet the installation stays Free: mobile stays off.
    assert "available in the Enterprise edition" in app.get("/m/", status=404).text
    registry = app.app.registry
    with db_session(engine_of(app)) as db:
        assert get_setting(db, LICENSE_SETTING) is None
        assert current_license(db, registry.frontdesk_plugins, registry.settings) == (None, None)


def test_a_core_license_is_kept_beside_an_entitlement(app, keys):
    core_key = issue(
        keys.core,
        licensee="Acme Ltd",
        edition=Edition.ENTERPRISE,
        seats=5,
        expires=dt.date.today() + dt.timedelta(days=30),
    )
    install(app, core_key)
    install(app, sla_key())

    assert app.get("/sla/").text == "SLA report"
    assert app.get("/m/", expect_errors=True).status_int in (303, 403)  # Enterprise on


def test_an_expired_key_turns_the_plugin_off(app):
    install(app, sla_key())
    expired = sla_key(issued=dt.date(2020, 1, 1), expires=dt.date(2020, 12, 31))
    with pytest.raises(LicenseError, match="expired on 2020-12-31"):
        install(app, expired)
    assert app.get("/sla/").status_int == 200, "a refused key changes nothing"

    with db_session(engine_of(app)) as db:  # as if the valid one had lapsed
        set_setting(db, entitlement_setting(sla.PRODUCT), expired, bumps_state=True)

    page = app.get("/sla/", status=404)
    assert f"{OFF}: the one for Acme Ltd expired on 2020-12-31" in page.text


@pytest.mark.parametrize("signer", ["stranger", "core"])
def test_a_key_signed_by_another_vendor_is_refused(app, keys, signer):
    """Even the core's own trusted vendor key cannot sign a plugin's entitlement."""
    with pytest.raises(LicenseError, match="signed by a key this installation does not trust"):
        install(app, sla_key(getattr(keys, signer)))

    with db_session(engine_of(app)) as db:
        assert get_setting(db, entitlement_setting(sla.PRODUCT)) is None
    app.get("/sla/", status=404)


def test_an_entitlement_key_stored_as_the_core_license_grants_nothing(app):
    with db_session(engine_of(app)) as db:  # written around the service, by hand in SQL
        set_setting(db, LICENSE_SETTING, sla_key(), bumps_state=True)

    assert "available in the Enterprise edition" in app.get("/m/", status=404).text
    app.get("/sla/", status=404)


def test_a_key_for_a_product_no_plugin_needs_is_refused(app):
    with pytest.raises(LicenseError, match="'acme-crm', which no installed plugin needs"):
        install(app, sla_key(entitlement="acme-crm"))


def test_a_key_nested_thousands_deep_is_refused_not_a_crash(app):
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    payload = b64(b'{"entitlement":"acme-sla","x":' + b"[" * 5000)
    with pytest.raises(LicenseError, match="malformed"):
        install(app, f"FD1.{payload}.{b64(bytes(64))}")


def test_removing_the_entitlement_turns_the_plugin_off(app):
    install(app, sla_key())
    with db_session(engine_of(app)) as db:
        assert remove_entitlement(db, sla.PRODUCT) is True
    assert f"{OFF}: none is installed" in app.get("/sla/", status=404).text


# --- from the command line -----------------------------------------------------------------


@pytest.fixture
def ini(tmp_path, engine, monkeypatch):
    """A config pinning the portal and the licensed plugin, found through its entry point."""
    target = {"acme_sla": "tests.sample_plugins.sla"}
    monkeypatch.syspath_prepend(str(write_distribution(tmp_path / "site", "sla_dist", target)))
    url = engine.url.render_as_string(hide_password=False)
    path = tmp_path / "frontdesk.ini"
    path.write_text(
        f"[app:main]\nuse = egg:frontdesk\nsqlalchemy.url = {url}\n"
        "frontdesk.session.secret = cli-test\nfrontdesk.plugins = portal acme_sla\n"
    )
    return str(path)


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_vendor_issues_and_the_admin_installs_shows_and_removes_a_plugin_license(
    capsys, ini, tmp_path
):
    private = tmp_path / "acme.key"
    private.write_text(base64.b64encode(sla.VENDOR_KEY.private_bytes_raw()).decode() + "\n")
    expires = dt.date.today() + dt.timedelta(days=30)
    code, key, _ = run(
        capsys, "license", "issue", "--private-key", private, "--licensee", "Acme Ltd",
        "--entitlement", "acme-sla", "--expires", expires.isoformat(),
    )  # fmt: skip
    assert code == 0

    code, out, _ = run(capsys, "license", "install", ini, key.strip())
    assert code == 0 and "Plugin license installed: acme-sla." in out

    code, out, _ = run(capsys, "license", "show", ini)
    assert "No license installed: Free edition" in out
    assert f"  acme-sla: Acme Ltd, expires {expires.isoformat()} (30 days left)" in out
    _, out, _ = run(capsys, "plugins", "list", ini)
    row = next(line for line in out.splitlines() if line.startswith("acme_sla"))
    assert row.split()[3] == "active"

    code, out, _ = run(capsys, "license", "remove", "--entitlement", "acme-sla", ini)
    assert code == 0 and "Plugin license acme-sla removed" in out
    _, out, _ = run(capsys, "license", "show", ini)
    assert "  acme-sla: not in force: none is installed" in out


def test_an_entitlement_key_needs_no_edition_and_takes_none(capsys, tmp_path):
    private = tmp_path / "acme.key"
    write_keypair(private)
    code, _, err = run(
        capsys, "license", "issue", "--private-key", private, "--licensee", "Acme",
        "--entitlement", "acme-sla", "--edition", "enterprise", "--expires", "2099-01-01",
    )  # fmt: skip
    assert code == 2 and "leave out --edition and --seats" in err
