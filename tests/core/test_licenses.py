"""The license service and agent seats, on every database, and licenses in a running app."""

from __future__ import annotations

import datetime as dt
import threading
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from frontdesk import Edition, License
from frontdesk.app import make_plugins
from frontdesk.db.state import get_setting, read_state_version, set_setting
from frontdesk.db.users import User
from frontdesk.i18n.messages import plain
from frontdesk.identity.accounts import ValidationError, activate_user, create_user
from frontdesk.licensing.installed import (
    LICENSE_SETTING,
    NO_VERIFIER,
    LicenseError,
    active_agent_count,
    current_license,
    current_seat_limit,
    install_license,
    remove_license,
    seat_limit,
)
from frontdesk.licensing.tokens import issue, read_private_key, write_keypair
from frontdesk.testing import db_session, engine_of
from tests.sample_plugins import greeter
from tests.sample_plugins.recorder import Recorder

FULL = (
    "All {} agent seats of the license are in use; "
    "deactivate an agent or install a license with more seats."
)


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """A trusted signing key (listed in the settings) and a stranger's."""
    folder = tmp_path_factory.mktemp("license-keys")
    public = write_keypair(folder / "test-vendor.key")
    write_keypair(folder / "stranger.key")
    return SimpleNamespace(
        trusted=read_private_key(folder / "test-vendor.key"),
        stranger=read_private_key(folder / "stranger.key"),
        public=public,
    )


@pytest.fixture
def settings(keys):
    return {"frontdesk.license.public_keys": str(keys.public)}


@pytest.fixture(scope="module")
def plugins():
    """The core alone: its built-in verifier is the only one."""
    return make_plugins({}, plugins=[])


def key_for(private, **kw):
    args = {
        "licensee": "Acme Ltd",
        "edition": Edition.ENTERPRISE,
        "seats": 3,
        "expires": dt.date.today() + dt.timedelta(days=365),
        "issued": dt.date.today() - dt.timedelta(days=1),
        **kw,
    }
    return issue(private, **args)


def expired_key(private, **kw):
    return key_for(private, issued=dt.date(2020, 1, 1), expires=dt.date(2020, 12, 31), **kw)


def staff(db, count, role="agent", prefix="agent"):
    return [
        create_user(db, username=f"{prefix}{i}", role=role, password=None) for i in range(count)
    ]


# --- installing, showing, removing ---------------------------------------------------------


def test_install_stores_the_key_and_tells_every_process(db, plugins, settings, keys):
    before = read_state_version(db)
    key = key_for(keys.trusted)
    license = install_license(db, plugins, settings, key)
    db.commit()
    assert license.edition == Edition.ENTERPRISE and license.licensee == "Acme Ltd"
    assert license.signed_by == "local:test-vendor"
    assert get_setting(db, LICENSE_SETTING) == key
    assert read_state_version(db) > before
    assert current_license(db, plugins, settings) == (license, None)


def test_a_wrapped_pasted_key_is_stored_on_one_line(db, plugins, settings, keys):
    key = key_for(keys.trusted)
    pasted = "\n" + "\n".join(key[i : i + 60] for i in range(0, len(key), 60)) + "\n"
    install_license(db, plugins, settings, pasted)
    assert get_setting(db, LICENSE_SETTING) == key


REFUSALS = {
    "empty": (lambda k: "   \n", "No license key was given."),
    "garbage": (lambda k: "hello, I am a license", NO_VERIFIER),
    "truncated": (lambda k: key_for(k.trusted)[:-30], "incomplete"),
    "malformed": (lambda k: "FD1.bm90IGpzb24." + "A" * 86, "malformed"),
    "tampered": (
        lambda k: _edit(key_for(k.trusted, edition=Edition.PROFESSIONAL), "professional"),
        "altered after it was signed",
    ),
    "untrusted": (
        lambda k: key_for(k.stranger),
        "signed by a key this installation does not trust",
    ),
    "expired": (lambda k: expired_key(k.trusted), "expired on 2020-12-31"),
    "not valid yet": (
        lambda k: key_for(k.trusted, issued=dt.date.today() + dt.timedelta(days=2)),
        f"is not valid before {dt.date.today() + dt.timedelta(days=2)}",
    ),
}


def _edit(key, edition):
    """Swap the edition inside a signed payload (its JSON is compact, so the text is found
    in base64 only after decoding)."""
    import base64
    import json

    prefix, payload, signature = key.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert data["edition"] == edition
    data["edition"] = "enterprise"
    body = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{prefix}.{body}.{signature}"


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_refused_key_changes_nothing(db, plugins, settings, keys, case):
    make_key, message = REFUSALS[case]
    installed = key_for(keys.trusted, edition=Edition.PROFESSIONAL)
    install_license(db, plugins, settings, installed)
    db.commit()
    version = read_state_version(db)

    with pytest.raises(LicenseError) as refused:
        install_license(db, plugins, settings, make_key(keys))
    assert message in plain(refused.value.message)
    db.commit()
    assert get_setting(db, LICENSE_SETTING) == installed
    assert read_state_version(db) == version
    assert current_license(db, plugins, settings)[0].edition == Edition.PROFESSIONAL


def test_an_unreadable_trusted_key_is_a_refusal_not_a_crash(db, plugins, keys, tmp_path):
    bad = tmp_path / "broken.pub"
    bad.write_text("not a key\n")
    with pytest.raises(LicenseError, match="trusted public key cannot be read"):
        install_license(
            db, plugins, {"frontdesk.license.public_keys": str(bad)}, key_for(keys.trusted)
        )


def test_a_plugins_verifier_answers_before_the_built_in_one(db, settings, keys):
    plugins = make_plugins({}, plugins=[Recorder()])
    assert install_license(db, plugins, settings, "TEST-ENTERPRISE").licensee == "Test Co"
    with pytest.raises(LicenseError, match="the signature does not match"):
        install_license(db, plugins, settings, "TEST-FORGED")
    # Keys the plugin does not read still reach the built-in verifier.
    assert install_license(db, plugins, settings, key_for(keys.trusted)).licensee == "Acme Ltd"


def test_remove(db, plugins, settings, keys):
    assert remove_license(db) is False
    install_license(db, plugins, settings, key_for(keys.trusted))
    db.commit()
    version = read_state_version(db)
    assert remove_license(db) is True
    db.commit()
    assert get_setting(db, LICENSE_SETTING) is None and read_state_version(db) > version
    assert current_license(db, plugins, settings) == (None, None)


def test_current_license_says_why_an_installed_key_grants_nothing(db, plugins, settings, keys):
    set_setting(db, LICENSE_SETTING, expired_key(keys.trusted), bumps_state=True)
    license, problem = current_license(db, plugins, settings)
    assert license.is_expired() and license.licensee == "Acme Ltd"
    assert "expired on 2020-12-31; the Free edition is in force" in plain(problem)

    install_license(db, plugins, settings, key_for(keys.trusted))
    license, problem = current_license(db, plugins, {})  # the signer is no longer trusted
    assert license is None and "does not trust" in plain(problem)


def test_an_installed_key_that_is_not_valid_yet_grants_nothing(db, plugins, settings, keys):
    """Installed while the server's clock ran ahead (or written by hand): Free until then."""
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    key = key_for(keys.trusted, issued=tomorrow)
    set_setting(db, LICENSE_SETTING, key, bumps_state=True)
    license, problem = current_license(db, plugins, settings)
    assert license is None
    assert plain(problem) == (
        f"The Enterprise license for Acme Ltd is not valid before {tomorrow.isoformat()}; "
        "the Free edition is in force until then."
    )
    assert current_seat_limit(db, plugins, settings) is None
    valid_then = current_license(db, plugins, settings, today=tomorrow)[0]
    assert valid_then is not None and valid_then.edition == Edition.ENTERPRISE


# --- seats ---------------------------------------------------------------------------------


def test_seat_limit_rules():
    def lic(edition=Edition.ENTERPRISE, expires=dt.date(2999, 1, 1)):
        return License(
            license_id="x",
            licensee="X",
            edition=edition,
            seats=4,
            issued=dt.date(2020, 1, 1),
            expires=expires,
        )

    assert seat_limit(None) is None, "no license: Free, unlimited"
    assert seat_limit(lic(Edition.FREE)) is None, "a Free license has no seat limit"
    assert seat_limit(lic(expires=dt.date(2020, 2, 1))) is None, "expired: Free, unlimited"
    assert seat_limit(lic()) == 4
    assert seat_limit(lic(Edition.PROFESSIONAL)) == 4
    assert seat_limit(lic(expires=dt.date(2030, 1, 1)), today=dt.date(2030, 1, 1)) == 4
    assert seat_limit(lic(expires=dt.date(2030, 1, 1)), today=dt.date(2030, 1, 2)) is None


def test_active_staff_are_counted(db):
    staff(db, 2)
    staff(db, 1, role="administrator", prefix="admin")
    staff(db, 3, role="customer", prefix="customer")
    gone = create_user(db, username="gone", role="agent", password=None)
    gone.active = False
    db.flush()
    assert active_agent_count(db) == 3


def test_creating_staff_beyond_the_seats_is_refused(db):
    staff(db, 2)
    users = db.scalar(select(func.count(User.id)))
    for role in ("agent", "administrator"):
        with pytest.raises(ValidationError) as refused:
            create_user(db, username=f"new-{role}", role=role, password=None, seat_limit=2)
        assert plain(refused.value.errors["role"]) == FULL.format(2)
    assert db.scalar(select(func.count(User.id))) == users, "nothing was added"
    # Customers take no seat; more seats make room; no limit means no limit.
    create_user(db, username="casey", role="customer", password=None, seat_limit=2)
    create_user(db, username="third", role="agent", password=None, seat_limit=3)
    create_user(db, username="fourth", role="agent", password=None, seat_limit=None)
    assert active_agent_count(db) == 4


def test_seat_refusal_is_reported_with_the_other_field_errors(db):
    staff(db, 1)
    with pytest.raises(ValidationError) as refused:
        create_user(db, username="x", role="agent", password="short", seat_limit=1)
    assert set(refused.value.errors) == {"username", "password", "role"}


def test_reactivating_staff_beyond_the_seats_is_refused(db):
    agents = staff(db, 3)
    for agent in agents[1:]:
        agent.active = False
    customer = create_user(db, username="casey", role="customer", password=None)
    customer.active = False
    db.flush()

    activate_user(db, agents[1], seat_limit=2)
    assert agents[1].active
    with pytest.raises(ValidationError) as refused:
        activate_user(db, agents[2], seat_limit=2)
    assert plain(refused.value.errors["role"]) == FULL.format(2)
    assert not agents[2].active
    activate_user(db, customer, seat_limit=2)
    assert customer.active, "customers take no seat"
    activate_user(db, agents[0], seat_limit=1)  # already active: nothing to do
    activate_user(db, agents[2], seat_limit=None)
    assert agents[2].active


def test_a_smaller_license_deletes_and_deactivates_nobody(db, plugins, settings, keys):
    install_license(db, plugins, settings, key_for(keys.trusted, seats=5))
    agents = staff(db, 4)
    db.commit()

    install_license(db, plugins, settings, key_for(keys.trusted, seats=2))
    db.commit()
    assert all(agent.active for agent in agents)
    assert active_agent_count(db) == 4
    limit = current_seat_limit(db, plugins, settings)
    assert limit == 2
    with pytest.raises(ValidationError):
        create_user(db, username="fifth", role="agent", password=None, seat_limit=limit)
    agents[0].active = False
    db.flush()
    with pytest.raises(ValidationError):  # 3 active still exceed 2 seats
        activate_user(db, agents[0], seat_limit=limit)


def test_an_expired_license_locks_nobody_out(db, plugins, settings, keys):
    set_setting(db, LICENSE_SETTING, expired_key(keys.trusted, seats=1))
    staff(db, 2)
    limit = current_seat_limit(db, plugins, settings)
    assert limit is None
    create_user(db, username="third", role="agent", password=None, seat_limit=limit)


def test_two_processes_cannot_both_take_the_last_seat(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer at a time in; the row lock is PostgreSQL's")
    first = Session(engine)
    outcome: dict[str, str] = {}

    def second_process():
        with Session(engine) as other:
            try:
                create_user(other, username="second", role="agent", password=None, seat_limit=1)
                other.commit()
                outcome["second"] = "created"
            except ValidationError as exc:
                outcome["second"] = plain(exc.errors["role"])

    try:
        create_user(first, username="first", role="agent", password=None, seat_limit=1)
        thread = threading.Thread(target=second_process)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive(), "the second creation waits for the first to finish"
        first.commit()
        thread.join(15)
    finally:
        first.close()
    assert outcome == {"second": FULL.format(1)}


# --- in a running app ----------------------------------------------------------------------


def test_installing_and_removing_a_license_switches_mobile_without_restart(
    make_webapp, keys, settings
):
    app = make_webapp(["portal", "management", "mobile"], **settings)
    assert "available in the Enterprise edition" in app.get("/m/", status=404).text

    registry = app.app.registry
    with db_session(engine_of(app)) as db:
        install_license(db, registry.frontdesk_plugins, registry.settings, key_for(keys.trusted))
    page = app.get("/m/", expect_errors=True)
    # The mobile interface answers: it refuses an anonymous visitor (403), or sends them to
    # its login page once one exists.
    assert page.status_int in (303, 403), page.status

    with db_session(engine_of(app)) as db:
        remove_license(db)
    assert "available in the Enterprise edition" in app.get("/m/", status=404).text


def test_a_key_from_an_untrusted_signer_does_not_unlock_mobile(make_webapp, keys, settings):
    app = make_webapp(["portal", "management", "mobile"], **settings)
    with db_session(engine_of(app)) as db:  # written around the service, as by hand in SQL
        set_setting(db, LICENSE_SETTING, key_for(keys.stranger), bumps_state=True)
    assert "available in the Enterprise edition" in app.get("/m/", status=404).text


@pytest.fixture
def people(commit):
    with commit() as db:
        create_user(db, username="root", role="administrator", password=None)
        create_user(db, username="agent", role="agent", password=None)
    return {role: {"X-Test-User": role} for role in ("root", "agent")}


def banner_of(page):
    return page.html.select_one("main > p.banner.banner--warning[role=alert]")


def test_administrators_see_a_banner_when_the_license_expired(make_webapp, keys, settings, people):
    app = make_webapp(["portal", greeter], **settings)
    with db_session(engine_of(app)) as db:
        set_setting(
            db,
            LICENSE_SETTING,
            expired_key(keys.trusted, licensee="<b>Evil</b> & Co"),
            bumps_state=True,
        )
    page = app.get("/", headers=people["root"])
    banner = banner_of(page)
    assert banner is not None
    assert banner.text == (
        "The license for <b>Evil</b> & Co expired on 2020-12-31; this installation now runs "
        "the Free edition. Install a new license to restore Enterprise features."
    )
    assert "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in page.text, "the licensee is escaped"
    assert banner_of(app.get("/", headers=people["agent"])) is None
    assert banner_of(app.get("/")) is None

    with db_session(engine_of(app)) as db:
        install_license(db, app.app.registry.frontdesk_plugins, settings, key_for(keys.trusted))
    assert banner_of(app.get("/", headers=people["root"])) is None


def test_no_banner_without_a_license(make_webapp, settings, people):
    app = make_webapp(["portal", greeter], **settings)
    assert banner_of(app.get("/", headers=people["root"])) is None
