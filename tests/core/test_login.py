"""Logging in and out of each interface, as people (and attackers) do it."""

from __future__ import annotations

import pytest
from webtest import TestApp

from frontdesk import PluginInfo, hookimpl
from frontdesk.db.users import User
from frontdesk.identity.accounts import create_user, find_user
from frontdesk.identity.passwords import hash_password, needs_rehash, verify_password

PASSWORDS = {"casey": "casey-password", "alex": "alex-password", "ada": "ada-password"}


@pytest.fixture
def people(commit):
    with commit() as db:
        create_user(
            db,
            username="casey",
            role="customer",
            password=PASSWORDS["casey"],
            display_name="Casey Customer",
        )
        create_user(
            db, username="alex", role="agent", password=PASSWORDS["alex"], display_name="Alex Agent"
        )
        create_user(
            db,
            username="ada",
            role="administrator",
            password=PASSWORDS["ada"],
            display_name="Ada Admin",
        )


@pytest.fixture
def app(make_webapp, people):
    return make_webapp(["portal", "management", "mobile"])


def login(app, username, password=None, prefix="", next=None, status=303):
    """Fill in and send the login form of the interface at ``prefix``."""
    url = f"{prefix}/login" + (f"?next={next}" if next else "")
    form = app.get(url).forms["login-form"]
    form["username"] = username
    form["password"] = PASSWORDS.get(username, "x") if password is None else password
    return form.submit(status=status)


def test_login_flow_by_the_visible_labels(app):
    home = app.get("/")
    assert home.html.select_one("header a.button").text == "Login"
    page = home.click("Login")
    assert page.html.select_one('label[for="username"]').text == "Username"
    assert page.html.select_one('label[for="password"]').text == "Password"
    assert page.html.select_one('button[type="submit"]').text == "Login"

    done = login(app, "casey").follow()

    assert done.html.select_one(".user-menu__name").text == "Casey Customer"


def test_wrong_password_and_unknown_user_look_the_same(app):
    wrong = login(app, "casey", "not-her-password", status=400)
    unknown = login(app, "nobody", "not-her-password", status=400)

    def message(page):
        return page.html.select_one('[role="alert"]').text

    assert message(wrong) == message(unknown) == "Wrong username or password."
    assert wrong.status_int == unknown.status_int
    assert wrong.html.select_one("#username")["value"] == "casey", "input kept"


def test_empty_fields_are_reported_beside_the_fields(app):
    page = login(app, "", "", status=400)
    assert page.html.select_one("#username-error").text == "Enter your username."
    assert page.html.select_one("#password-error").text == "Enter your password."


def test_failed_logins_are_throttled_then_refused_even_with_the_right_password(app):
    for _ in range(5):  # the fifth failure locks the account for a while
        login(app, "casey", "guess", status=400)

    page = login(app, "casey", status=429)

    assert "Too many failed login attempts. Try again in 30 seconds." in page.text
    assert int(page.headers["Retry-After"]) == 30
    for _ in range(5):  # an unknown account is throttled alike: nothing is revealed
        login(app, "ghost", "guess", status=400)
    assert "Too many failed" in login(app, "ghost", "guess", status=429).text


ATTACKER, OWNER = "203.0.113.66", "198.51.100.7"


def from_address(app, address):
    """``app`` as seen from another client address (cookies of its own)."""
    return TestApp(app.app, extra_environ={**app.extra_environ, "REMOTE_ADDR": address})


def lock_out(app, username, address=ATTACKER, prefix=""):
    attacker = from_address(app, address)
    for _ in range(6):  # the last is refused outright, even before checking the password
        login(attacker, username, "guess", prefix=prefix, status=(400, 429))
    login(attacker, username, prefix=prefix, status=429)
    return attacker


def test_an_attacker_locks_only_their_own_address_out_of_the_administrators_account(app):
    lock_out(app, "ada", prefix="/management")

    owner = from_address(app, OWNER)
    page = login(owner, "ada", prefix="/management").follow()

    assert page.html.select_one(".user-menu__name").text == "Ada Admin"


def test_one_address_guessing_many_accounts_is_capped_even_for_a_right_password(app):
    attacker = from_address(app, ATTACKER)
    for n in range(20):
        login(attacker, f"user{n}", "guess", status=400)

    assert "Too many failed" in login(attacker, "casey", status=429).text
    login(from_address(app, OWNER), "casey")  # other addresses are untouched


def test_a_new_password_lifts_the_lock_from_every_address(app, commit):
    attacker = lock_out(app, "casey")
    with commit() as db:
        from frontdesk.identity.accounts import set_password

        set_password(db, find_user(db, "casey"), "casey-new-password")

    login(attacker, "casey", "casey-new-password")


def test_login_without_csrf_token_is_refused(app):
    page = app.post("/login", {"username": "casey", "password": PASSWORDS["casey"]}, status=400)
    assert "Form expired" in page.text


def test_portal_login_does_not_open_management(app):
    login(app, "alex")
    assert app.get("/management/", status=303).location.startswith(
        "http://localhost/management/login"
    )


def test_agent_reaches_management_through_the_dropdown_and_logs_in_again(app):
    portal = login(app, "alex").follow()
    link = portal.html.find("a", string="Management Interface")
    assert link is not None and link["href"] == "/management/"

    to_login = app.get(link["href"], status=303).follow()
    assert to_login.html.select_one("h1").text == "Login to the management interface"
    form = to_login.forms["login-form"]
    form["username"], form["password"] = "alex", PASSWORDS["alex"]
    dashboard = form.submit(status=303).follow()

    assert dashboard.request.path == "/management/"
    items = [i.text.strip() for i in dashboard.html.select(".user-menu__items li")]
    assert items[0] == "Portal" and items[-1] == "Log out"
    assert dashboard.html.find("a", string="Portal")["target"] == "_blank"


def test_customer_has_no_management_link_and_is_refused_at_its_login(app):
    portal = login(app, "casey").follow()
    assert portal.html.find("a", string="Management Interface") is None

    page = login(app, "casey", prefix="/management", status=403)

    assert "Customer accounts cannot use the management interface" in page.text
    assert app.get("/management/", status=303)


def test_reauth_can_be_switched_off(make_webapp, people):
    app = make_webapp(["portal", "management"], **{"frontdesk.management.reauth": "false"})
    login(app, "alex")
    assert app.get("/management/").status_int == 200
    customer = TestApp(app.app)
    login(customer, "casey")
    assert customer.get("/management/", status=303)


def test_next_brings_the_visitor_back(app):
    page = app.get("/management/", status=303).follow()
    form = page.forms["login-form"]
    form["username"], form["password"] = "ada", PASSWORDS["ada"]
    assert form.submit(status=303).location == "http://localhost/management/"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "/", "javascript:alert(1)"],
)
def test_next_never_leaves_the_interface(app, target):
    page = login(app, "ada", prefix="/management", next=target)
    assert page.location == "http://localhost/management/"


def test_logout_is_real_a_copied_cookie_stops_working(app):
    login(app, "casey")
    stolen = app.cookies["frontdesk_portal"]
    token = app.get("/account/password").forms["password-form"]["csrf_token"].value

    app.post("/logout", {"csrf_token": token}, status=303)

    thief = TestApp(app.app)
    thief.set_cookie("frontdesk_portal", stolen)
    assert thief.get("/").html.select_one(".user-menu") is None


def logout(app, prefix=""):
    """Press Log out in the interface at ``prefix``; the page it lands on."""
    home = app.get(f"{prefix}/")
    (form,) = [f for f in home.forms.values() if f.action.endswith("/logout")]
    return form.submit(status=303).maybe_follow()


@pytest.mark.parametrize("prefix", ["", "/management"])
def test_logging_out_of_one_interface_ends_the_other_in_this_browser(app, prefix):
    """A shared computer: whichever interface one logs out of, nobody stays signed in."""
    login(app, "alex")
    login(app, "alex", prefix="/management")
    management_cookie = app.cookies["frontdesk_management"]

    page = logout(app, prefix)

    assert "You are logged out of the portal and the management interface." in page.text
    assert app.get("/").html.select_one(".user-menu") is None
    assert app.get("/management/", status=303).location.startswith(
        "http://localhost/management/login"
    )
    copy = TestApp(app.app)  # a copy of the old cookie does not work either
    copy.set_cookie("frontdesk_management", management_cookie)
    copy.get("/management/", status=303)


def test_the_logout_message_names_only_what_was_signed_in(app):
    login(app, "casey")
    assert "You are logged out of the portal." in logout(app).text


def test_pages_behind_login_and_login_pages_are_never_stored(app):
    """After logging out on a shared computer, Back must not show the last person's pages."""
    for prefix in ("", "/management"):
        assert app.get(f"{prefix}/login").headers["Cache-Control"] == "no-store"
    assert login(app, "alex").headers["Cache-Control"] == "no-store"
    login(app, "alex", prefix="/management")
    for url in ("/", "/account/password", "/management/", "/management/account/password"):
        assert app.get(url).headers["Cache-Control"] == "no-store", url


def test_static_assets_keep_their_cache_lifetime(app):
    login(app, "alex")
    css = app.get("/static/frontdesk/frontdesk.css")
    assert css.headers["Cache-Control"] == "max-age=3600"


def test_logout_needs_post_with_token(app):
    login(app, "casey")
    app.get("/logout", status=404)
    app.post("/logout", status=400)
    assert app.get("/").html.select_one(".user-menu") is not None


def test_password_change_ends_other_sessions_but_not_this_one(app, db):
    login(app, "casey")
    other = TestApp(app.app)
    login(other, "casey")

    form = app.get("/account/password").forms["password-form"]
    form["current_password"] = PASSWORDS["casey"]
    form["new_password"] = form["repeat_password"] = "a-brand-new-password"
    done = form.submit(status=303).follow()

    assert "Your password was changed" in done.text
    assert done.html.select_one(".user-menu") is not None
    assert other.get("/").html.select_one(".user-menu") is None
    assert verify_password(find_user(db, "casey").password_hash, "a-brand-new-password")


def test_password_change_errors_are_beside_the_fields(app):
    login(app, "casey")
    form = app.get("/account/password").forms["password-form"]
    form["current_password"] = "wrong"
    form["new_password"] = "short"
    page = form.submit(status=400)
    assert (
        page.html.select_one("#current_password-error").text == "This is not your current password."
    )
    assert page.html.select_one("#new_password-error").text == "Use at least 10 characters."


def test_log_out_everywhere(app):
    login(app, "casey")
    other = TestApp(app.app)
    login(other, "casey")

    form = app.get("/account/password").forms["logout-everywhere"]
    form.submit(status=303)

    assert other.get("/").html.select_one(".user-menu") is None
    assert app.get("/").html.select_one(".user-menu") is None


def test_deactivation_ends_sessions(app, commit):
    login(app, "casey")
    with commit() as db:
        find_user(db, "casey").active = False
    assert app.get("/").html.select_one(".user-menu") is None
    login(app, "casey", status=400)


def test_sessions_expire_after_the_absolute_timeout(make_webapp, people, monkeypatch):
    app = make_webapp(["portal"], **{"frontdesk.session.absolute_timeout": "60"})
    login(app, "casey")
    import frontdesk.identity.security

    later = frontdesk.identity.security.time.time() + 61
    monkeypatch.setattr(frontdesk.identity.security.time, "time", lambda: later)
    assert app.get("/").html.select_one(".user-menu") is None


def test_new_session_on_login(app):
    app.get("/login")
    before = app.cookies["frontdesk_portal"]
    login(app, "casey")
    assert app.cookies["frontdesk_portal"] != before


def test_a_late_answer_to_a_request_from_before_login_does_not_log_out(app):
    """The browser asks for /favicon.ico while the login page loads; on a busy machine
    that 404 can answer after the login did. Re-sending the old, anonymous session
    cookie there would log the visitor straight out again."""
    app.get("/login")
    before = app.cookies["frontdesk_portal"]
    login(app, "casey")
    stale = TestApp(app.app)
    stale.set_cookie("frontdesk_portal", before)
    for late in (stale.get("/favicon.ico", status=404), stale.get("/"), stale.get("/login")):
        assert "Set-Cookie" not in late.headers, late.request.path
    assert app.get("/").html.select_one(".user-menu__name").text == "Casey Customer"


def test_password_hash_is_upgraded_on_login(app, commit, db, monkeypatch):
    from argon2 import PasswordHasher

    old = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1).hash(PASSWORDS["casey"])
    with commit() as s:
        find_user(s, "casey").password_hash = old
    login(app, "casey")
    upgraded = find_user(db, "casey").password_hash
    assert upgraded != old and not needs_rehash(upgraded)
    assert verify_password(upgraded, PASSWORDS["casey"])


class Directory:
    """A second authenticator: a fixed directory of people, who get local rows."""

    PLUGIN = PluginInfo(name="directory", title="Directory")
    PEOPLE = {"dana": ("directory-secret", "Dana from the directory")}

    @hookimpl
    def frontdesk_authenticate(self, request, login, password):
        entry = self.PEOPLE.get(login)
        if entry is None or entry[0] != password:
            return None
        user = find_user(request.dbsession, login)
        if user is None:
            user = User(username=login, display_name=entry[1], role="agent")
            request.dbsession.add(user)
            request.dbsession.flush()
        return user


def test_a_plugin_adds_an_authenticator(make_webapp, people):
    app = make_webapp(["portal", "management", Directory()])
    page = login(app, "dana", "directory-secret", prefix="/management").follow()
    assert page.html.select_one(".user-menu__name").text == "Dana from the directory"
    # The local store still answers for local users.
    assert login(TestApp(app.app), "alex", prefix="/management").status_int == 303


def test_login_is_announced_to_plugins(make_webapp, people):
    from tests.sample_plugins.recorder import EventLog

    listener = EventLog()
    app = make_webapp(["portal", listener])
    login(app, "casey")
    assert [name for name, _ in listener.seen] == ["user_logged_in"]
    assert listener.seen[0][1].interface == "portal"


def test_passwords_are_stored_as_argon2id(db, people):
    assert find_user(db, "casey").password_hash.startswith("$argon2id$")
    assert hash_password("x") != hash_password("x"), "salted"


def test_customer_is_refused_at_the_mobile_login(make_webapp, people, commit):
    from frontdesk.db.state import set_setting
    from frontdesk.licensing.installed import LICENSE_SETTING
    from tests.sample_plugins.recorder import Recorder

    app = make_webapp(["portal", "management", "mobile", Recorder()])
    with commit() as db:
        set_setting(db, LICENSE_SETTING, "TEST-ENTERPRISE", bumps_state=True)

    page = login(app, "casey", prefix="/m", status=403)
    assert "Customer accounts cannot use the mobile interface" in page.text
    assert login(TestApp(app.app), "alex", prefix="/m").location == "http://localhost/m/"
