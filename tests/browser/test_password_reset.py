"""Forgot password in Chromium: the form, the mail read from a real SMTP server
(aiosmtpd), the reset page, and logging in with the new password."""

from __future__ import annotations

import re

import pytest

from frontdesk.testing import make_customer
from tests.browser.conftest import screenshot
from tests.mailservers import smtp_server  # noqa: F401  (the fixture)
from tests.servers import threaded_server

NEW_PASSWORD = "correct horse battery staple"


@pytest.fixture
def site(make_webapp, smtp_server):  # noqa: F811
    app = make_webapp(
        ["portal", "management"],
        **{
            "frontdesk.mail.transport": "smtp",
            "frontdesk.mail.smtp_host": smtp_server.host,
            "frontdesk.mail.smtp_port": str(smtp_server.port),
            "frontdesk.mail.smtp_security": "none",
            "frontdesk.mail.smtp_timeout": "5",
        },
    )
    make_customer(app, "casey", display_name="Casey Customer")
    with threaded_server(app.app) as url:
        yield url


def test_forgot_password_mail_reset_and_log_in(desktop, site, smtp_server):  # noqa: F811
    page = desktop
    page.goto(site + "/login")
    page.get_by_role("link", name="Forgot password?").click()
    page.get_by_label("Username or email address").fill("casey@example.com")
    page.get_by_role("button", name="Send the link").click()
    assert page.get_by_text("we have sent it a link to choose a new password").is_visible()

    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "casey@example.com"
    link = re.search(r"https?://\S+/login/reset/\S+", mail.get_body(("plain",)).get_content())
    page.goto(link.group(0))
    assert page.get_by_role("heading", name="Choose a new password").is_visible()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    screenshot(page, "password-reset")
    page.get_by_role("button", name="Save the new password").click()

    assert page.get_by_text("Log in with it").is_visible()
    page.get_by_label("Username").fill("casey")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Login").click()
    assert page.get_by_text("Casey Customer").is_visible()
    # The link worked once.
    page.goto(link.group(0))
    assert page.get_by_text("This link does not work").is_visible()
