"""The secret that signs session cookies: one per installation, strong in production."""

from __future__ import annotations

from pathlib import Path

import pytest
from webtest import TestApp

from frontdesk.cli import main
from frontdesk.identity.accounts import create_user
from frontdesk.identity.sessions import InsecureSecret, session_secret, write_secret_file

STRONG = "Vq3nZ8rL0pX2mB7tK9wE4yH6jD1sF5gA-_uC"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def dev_ini(tmp_path, engine):
    """A development config laid out like the shipped one: the secret file under var/."""
    url = engine.url.render_as_string(hide_password=False)
    config = tmp_path / "config"
    config.mkdir()
    path = config / "development.ini"
    path.write_text(
        f"[app:main]\nuse = egg:frontdesk\nsqlalchemy.url = {url}\n"
        "frontdesk.session.secret_file = ../var/session-secret\n"
    )
    return path


def test_init_writes_a_private_random_secret_once(capsys, dev_ini, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "init", dev_ini)
    secret_file = tmp_path / "var" / "session-secret"
    assert code == 0
    assert "Created this installation's session secret: var/session-secret\n" in out
    assert secret_file.stat().st_mode & 0o777 == 0o600
    secret = secret_file.read_text().strip()
    assert len(secret) >= 60

    code, out, _ = run(capsys, "init", dev_ini)
    assert code == 0 and "session secret" not in out, "init keeps the secret"
    assert secret_file.read_text().strip() == secret


def test_two_fresh_installations_do_not_accept_each_others_cookies(tmp_path, make_webapp, commit):
    with commit() as db:
        create_user(db, username="casey", role="customer", password="casey-password")
    apps = []
    for name in ("one", "two"):
        secret_file = tmp_path / name / "session-secret"
        write_secret_file(secret_file)
        apps.append(
            make_webapp(
                **{"frontdesk.session.secret": "", "frontdesk.session.secret_file": secret_file}
            )
        )
    one, two = apps
    form = one.get("/login").forms["login-form"]
    form["username"], form["password"] = "casey", "casey-password"
    form.submit(status=303)
    assert one.get("/").html.select_one(".user-menu") is not None

    visitor = TestApp(two.app)
    visitor.set_cookie("frontdesk_portal", one.cookies["frontdesk_portal"])
    assert visitor.get("/").html.select_one(".user-menu") is None


def test_a_missing_secret_file_names_the_setting_and_the_cure(tmp_path):
    with pytest.raises(InsecureSecret) as refused:
        session_secret({"here": str(tmp_path), "frontdesk.session.secret_file": "var/s"})
    assert str(refused.value) == (
        f"frontdesk.session.secret_file: {tmp_path / 'var/s'} does not exist; "
        "`frontdesk init` creates it"
    )


def test_development_without_any_secret_gets_a_random_one_per_process():
    assert session_secret({}) != session_secret({})


@pytest.mark.parametrize("mode", ["frontdesk.production", "frontdesk.session.secure"])
@pytest.mark.parametrize(
    ("secret", "words"),
    [
        ("", "frontdesk.session.secret is not set (nor frontdesk.session.secret_file): set a long"),
        ("short-but-random-7Qz", "frontdesk.session.secret is too short (20 characters;"),
        ("change-me-development-only-please-really", "is an obvious value"),
        ("a" * 40, "is an obvious value"),
        ("our-company-helpdesk-secret-2026-xyz!", "is an obvious value"),
    ],
)
def test_production_refuses_a_missing_short_or_obvious_secret(mode, secret, words):
    with pytest.raises(InsecureSecret, match=r"^frontdesk\.session\.secret") as refused:
        session_secret({mode: "true", "frontdesk.session.secret": secret})
    assert words in str(refused.value) and "\n" not in str(refused.value)


def test_production_accepts_a_long_random_secret_from_the_ini_or_a_file(tmp_path):
    assert session_secret({"frontdesk.production": "true", "frontdesk.session.secret": STRONG})
    (tmp_path / "secret").write_text("short\n")
    with pytest.raises(InsecureSecret, match=r"^frontdesk\.session\.secret_file is too short"):
        session_secret(
            {"frontdesk.production": "true", "frontdesk.session.secret_file": tmp_path / "secret"}
        )


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("", "frontdesk.session.secret is not set"),
        ("frontdesk.session.secret = change-me-development-only\n", "is too short"),
    ],
)
def test_serve_refuses_a_weak_secret_in_production_in_one_line(
    capsys, tmp_path, engine, line, words
):
    url = engine.url.render_as_string(hide_password=False)
    prod = tmp_path / "prod.ini"
    prod.write_text(
        f"[app:main]\nuse = egg:frontdesk\nsqlalchemy.url = {url}\n"
        f"frontdesk.production = true\n{line}"
    )
    code, _, err = run(capsys, "serve", prod)
    assert code == 2 and err.count("\n") == 1 and words in err, err


def shipped_settings(name):
    from pyramid.paster import get_appsettings

    path = Path(__file__).resolve().parents[2] / "config" / name
    return dict(get_appsettings(str(path)))


def test_the_shipped_development_config_has_no_fixed_secret(tmp_path):
    settings = shipped_settings("development.ini")
    assert not settings.get("frontdesk.session.secret")
    assert settings["frontdesk.session.secret_file"] == "../var/session-secret"
    fresh = {**settings, "here": str(tmp_path / "config")}
    with pytest.raises(InsecureSecret, match="does not exist; `frontdesk init` creates it"):
        session_secret(fresh)


def test_the_shipped_production_config_refuses_to_start_until_a_secret_is_set():
    with pytest.raises(InsecureSecret, match=r"^frontdesk\.session\.secret is not set"):
        session_secret(shipped_settings("production.ini"))
