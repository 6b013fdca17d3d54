"""Self-registration at /register: a setting, field errors beside the fields, one neutral
answer that never tells whether a username or email address has an account, a throttle."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from webtest import TestApp

from frontdesk.db.users import User
from frontdesk.identity.accounts import create_user, find_user
from frontdesk.identity.passwords import verify_password

ON = {"frontdesk.portal.registration": "true"}
NEW_PASSWORD = "a-good-long-password"


@pytest.fixture
def app(make_webapp, desk):
    return make_webapp(["portal"], **ON)


def fill(page, **values):
    form = page.forms["register-form"]
    defaults = {
        "username": "robin",
        "display_name": "Robin Reader",
        "email": "robin@example.com",
        "password": NEW_PASSWORD,
        "repeat_password": NEW_PASSWORD,
    }
    for field, value in {**defaults, **values}.items():
        form[field] = value
    return form


def users(commit):
    with commit() as db:
        return db.scalar(select(func.count(User.id)))


def error(page, field):
    node = page.html.select_one(f"#{field}-error")
    return node.text if node is not None else None


def test_registration_is_off_by_default(make_webapp, desk):
    app = make_webapp(["portal"])
    app.get("/register", status=404)
    app.post("/register", {"username": "x"}, status=404)
    login_page = app.get("/login")
    assert login_page.html.find("a", string="Create an account") is None
    assert app.get("/").html.find("a", string="create an account") is None


def test_the_login_page_offers_registration_when_on(app):
    link = app.get("/login").html.find("a", string="Create an account")
    assert link is not None and link["href"] == "/register"
    assert app.get("/").html.find("a", string="create an account")["href"] == "/register"


def test_staff_login_pages_do_not_offer_registration(make_webapp, desk):
    app = make_webapp(["portal", "management"], **ON)
    assert "Create an account" not in app.get("/management/login").text


NEUTRAL = (
    "Thank you. If the username and email address were not in use yet, your account is "
    "ready: log in with them below. If you have an account already, log in with it."
)


def log_in(app, username, password, status=303):
    form = TestApp(app.app).get("/login").forms["login-form"]
    form["username"], form["password"] = username, password
    return form.submit(status=status)


def test_a_visitor_registers_and_logs_in(app, commit):
    page = fill(app.get("/register")).submit(status=303)
    assert page.location == "http://localhost/login"

    login_page = page.follow()
    assert [p.text.strip() for p in login_page.html.select(".flash")] == [NEUTRAL]
    assert login_page.forms["login-form"]
    with commit() as db:
        robin = find_user(db, "robin")
        assert robin.role == "customer" and robin.email == "robin@example.com"
        assert verify_password(robin.password_hash, NEW_PASSWORD)
    # The new account logs in like any other.
    assert log_in(app, "robin", NEW_PASSWORD).follow().html.select_one(".user-menu__name")


@pytest.mark.parametrize(
    "values",
    [
        {"username": "casey"},
        {"username": "CASEY"},
        {"email": "Casey@Example.com"},
        {"username": "casey", "email": "casey@example.com"},
    ],
)
def test_a_taken_username_or_email_gets_the_same_answer_and_changes_nothing(app, commit, values):
    fresh = fill(TestApp(app.app).get("/register"), username="kim", email="kim@example.com")
    expected = fresh.submit(status=303)
    before = users(commit)

    taken = fill(TestApp(app.app).get("/register"), **values).submit(status=303)

    assert taken.location == expected.location
    assert taken.follow().html.select(".flash")[0].text.strip() == NEUTRAL
    assert "taken" not in taken.follow().text and "already" not in taken.follow().text
    assert users(commit) == before
    log_in(app, "casey", "casey-password")  # the owner's account is untouched
    log_in(app, "casey", NEW_PASSWORD, status=400)


def test_a_taken_username_with_a_bad_password_shows_only_the_password_error(app, commit):
    page = fill(app.get("/register"), username="casey", password="short").submit(status=400)
    assert error(page, "password") == "Use at least 10 characters."
    assert error(page, "username") is None


def test_a_taken_email_does_not_hide_a_bad_username(app, commit):
    page = fill(app.get("/register"), username="no spaces", email="casey@example.com").submit(
        status=400
    )
    assert error(page, "username").startswith("Use 2-150 letters")
    assert error(page, "email") is None


def test_empty_form_errors_are_beside_the_fields(app, commit):
    before = users(commit)
    page = fill(
        app.get("/register"),
        username="",
        display_name="",
        email="",
        password="",
        repeat_password="",
    ).submit(status=400)

    assert error(page, "username").startswith("Use 2-150 letters")
    assert error(page, "display_name") == "Enter your name."
    assert error(page, "email") == "Enter your email address."
    assert error(page, "password") == "Use at least 10 characters."
    assert page.html.select_one("#email")["aria-describedby"] == "email-hint email-error"
    assert "field--invalid" in page.html.select_one("#email").parent["class"]
    assert users(commit) == before


def test_input_is_kept_but_never_the_password(app, commit):
    page = fill(app.get("/register"), repeat_password="something-else-entirely").submit(status=400)
    assert error(page, "repeat_password") == "The two passwords differ."
    assert page.html.select_one("#username")["value"] == "robin"
    assert page.html.select_one("#display_name")["value"] == "Robin Reader"
    assert page.html.select_one("#email")["value"] == "robin@example.com"
    assert page.html.select_one("#password").get("value") is None
    assert NEW_PASSWORD not in page.text
    with commit() as db:
        assert find_user(db, "robin") is None, "no account when the form is refused"


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"username": "no spaces"}, "username", "Use 2-150 letters"),
        ({"email": "not-an-address"}, "email", "Enter an email address like"),
        ({"password": "short", "repeat_password": "short"}, "password", "Use at least 10"),
        ({"display_name": "x" * 151}, "display_name", "Keep your name under 150"),
        ({"email": "x" * 250 + "@example.com"}, "email", "Keep the email address under 254"),
    ],
)
def test_bad_fields_are_refused(app, commit, values, field, message):
    before = users(commit)
    page = fill(app.get("/register"), **values).submit(status=400)
    assert error(page, field).startswith(message)
    assert users(commit) == before


def test_an_email_known_only_from_anonymous_tickets_may_register(app, commit):
    with commit() as db:
        create_user(
            db, username="robin-anon", role="customer", password=None, email="robin@example.com"
        )
    fill(app.get("/register")).submit(status=303)
    with commit() as db:
        assert find_user(db, "robin").email == "robin@example.com"


def test_registration_needs_the_csrf_token(app, commit):
    before = users(commit)
    page = app.post(
        "/register",
        {
            "username": "robin",
            "display_name": "Robin",
            "email": "robin@example.com",
            "password": NEW_PASSWORD,
            "repeat_password": NEW_PASSWORD,
        },
        status=400,
    )
    assert "Form expired" in page.text
    assert users(commit) == before


def test_logged_in_users_are_sent_home(app):
    from tests.plugins.portal.conftest import login

    login(app, "casey")
    assert app.get("/register", status=303).location == "http://localhost/"


def test_an_administrator_switches_registration_at_run_time(make_webapp, desk, commit):
    from frontdesk.db.state import set_setting

    app = make_webapp(["portal"])
    app.get("/register", status=404)
    with commit() as db:
        set_setting(db, "portal.registration", "true")
    assert app.get("/register").forms["register-form"]
    assert app.get("/login").html.find("a", string="Create an account")

    with commit() as db:
        set_setting(db, "portal.registration", "false")
    on_in_ini = make_webapp(["portal"], **ON)
    on_in_ini.get("/register", status=404)  # the database value wins over the ini


def test_one_address_cannot_register_or_probe_without_end(app, commit):
    """Five registrations from one address (taken names count too), then one an hour."""
    address = {"REMOTE_ADDR": "203.0.113.7"}
    for n in range(5):
        visitor = TestApp(app.app, extra_environ=address)
        probe = {"username": "casey"} if n == 2 else {"username": f"robin{n}"}
        page = fill(visitor.get("/register"), email=f"robin{n}@example.com", **probe).submit(
            status=303
        )
        assert page.location.endswith("/login")
    before = users(commit)

    visitor = TestApp(app.app, extra_environ=address)
    page = fill(visitor.get("/register"), username="robin9", email="robin9@example.com").submit(
        status=429
    )

    assert "Too many registrations came from your network recently" in page.text
    assert int(page.headers["Retry-After"]) > 3000
    assert users(commit) == before
    elsewhere = TestApp(app.app, extra_environ={"REMOTE_ADDR": "198.51.100.4"})
    fill(elsewhere.get("/register"), username="kim", email="kim@example.com").submit(status=303)
