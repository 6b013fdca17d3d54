"""Account self-service end to end: forgot password, the reset link, e-mail
verification at registration, e-mail change, the profile fields and agents' signatures;
mail goes through the job queue to a real SMTP server (aiosmtpd).

Runs on SQLite and PostgreSQL (``FRONTDESK_TEST_DATABASE_URL``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import select, update

from frontdesk import tickets
from frontdesk.db.auth import LoginThrottle
from frontdesk.db.selfservice import EmailConfirmation, PasswordResetToken
from frontdesk.db.state import set_setting
from frontdesk.db.users import User
from frontdesk.identity.tokens import digest
from frontdesk.testing import (
    TEST_PASSWORD,
    db_session,
    engine_of,
    make_agent,
    make_customer,
    make_department,
    make_ticket,
)
from tests.mailservers import smtp_server  # noqa: F401  (the fixture)

NEW_PASSWORD = "a brand new passphrase"
LINK = re.compile(r"http://localhost(/\S*/(?:reset|confirm)/[A-Za-z0-9_-]+)")


@pytest.fixture
def mail_settings(smtp_server):  # noqa: F811
    return {
        "frontdesk.mail.transport": "smtp",
        "frontdesk.mail.smtp_host": smtp_server.host,
        "frontdesk.mail.smtp_port": str(smtp_server.port),
        "frontdesk.mail.smtp_security": "none",
        "frontdesk.mail.smtp_timeout": "5",
        "frontdesk.mail.from": "Help Desk <help@help.example>",
    }


@pytest.fixture
def app(make_webapp, mail_settings):
    return make_webapp(**mail_settings)


@pytest.fixture
def people(app):
    make_department(app, "Support")
    return {
        "casey": make_customer(app, "casey"),
        "alex": make_agent(app, "alex", departments=["Support"]),
    }


def query(app: Any, statement: Any) -> list[Any]:
    with db_session(engine_of(app)) as db:
        return list(db.execute(statement))


def user(app: Any, username: str) -> User:
    with db_session(engine_of(app)) as db:
        found = db.scalar(select(User).where(User.username == username))
        db.expunge(found)
        return found


def login(app: Any, username: str, password: str = TEST_PASSWORD, prefix: str = "") -> Any:
    form = app.get(f"{prefix}/login").forms["login-form"]
    form["username"], form["password"] = username, password
    return form.submit(expect_errors=True)


def forgot(app: Any, login_name: str, prefix: str = "", **kw: Any) -> Any:
    form = app.get(f"{prefix}/login/forgot").forms["forgot-form"]
    form["login"] = login_name
    return form.submit(**kw)


def link_in(message: Any) -> str:
    body = message.get_body(("plain",)).get_content()
    return LINK.search(body).group(1)


def flashes(page: Any) -> list[str]:
    return [p.text.strip() for p in page.html.select(".flash")]


# --- Forgot password ------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "/management"])
def test_every_login_page_offers_forgot_password(app, prefix):
    page = app.get(f"{prefix}/login")
    link = page.html.select_one("#forgot-link")
    assert link.text.strip() == "Forgot password?"
    assert link["href"] == f"{prefix}/login/forgot"
    assert app.get(link["href"]).forms["forgot-form"]


def test_forgot_mail_reset_and_log_in(app, people, smtp_server):  # noqa: F811
    done = forgot(app, "casey", status=303)
    assert done.location == "http://localhost/login"
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "casey@example.com" and mail["Subject"] == "Reset your password"
    page = app.get(link_in(mail))
    assert page.headers["Referrer-Policy"] == "no-referrer"
    form = page.forms["reset-form"]
    form["new_password"] = form["repeat_password"] = NEW_PASSWORD
    back = form.submit(status=303).follow()
    assert "Log in with it" in " ".join(flashes(back))
    assert login(app, "casey").status_int == 400, "the old password is gone"
    assert login(app, "casey", NEW_PASSWORD).status_int == 303


def test_the_link_works_once(app, people, smtp_server):  # noqa: F811
    forgot(app, "casey@EXAMPLE.com", status=303)  # the address works too, any case
    path = link_in(smtp_server.wait_for(1)[0])
    app.post(
        path,
        {
            "new_password": NEW_PASSWORD,
            "repeat_password": NEW_PASSWORD,
            "csrf_token": app.get(path).forms["reset-form"]["csrf_token"].value,
        },
        status=303,
    )
    again = app.get(path, status=404)
    assert "does not work" in again.text and not again.forms.get("reset-form")
    assert query(app, select(PasswordResetToken.used_at))[0][0] is not None


def test_the_token_is_stored_hashed(app, people, smtp_server):  # noqa: F811
    forgot(app, "casey", status=303)
    token = link_in(smtp_server.wait_for(1)[0]).rsplit("/", 1)[1]
    [(stored,)] = query(app, select(PasswordResetToken.token_hash))
    assert stored == digest(token) and token not in stored


def test_an_expired_link_is_refused(app, people, smtp_server):  # noqa: F811
    forgot(app, "casey", status=303)
    path = link_in(smtp_server.wait_for(1)[0])
    with db_session(engine_of(app)) as db:
        db.execute(
            update(PasswordResetToken).values(
                expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
            )
        )
    assert "does not work" in app.get(path, status=404).text


@pytest.mark.parametrize("token", ["x", "A" * 43, "..%2F..%2Flogin"])
def test_a_wrong_token_is_refused_and_changes_nothing(app, people, token):
    before = user(app, "casey").password_hash
    app.get(f"/login/reset/{token}", status=404)
    csrf = app.get("/login").forms["login-form"]["csrf_token"].value
    app.post(
        f"/login/reset/{token}",
        {"new_password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD, "csrf_token": csrf},
        status=404,
    )
    assert user(app, "casey").password_hash == before


def test_a_second_request_voids_the_first_link(app, people, smtp_server):  # noqa: F811
    forgot(app, "casey", status=303)
    forgot(app, "casey", status=303)
    first, second = (link_in(m) for m in smtp_server.wait_for(2))
    app.get(first, status=404)
    app.get(second, status=200)


def test_no_account_enumeration(app, people, smtp_server):  # noqa: F811
    known = forgot(app, "casey", status=303)
    known_page = known.follow()
    app.reset()
    unknown = forgot(app, "nobody-here", status=303)
    unknown_page = unknown.follow()
    assert known.location == unknown.location
    assert flashes(known_page) == flashes(unknown_page)
    assert len(smtp_server.wait_for(1)) == 1
    # Both paths count a request (the same writes, the same time).
    keys = {row[0] for row in query(app, select(LoginThrottle.key))}
    assert any(k.startswith("reset:account:") for k in keys)
    assert any(k.startswith("reset:unknown:") for k in keys)


def test_mails_to_one_account_are_throttled_with_the_same_answer(app, people, smtp_server):  # noqa: F811
    answers = set()
    for _ in range(5):
        page = forgot(app, "casey", status=303).follow()
        answers.add(tuple(flashes(page)))
    assert len(answers) == 1, "a throttled account gets the same answer"
    smtp_server.wait_for(3)
    with db_session(engine_of(app)) as db:
        assert db.scalar(select(PasswordResetToken.id).limit(1)) is not None
    assert len(smtp_server.to("casey@example.com")) == 3


def test_requests_from_one_address_are_throttled(app, people):
    for number in range(10):
        forgot(app, f"someone-{number}", status=303)
    page = forgot(app, "casey", status=429)
    assert "Too many requests" in page.text and page.headers["Retry-After"]
    other = {"REMOTE_ADDR": "203.0.113.9"}
    form = app.get("/login/forgot", extra_environ=other).forms["forgot-form"]
    form["login"] = "casey"
    form.submit(status=303, extra_environ=other)


def test_reset_ends_the_other_sessions(app, make_webapp, mail_settings, people, smtp_server):  # noqa: F811
    other_browser = make_webapp(**mail_settings)
    assert login(app, "casey").status_int == 303
    app.get("/profile", status=200)
    forgot(other_browser, "casey", status=303)
    path = link_in(smtp_server.wait_for(1)[0])
    form = other_browser.get(path).forms["reset-form"]
    form["new_password"] = form["repeat_password"] = NEW_PASSWORD
    form.submit(status=303)
    assert app.get("/profile", status=303).location.startswith("http://localhost/login")


def test_a_weak_or_mistyped_password_keeps_the_link(app, people, smtp_server):  # noqa: F811
    forgot(app, "casey", status=303)
    path = link_in(smtp_server.wait_for(1)[0])
    form = app.get(path).forms["reset-form"]
    form["new_password"], form["repeat_password"] = "short", "short"
    page = form.submit(status=400)
    assert page.html.select_one("#new_password-error")
    form = page.forms["reset-form"]
    form["new_password"], form["repeat_password"] = NEW_PASSWORD, NEW_PASSWORD + "x"
    page = form.submit(status=400)
    assert page.html.select_one("#repeat_password-error")
    app.get(path, status=200)


def test_forgot_and_reset_need_the_csrf_token(app, people, smtp_server):  # noqa: F811
    app.post("/login/forgot", {"login": "casey"}, status=400)
    assert smtp_server.messages == []
    forgot(app, "casey", status=303)
    path = link_in(smtp_server.wait_for(1)[0])
    app.post(path, {"new_password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD}, status=400)
    app.get(path, status=200)  # still unused


# --- E-mail verification at registration ----------------------------------------------


@pytest.fixture
def verifying(app):
    with db_session(engine_of(app)) as db:
        set_setting(db, "portal.registration", "true")
        set_setting(db, "portal.verify_email", "true")
    return app


def register(app: Any, username: str, email: str) -> Any:
    form = app.get("/register").forms["register-form"]
    form["username"], form["display_name"], form["email"] = username, "Robin", email
    form["password"] = form["repeat_password"] = NEW_PASSWORD
    return form.submit(status=303)


def test_verification_blocks_login_until_the_link_is_followed(verifying, smtp_server):  # noqa: F811
    app = verifying
    page = register(app, "robin", "robin@example.com").follow()
    assert "we have sent a link" in " ".join(flashes(page))
    refused = login(app, "robin", NEW_PASSWORD)
    assert refused.status_int == 403 and "confirm your email address" in refused.text
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "robin@example.com"
    app.get(link_in(mail), status=303)
    assert login(app, "robin", NEW_PASSWORD).status_int == 303
    app.get(link_in(mail), status=303)
    assert query(app, select(EmailConfirmation.confirmed_at))[0][0] is not None


def test_registration_answers_alike_for_a_taken_address(verifying, people, smtp_server):  # noqa: F811
    new = flashes(register(verifying, "robin", "robin@example.com").follow())
    taken = flashes(register(verifying, "robin2", "casey@example.com").follow())
    assert new == taken
    smtp_server.wait_for(1)
    assert smtp_server.to("casey@example.com") == []


def test_without_the_setting_registration_logs_in_at_once(app, smtp_server):  # noqa: F811
    with db_session(engine_of(app)) as db:
        set_setting(db, "portal.registration", "true")
    register(app, "robin", "robin@example.com")
    assert login(app, "robin", NEW_PASSWORD).status_int == 303
    assert smtp_server.messages == []


# --- E-mail change, profile fields, signature -----------------------------------------


def profile_form(app: Any, path: str = "/profile") -> Any:
    page = app.get(path)
    return page.forms["profile-form" if path == "/profile" else "preferences-form"]


def test_an_email_change_waits_for_the_new_address(app, people, smtp_server):  # noqa: F811
    login(app, "casey")
    form = profile_form(app)
    form["email"] = "casey.new@example.com"
    page = form.submit(status=303).follow()
    assert "casey.new@example.com" in " ".join(flashes(page))
    assert user(app, "casey").email == "casey@example.com", "not before the link"
    assert "casey.new@example.com" in page.html.select_one("#profile-email-pending").text
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "casey.new@example.com"
    app.get(link_in(mail), status=303)
    assert user(app, "casey").email == "casey.new@example.com"


def test_an_email_change_is_confirmed_only_by_its_link(app, people, smtp_server):  # noqa: F811
    login(app, "casey")
    form = profile_form(app)
    form["email"] = "mallory@example.com"
    form.submit(status=303)
    path = link_in(smtp_server.wait_for(1)[0])
    app.get(path.rsplit("/", 1)[0] + "/" + "B" * 43, status=303)
    assert user(app, "casey").email == "casey@example.com"
    app.get(path + "x", status=303)
    assert user(app, "casey").email == "casey@example.com"


def test_profile_saves_name_and_notifications(app, people):
    login(app, "casey")
    form = profile_form(app)
    assert form["notify_agent_replied"].checked
    form["display_name"] = "Casey C."
    form["notify_agent_replied"] = False
    form.submit(status=303)
    assert user(app, "casey").display_name == "Casey C."
    form = profile_form(app)
    assert not form["notify_agent_replied"].checked
    assert "signature" not in form.fields, "customers have no signature"


def test_a_refused_field_saves_nothing(app, people):
    login(app, "casey")
    form = profile_form(app)
    form["display_name"] = ""
    form["email"] = "not-an-address"
    form["locale"] = "de"
    page = form.submit(status=400)
    assert page.html.select_one("#profile-display-name-error")
    assert page.html.select_one("#profile-email-error")
    assert page.html.select_one("#error-summary a")["href"] == "#profile-display-name"
    saved = user(app, "casey")
    assert (saved.display_name, saved.email, saved.locale) == ("Casey", "casey@example.com", None)
    assert query(app, select(EmailConfirmation.id)) == []


def test_the_profile_needs_the_csrf_token(app, people):
    login(app, "casey")
    app.post("/profile", {"display_name": "Forged"}, status=400)
    assert user(app, "casey").display_name == "Casey"


def test_agents_set_a_signature_appended_to_replies(app, people):
    login(app, "alex", prefix="/management")
    form = profile_form(app, "/management/profile")
    form["signature"] = "Alex, Support team"
    form.submit(status=303)
    assert user(app, "alex").signature == "Alex, Support team"
    with db_session(engine_of(app)) as db:
        agent = db.scalar(select(User).where(User.username == "alex"))
        customer = db.scalar(select(User).where(User.username == "casey"))
        ticket = make_ticket(db, requester=customer, department=agent.departments[0])
        reply = tickets.add_message(db, ticket, author=agent, body="Fixed it.")
        note = tickets.add_message(db, ticket, author=agent, body="Internal.", note=True)
        assert reply.body == "Fixed it.\n\n-- \nAlex, Support team"
        assert note.body == "Internal."
        again = tickets.add_message(db, ticket, author=agent, body=reply.body)
        assert again.body == reply.body, "appended once"


# --- Pages that promise mail ----------------------------------------------------------


def submit_anonymously(app: Any) -> Any:
    form = app.get("/tickets/new").forms["ticket-form"]
    form["department"].select(text="Support")
    form["subject"], form["body"] = "Printer on fire", "It smokes."
    form["name"], form["email"] = "Robin Visitor", "robin@example.org"
    return form.submit(status=303).follow()


@pytest.mark.parametrize("answers_mailed", [True, False])
def test_the_anonymous_confirmation_tells_the_truth(app, people, smtp_server, answers_mailed):  # noqa: F811
    with db_session(engine_of(app)) as db:
        set_setting(db, "portal.anonymous_tickets", "true")
        set_setting(db, "notifications.agent_replied", "true" if answers_mailed else "false")
    page = submit_anonymously(app)
    promised = "We will answer by email at" in page.text
    assert promised is answers_mailed
    assert ("will not be sent by email" in page.text) is not answers_mailed
    assert "A confirmation with your ticket number is on its way" in page.text
    assert smtp_server.wait_for(1)[0]["To"] == "robin@example.org"


def test_the_reply_hint_says_whether_the_customer_gets_mail(app, people):
    with db_session(engine_of(app)) as db:
        customer = db.scalar(select(User).where(User.username == "casey"))
        agent = db.scalar(select(User).where(User.username == "alex"))
        number = make_ticket(db, requester=customer, department=agent.departments[0]).number
    login(app, "alex", prefix="/management")
    hint = app.get(f"/management/tickets/{number}").html.select_one("#reply-body-hint").text
    assert "gets it by email" in hint
    login(app, "casey")
    form = profile_form(app)
    form["notify_agent_replied"] = False
    form.submit(status=303)
    app.reset()
    login(app, "alex", prefix="/management")
    hint = app.get(f"/management/tickets/{number}").html.select_one("#reply-body-hint").text
    assert "no email" in hint and "gets it by email" not in hint


def test_the_reset_mail_is_in_the_users_language(app, people, smtp_server):  # noqa: F811
    with db_session(engine_of(app)) as db:
        db.execute(update(User).where(User.username == "casey").values(locale="de"))
    forgot(app, "casey", status=303)  # asked from an English page
    [mail] = smtp_server.wait_for(1)
    assert mail["Subject"] == "Setzen Sie Ihr Passwort zurück"
    body = mail.get_body(("plain",)).get_content()
    assert body.startswith("Guten Tag Casey,") and "60 Minuten" in body
    assert link_in(mail)
