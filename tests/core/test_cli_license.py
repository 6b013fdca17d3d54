"""``frontdesk license ...`` and the development key pair ``frontdesk init`` creates."""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from frontdesk.cli import build_parser, main
from frontdesk.db.state import get_setting, set_setting
from frontdesk.db.users import User
from frontdesk.identity.accounts import create_user
from frontdesk.licensing import Edition, License
from frontdesk.licensing.installed import LICENSE_SETTING
from frontdesk.licensing.keys import trusted_public_keys
from frontdesk.licensing.tokens import issue, read_private_key, verify, write_keypair

NEXT_YEAR = dt.date.today() + dt.timedelta(days=365)


def run(capsys, *argv, stdin=None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exit:  # argparse's own usage errors
        code = exit.code
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code, out, err, words):
    assert code == 2, (out, err)
    assert err.startswith("frontdesk") and err.count("\n") == 1, err
    assert words in err, err
    return True


@pytest.fixture
def signer(tmp_path):
    """A key pair whose public half the test config trusts."""
    private = tmp_path / "keys" / "test-vendor.key"
    write_keypair(private)
    return private


def write_ini(path: Path, engine, *lines: str) -> Path:
    url = engine.url.render_as_string(hide_password=False)
    path.write_text(
        "\n".join(
            [
                "[app:main]",
                "use = egg:frontdesk",
                f"sqlalchemy.url = {url}",
                "frontdesk.session.secret = cli-test",
                *lines,
            ]
        )
        + "\n"
    )
    return path


@pytest.fixture
def ini(tmp_path, engine, signer):
    return write_ini(
        tmp_path / "frontdesk.ini",
        engine,
        "frontdesk.license.public_keys =",
        f"    {signer.with_suffix('.pub')}",
    )


def new_key(signer, **kw):
    args = {
        "licensee": "Acme Ltd",
        "edition": Edition.ENTERPRISE,
        "seats": 2,
        "expires": NEXT_YEAR,
        "issued": dt.date.today(),
        **kw,
    }
    return issue(read_private_key(signer), **args)


# --- keygen --------------------------------------------------------------------------------


def test_keygen_writes_both_halves_and_names_them(capsys, tmp_path):
    private = tmp_path / "vendor" / "acme.key"
    code, out, _ = run(capsys, "license", "keygen", private)
    assert code == 0
    public = tmp_path / "vendor" / "acme.pub"
    assert private.is_file() and public.is_file()
    assert str(private) in out and str(public) in out
    assert private.stat().st_mode & 0o077 == 0


def test_keygen_never_overwrites(capsys, tmp_path):
    private = tmp_path / "acme.key"
    run(capsys, "license", "keygen", private)
    before = private.read_text(), private.with_suffix(".pub").read_text()
    assert one_line_error(*run(capsys, "license", "keygen", private), "exists already")
    private.unlink()  # even a lone public key is kept
    assert one_line_error(*run(capsys, "license", "keygen", private), "acme.pub exists already")
    assert private.with_suffix(".pub").read_text() == before[1]


def test_keygen_refuses_a_public_key_name(capsys, tmp_path):
    assert one_line_error(*run(capsys, "license", "keygen", tmp_path / "x.pub"), "ends in .pub")


# --- issue ---------------------------------------------------------------------------------


def issue_args(signer, **overrides):
    args = {
        "--private-key": signer,
        "--edition": "professional",
        "--licensee": "Acme Ltd",
        "--seats": "7",
        "--expires": "2031-06-30",
        "--issued": "2026-01-15",
        "--id": "ACME-2026-1",
        **overrides,
    }
    argv = ["license", "issue"]
    for option, value in args.items():
        if value is not None:
            argv += [option, value]
    return argv


def trusting(signer):
    """The trusted keys of a config that lists ``signer``'s public half."""
    return trusted_public_keys({"frontdesk.license.public_keys": str(signer.with_suffix(".pub"))})


def test_issue_prints_the_key_alone(capsys, signer):
    code, out, err = run(capsys, *issue_args(signer))
    assert code == 0 and err == ""
    assert out.count("\n") == 1 and out.startswith("FD1.")
    assert "does not trust" in verify(out, trusted_public_keys({})).reason, "not a vendor key"
    assert verify(out, trusting(signer)) == License(
        license_id="ACME-2026-1",
        licensee="Acme Ltd",
        edition=Edition.PROFESSIONAL,
        seats=7,
        issued=dt.date(2026, 1, 15),
        expires=dt.date(2031, 6, 30),
        signed_by="local:test-vendor",
    )


def test_issue_defaults_to_today_and_a_new_id(capsys, signer):
    code, out, _ = run(capsys, *issue_args(signer, **{"--issued": None, "--id": None}))
    assert code == 0
    license = verify(out, trusting(signer))
    assert license.issued == dt.date.today() and len(license.license_id) == 36


def test_issue_warns_on_stderr_about_an_already_expired_key(capsys, signer):
    code, out, err = run(
        capsys, *issue_args(signer, **{"--issued": "2020-01-01", "--expires": "2020-12-31"})
    )
    assert code == 0 and out.startswith("FD1.") and out.count("\n") == 1
    assert "expired on 2020-12-31" in err


def test_issue_warns_on_stderr_about_a_key_not_valid_yet(capsys, signer):
    later = dt.date.today() + dt.timedelta(days=10)
    code, out, err = run(capsys, *issue_args(signer, **{"--issued": later.isoformat()}))
    assert code == 0 and out.startswith("FD1.") and out.count("\n") == 1
    assert f"not valid before {later}" in err


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"--seats": "0"}, "'0' is not a number of seats"),
        ({"--seats": "-3"}, "'-3' is not a number of seats"),
        ({"--seats": "many"}, "'many' is not a number of seats"),
        ({"--expires": "2031-02-30"}, "'2031-02-30' is not a date"),
        ({"--expires": "31/12/2030"}, "'31/12/2030' is not a date"),
        ({"--issued": "yesterday"}, "'yesterday' is not a date"),
        ({"--expires": "2026-01-15"}, "--expires 2026-01-15 must be after the issue date"),
        ({"--expires": "2025-01-01"}, "must be after the issue date 2026-01-15"),
        ({"--edition": "platinum"}, "invalid choice: 'platinum'"),
        ({"--licensee": "   "}, "--licensee must name the customer"),
        ({"--id": " "}, "--id must not be empty"),
        ({"--private-key": "missing.key"}, "private key missing.key not found"),
        ({"--expires": None}, "the following arguments are required: --expires"),
    ],
)
def test_issue_refuses_bad_input_in_one_line(capsys, signer, overrides, words):
    code, out, err = run(capsys, *issue_args(signer, **overrides))
    assert one_line_error(code, out, err, words) and out == ""


def test_issue_refuses_a_public_key_or_a_file_that_is_no_key(capsys, signer, tmp_path):
    public = signer.with_suffix(".pub")
    assert one_line_error(
        *run(capsys, *issue_args(signer, **{"--private-key": public})), "is a public key"
    )
    junk = tmp_path / "junk.key"
    junk.write_bytes(b"\x00\xffnot base64")
    assert one_line_error(
        *run(capsys, *issue_args(signer, **{"--private-key": junk})), "is not a private key"
    )


def test_issue_refuses_a_private_key_that_does_not_match_its_public_half(capsys, tmp_path):
    a, b = tmp_path / "a.key", tmp_path / "b.key"
    write_keypair(a)
    write_keypair(b)
    a.with_suffix(".pub").write_text(b.with_suffix(".pub").read_text())
    assert one_line_error(
        *run(capsys, *issue_args(a, **{"--private-key": a})), "does not match the public key"
    )


# --- install, show, remove -----------------------------------------------------------------


def test_install_a_key_then_show_it(capsys, ini, signer, db):
    key = new_key(signer, licensee="Dev", seats=10)
    code, out, err = run(capsys, "license", "install", ini, key)
    assert code == 0, err
    assert "License installed: Enterprise edition." in out
    for words in (
        "Licensee:   Dev",
        "Seats:      0 used of 10",
        f"Expires:    {NEXT_YEAR.isoformat()} (365 days left)",
        "Signed by:  local:test-vendor",
    ):
        assert words in out
    assert get_setting(db, LICENSE_SETTING) == key

    create_user(db, username="dana", role="agent", password=None)
    db.commit()
    code, out, _ = run(capsys, "license", "show", ini)
    assert code == 0
    assert out.startswith("Edition in force: Enterprise\n")
    for words in (
        "Licensee:   Dev",
        "Seats:      1 used of 10",
        f"Issued:     {dt.date.today().isoformat()}",
        "(365 days left)",
        "Signed by:  local:test-vendor  (listed in this config's frontdesk.license.public_keys)",
    ):
        assert words in out


def test_install_from_a_file_or_stdin(capsys, ini, signer, db, tmp_path, monkeypatch):
    key = new_key(signer)
    path = tmp_path / "license.txt"
    path.write_text("\n".join(key[i : i + 64] for i in range(0, len(key), 64)) + "\n")
    assert run(capsys, "license", "install", ini, "--file", path)[0] == 0
    assert get_setting(db, LICENSE_SETTING) == key

    other = new_key(signer, licensee="Piped Inc")
    code, out, _ = run(
        capsys, "license", "install", ini, "--file", "-", stdin=other, monkeypatch=monkeypatch
    )
    assert code == 0 and "Piped Inc" in out


def test_install_warns_when_the_license_has_fewer_seats_than_active_staff(capsys, ini, signer, db):
    for name in ("a1", "a2", "a3"):
        create_user(db, username=name, role="agent", password=None)
    db.commit()
    code, out, _ = run(capsys, "license", "install", ini, new_key(signer, seats=2))
    assert code == 0
    assert "3 agents and administrators are active but the license has 2 seats" in out
    assert "Nobody was deactivated" in out
    assert db.scalar(select(func.count(User.id)).where(User.active.is_(True))) == 3


@pytest.mark.parametrize(
    ("make_key", "words"),
    [
        (lambda signer, tmp: "garbage", "No installed verifier can read this license key"),
        (lambda signer, tmp: new_key(signer)[:-20], "incomplete"),
        (
            lambda signer, tmp: new_key(
                signer, issued=dt.date(2020, 1, 1), expires=dt.date(2021, 1, 1)
            ),
            "expired on 2021-01-01",
        ),
        (
            lambda signer, tmp: new_key(signer, issued=dt.date.today() + dt.timedelta(days=3)),
            f"is not valid before {dt.date.today() + dt.timedelta(days=3)}",
        ),
        (
            lambda signer, tmp: issue(
                read_private_key(_stranger(tmp)),
                licensee="Mallory",
                edition=Edition.ENTERPRISE,
                seats=99,
                expires=NEXT_YEAR,
            ),
            "signed by a key this installation does not trust",
        ),
    ],
)
def test_install_refuses_bad_keys_in_one_line_and_keeps_the_installed_one(
    capsys, ini, signer, db, tmp_path, make_key, words
):
    installed = new_key(signer)
    run(capsys, "license", "install", ini, installed)
    code, out, err = run(capsys, "license", "install", ini, make_key(signer, tmp_path))
    assert one_line_error(code, out, err, "license refused: ") and words in err
    assert out == ""
    db.expire_all()
    assert get_setting(db, LICENSE_SETTING) == installed


def _stranger(tmp):
    private = tmp / "stranger.key"
    if not private.exists():
        write_keypair(private)
    return private


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["license", "install", "{ini}"], "one of the arguments KEY --file is required"),
        (["license", "install", "{ini}", "KEY", "--file", "f"], "not allowed with argument"),
        (["license", "install", "{ini}", "--file", "nowhere.txt"], "nowhere.txt not found"),
        (["license", "install", "missing.ini", "KEY"], "config file missing.ini not found"),
        (["license", "show", "missing.ini"], "config file missing.ini not found"),
        (["license", "remove", "missing.ini"], "config file missing.ini not found"),
        (["license", "frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_license_mistakes_give_one_line_and_status_2(capsys, ini, argv, words):
    assert one_line_error(*run(capsys, *[a.format(ini=ini) for a in argv]), words)


def test_an_empty_key_file_is_refused(capsys, ini, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    assert one_line_error(*run(capsys, "license", "install", ini, "--file", empty), "is empty")


def test_show_without_a_license(capsys, ini):
    code, out, _ = run(capsys, "license", "show", ini)
    assert code == 0
    assert out.startswith("No license installed: Free edition\n")
    assert "no seat limit" in out


def test_show_an_expired_license(capsys, ini, signer, db):
    set_setting(
        db,
        LICENSE_SETTING,
        new_key(signer, issued=dt.date(2020, 1, 1), expires=dt.date(2020, 12, 31)),
        bumps_state=True,
    )
    db.commit()
    code, out, _ = run(capsys, "license", "show", ini)
    assert code == 0
    assert out.startswith("Edition in force: Free (the Enterprise license expired on 2020-12-31)\n")
    assert "Expires:    2020-12-31 (expired " in out and "days ago)" in out
    assert "no limit while it is expired" in out


def test_show_an_installed_license_that_is_not_valid_yet(capsys, ini, signer, db):
    later = dt.date.today() + dt.timedelta(days=5)
    set_setting(db, LICENSE_SETTING, new_key(signer, issued=later), bumps_state=True)
    db.commit()
    code, out, _ = run(capsys, "license", "show", ini)
    assert code == 0
    assert out.startswith("Edition in force: Free\nThe installed license key is refused: ")
    assert f"is not valid before {later.isoformat()}; the Free edition is in force" in out


def test_show_a_key_whose_signer_is_no_longer_trusted(capsys, ini, signer, engine, tmp_path):
    run(capsys, "license", "install", ini, new_key(signer))
    untrusting = write_ini(tmp_path / "untrusting.ini", engine)
    code, out, _ = run(capsys, "license", "show", untrusting)
    assert code == 0
    assert out.startswith("Edition in force: Free\nThe installed license key is refused: ")
    assert "does not trust" in out


def test_remove(capsys, ini, signer, db):
    run(capsys, "license", "install", ini, new_key(signer))
    code, out, _ = run(capsys, "license", "remove", ini)
    assert code == 0 and "License removed: the Free edition is in force" in out
    db.expire_all()
    assert get_setting(db, LICENSE_SETTING) is None
    code, out, _ = run(capsys, "license", "remove", ini)
    assert code == 0 and "No license was installed" in out
    assert run(capsys, "license", "show", ini)[1].startswith("No license installed")


def test_user_create_respects_the_seats(capsys, ini, signer, db, monkeypatch):
    run(capsys, "license", "install", ini, new_key(signer, seats=1))
    create_user(db, username="first", role="agent", password=None)
    db.commit()
    before = db.scalar(select(func.count(User.id)))
    code, out, err = run(
        capsys,
        "user",
        "create",
        ini,
        "--username",
        "second",
        "--role",
        "administrator",
        stdin="a-long-password\n",
        monkeypatch=monkeypatch,
    )
    assert one_line_error(
        code,
        out,
        err,
        "role: All 1 agent seats of the license are in use; deactivate an agent or install "
        "a license with more seats.",
    )
    assert db.scalar(select(func.count(User.id))) == before
    code, _, _ = run(
        capsys,
        "user",
        "create",
        ini,
        "--username",
        "casey",
        "--role",
        "customer",
        stdin="a-long-password\n",
        monkeypatch=monkeypatch,
    )
    assert code == 0, "customers take no seat"


def test_every_license_command_has_help(capsys):
    for command in (
        ["license"],
        ["license", "keygen"],
        ["license", "issue"],
        ["license", "install"],
        ["license", "show"],
        ["license", "remove"],
    ):
        with pytest.raises(SystemExit) as exit:
            build_parser().parse_args([*command, "--help"])
        assert exit.value.code == 0
        assert "usage: frontdesk license" in capsys.readouterr().out


# --- init: the development key pair --------------------------------------------------------


@pytest.fixture
def dev_ini(tmp_path, engine):
    config = tmp_path / "config"
    config.mkdir()
    return write_ini(
        config / "development.ini",
        engine,
        "frontdesk.license.public_keys =",
        "    ../var/license-dev.pub",
    )


def test_init_creates_the_development_key_pair_under_var(capsys, dev_ini, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "init", dev_ini)
    assert code == 0
    private, public = tmp_path / "var" / "license-dev.key", tmp_path / "var" / "license-dev.pub"
    assert private.is_file() and public.is_file()
    assert "  private key: var/license-dev.key\n" in out
    assert "  public key:  var/license-dev.pub\n" in out
    assert (
        "frontdesk license issue --private-key var/license-dev.key --edition enterprise "
        '--licensee "Dev" --seats 10 --expires 20'
    ) in out

    # The hint works as printed, and the key it makes installs as local:license-dev.
    hint = next(line for line in out.splitlines() if "license issue" in line).split()
    expires = hint[hint.index("--expires") + 1]
    code, key, _ = run(
        capsys,
        *issue_args(
            private,
            **{"--edition": "enterprise", "--licensee": "Dev", "--expires": expires},
            **{"--seats": "10", "--issued": None, "--id": None},
        ),
    )
    code, out, _ = run(capsys, "license", "install", dev_ini, key.strip())
    assert code == 0 and "Signed by:  local:license-dev" in out

    keys = private.read_text(), public.read_text()
    code, out, _ = run(capsys, "init", dev_ini)
    assert code == 0 and "key pair" not in out, "init is idempotent"
    assert (private.read_text(), public.read_text()) == keys


def test_init_never_creates_keys_in_production(capsys, tmp_path, engine):
    prod = write_ini(
        tmp_path / "production.ini",
        engine,
        "frontdesk.production = true",
        "frontdesk.license.public_keys =",
        "    var/license-dev.pub",
    )
    code, out, _ = run(capsys, "init", prod)
    assert code == 0 and "key pair" not in out
    assert not (tmp_path / "var").exists()


def test_init_leaves_a_listed_public_key_without_its_private_half_alone(capsys, tmp_path, engine):
    vendor = tmp_path / "vendor"
    write_keypair(vendor / "acme.key")
    (vendor / "acme.key").unlink()  # a vendor ships only the public half
    shipped = (vendor / "acme.pub").read_text()
    ini = write_ini(
        tmp_path / "vendor.ini", engine, "frontdesk.license.public_keys =", "    vendor/acme.pub"
    )
    code, out, _ = run(capsys, "init", ini)
    assert code == 0 and "key pair" not in out
    assert (vendor / "acme.pub").read_text() == shipped
    assert not (vendor / "acme.key").exists()
