"""Building mails (translation strings through JSON, escaping) and the transports,
against a real SMTP server (aiosmtpd)."""

import json
import smtplib

import pytest

from frontdesk.i18n import _
from frontdesk.mail import messages
from frontdesk.mail.transport import (
    FilesTransport,
    SMTPTransport,
    TransportError,
    transport_for,
)
from tests.mailservers import smtp_server  # noqa: F401  (the fixture)


def upper(value):
    return value.interpolate().upper()


def test_translation_strings_survive_the_json_payload():
    inner = _("Open", mapping={})
    body = [
        _("Hello ${name},", mapping={"name": "Ann", "state": inner}),
        "plain",
        messages.HtmlPart("t", "<b>t</b>"),
    ]
    loaded = messages.load(json.loads(json.dumps(messages.dump(body))))
    assert loaded[0].domain == "frontdesk" and loaded[0].mapping["name"] == "Ann"
    assert loaded[0].mapping["state"].domain == "frontdesk"
    assert loaded[1] == "plain" and loaded[2] == messages.HtmlPart("t", "<b>t</b>")
    assert messages.translated(loaded[0], upper) == "HELLO ANN,"


def render(body, subject="[#1] Hi"):
    return messages.render(
        sender="Support <support@help.example>",
        to="ann@example.com",
        subject=subject,
        body=body,
        translate=lambda ts: ts.interpolate(),
        lang="en",
        message_id="<frontdesk.t1.x.y@help.example>",
        reply_to="support@help.example",
        in_reply_to="<frontdesk.t1.thread@help.example>",
        references=["<frontdesk.t1.thread@help.example>"],
    )


def test_html_alternative_escapes_text_and_keeps_sanitised_html():
    message = render(
        [
            "<script>alert(1)</script> see https://help.example/tickets/1",
            messages.HtmlPart("x", "<p>ok</p>"),
        ]
    )
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "<script>alert(1)</script>" in text
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<a href="https://help.example/tickets/1">' in html
    assert "<blockquote><p>ok</p></blockquote>" in html
    assert message["Auto-Submitted"] == "auto-generated"


def test_header_injection_is_flattened():
    message = render("x", subject="Hi\r\nBcc: victim@example.com")
    assert message["Bcc"] is None
    assert message["Subject"] == "Hi Bcc: victim@example.com"


def test_smtp_transport_delivers_to_a_real_server(smtp_server):  # noqa: F811
    transport = transport_for(
        {
            "frontdesk.mail.smtp_host": smtp_server.host,
            "frontdesk.mail.smtp_port": str(smtp_server.port),
            "frontdesk.mail.smtp_security": "none",
            "frontdesk.mail.smtp_timeout": "5",
        }
    )
    assert isinstance(transport, SMTPTransport)
    transport.send(render("Hello"), sender="support@help.example", recipients=["ann@example.com"])
    [received] = smtp_server.wait_for(1)
    assert received["Message-ID"] == "<frontdesk.t1.x.y@help.example>"
    assert received["In-Reply-To"] == "<frontdesk.t1.thread@help.example>"
    assert received.envelope_to == ["ann@example.com"]


def test_smtp_refusal_raises(smtp_server):  # noqa: F811
    smtp_server.refuse = "451 4.3.0 try again later"
    transport = SMTPTransport(
        host=smtp_server.host, port=smtp_server.port, security="none", timeout=5
    )
    with pytest.raises(smtplib.SMTPDataError):
        transport.send(render("x"), sender="a@b.example", recipients=["c@d.example"])


def test_files_transport_writes_one_eml_per_message(tmp_path):
    transport = transport_for(
        {"frontdesk.mail.transport": "files", "frontdesk.mail.files_dir": str(tmp_path)}
    )
    assert isinstance(transport, FilesTransport) and str(tmp_path) in transport.describe()
    transport.send(render("x"), sender="a@b.example", recipients=["c@d.example"])
    transport.send(render("x"), sender="a@b.example", recipients=["c@d.example"])
    [written] = list(tmp_path.iterdir())
    assert (
        written.suffix == ".eml"
        and b"Message-ID: <frontdesk.t1.x.y@help.example>" in written.read_bytes()
    )


@pytest.mark.parametrize(
    "settings",
    [
        {"frontdesk.mail.transport": "pigeon"},
        {"frontdesk.mail.smtp_security": "ssl3"},
        {"frontdesk.mail.smtp_port": "five"},
    ],
)
def test_bad_settings_are_one_line_errors(settings):
    with pytest.raises(TransportError):
        transport_for(settings)
