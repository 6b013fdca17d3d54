"""Absolute URLs name the configured public address, whatever Host a client sends."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest

from frontdesk.cli import main
from frontdesk.identity.accounts import create_user
from frontdesk.testing import make_test_app
from frontdesk.web.hosts import HostConfigError
from tests.servers import free_port, frontdesk_process

PUBLIC = {"frontdesk.public_url": "https://help.example.org"}
EVIL = {"Host": "evil.test"}


def test_without_configuration_urls_follow_the_request(make_webapp):
    """Development: what the browser asked for (the reason for the settings below)."""
    page = make_webapp().get("/management/", headers=EVIL, status=303)
    assert page.location.startswith("http://evil.test/management/login")


def test_redirects_name_the_public_url_whatever_the_host(make_webapp):
    app = make_webapp(**PUBLIC)
    page = app.get("/management/", headers=EVIL, status=303)
    assert page.location == "https://help.example.org/management/login?next=%2Fmanagement%2F"


def test_login_and_page_links_name_the_public_url(make_webapp, commit):
    """A browser at https://help.example.org behind a proxy that speaks plain http."""
    with commit() as db:
        create_user(db, username="casey", role="customer", password="casey-password")
    app = make_webapp(**PUBLIC)
    browser = {"Host": "help.example.org"}
    form = app.get("/login", headers=browser).forms["login-form"]
    form["username"], form["password"] = "casey", "casey-password"
    # Over https, Pyramid's CSRF check also wants the browser's Origin to be this site.
    done = form.submit(headers={**browser, "Origin": "https://help.example.org"}, status=303)
    assert done.location == "https://help.example.org/"
    home = app.get("/", headers=browser)
    assert home.html.select_one(".user-menu") is not None
    assert "http://help.example.org" not in home.text


def test_a_non_default_port_is_kept(make_webapp):
    app = make_webapp(**{"frontdesk.public_url": "http://desk.internal:8080/"})
    page = app.get("/management/", headers=EVIL, status=303)
    assert page.location.startswith("http://desk.internal:8080/management/login")


def test_other_hosts_are_refused_when_hosts_are_listed(make_webapp):
    app = make_webapp(**{"frontdesk.allowed_hosts": "help.example.org localhost"})
    page = app.get("/management/", headers=EVIL, status=400)
    assert "does not answer at this address" in page.text
    assert "evil.test" not in page.text, "the refusal page links to a listed host"
    json = app.get("/", headers={**EVIL, "Accept": "application/json"}, status=400)
    assert json.json["error"]["status"] == 400
    ok = app.get("/management/", headers={"Host": "HELP.example.org:443"}, status=303)
    assert ok.location.startswith("http://HELP.example.org:443/management/login")
    assert app.get("/login").status_int == 200, "WebTest's own Host: localhost"


def test_health_checks_answer_a_probe_by_address_whatever_the_host(make_webapp):
    app = make_webapp(**{"frontdesk.allowed_hosts": "help.example.org"})
    probe = {"Host": "10.0.0.7:6543"}
    assert app.get("/healthz", headers=probe).json["status"] == "ok"
    assert app.get("/readyz", headers=probe).status_int == 200
    app.get("/login", headers=probe, status=400)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("help.example.org", "must be an address like https://help.example.com"),
        ("ftp://help.example.org", "must be an address like"),
        ("https://help.example.org:99999", "must be an address like"),
        ("https://help.example.org/desk", "no path, query or user"),
    ],
)
def test_an_unusable_public_url_stops_the_app_in_one_line(tmp_path, url, words):
    with pytest.raises(HostConfigError, match=words):
        make_test_app(plugins=[], tmp_path=tmp_path, settings={"frontdesk.public_url": url})


def test_production_refuses_the_shipped_placeholder(capsys, tmp_path, engine):
    url = engine.url.render_as_string(hide_password=False)
    ini = tmp_path / "prod.ini"
    ini.write_text(
        f"[app:main]\nuse = egg:frontdesk\nsqlalchemy.url = {url}\nfrontdesk.production = true\n"
        "frontdesk.session.secret = Vq3nZ8rL0pX2mB7tK9wE4yH6jD1sF5gA-_uC\n"
        "frontdesk.public_url = https://helpdesk.example.com\n"
    )
    assert main(["serve", str(ini)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "frontdesk.public_url still names the placeholder" in err


def test_behind_a_trusted_proxy_x_forwarded_host_is_overridden_too(tmp_path, engine):
    """The production.ini shape: waitress believes the proxy's X-Forwarded-* headers."""
    url = engine.url.render_as_string(hide_password=False)
    port = free_port()
    ini = tmp_path / "proxied.ini"
    ini.write_text(
        f"[app:main]\nuse = egg:frontdesk\nsqlalchemy.url = {url}\n"
        "frontdesk.session.secret = proxy-test\n"
        "frontdesk.public_url = https://help.example.org\n"
        f"[server:main]\nuse = egg:waitress#main\nlisten = 127.0.0.1:{port}\n"
        "trusted_proxy = 127.0.0.1\n"
        "trusted_proxy_headers = x-forwarded-host x-forwarded-proto\n"
    )
    with frontdesk_process(ini) as base:
        connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=10)
        connection.request(
            "GET",
            "/management/",
            headers={"X-Forwarded-Host": "evil.test", "X-Forwarded-Proto": "http"},
        )
        response = connection.getresponse()
        connection.close()
    assert response.status == 303
    assert response.getheader("Location").startswith("https://help.example.org/management/login")
