"""``frontdesk serve`` says where mail goes, and refuses unusable mail settings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.servers import free_port, frontdesk_process


def write_ini(tmp_path: Path, engine, mail: str) -> Path:
    url = engine.url.render_as_string(hide_password=False)
    ini = tmp_path / "mail.ini"
    ini.write_text(
        f"[app:main]\nuse = egg:frontdesk\nsqlalchemy.url = {url}\n"
        f"frontdesk.session.secret = mail-test\n{mail}"
        f"[server:main]\nuse = egg:waitress#main\nlisten = 127.0.0.1:{free_port()}\n"
    )
    return ini


def test_serve_announces_the_files_transport(tmp_path, engine):
    folder = tmp_path / "outbox"
    ini = write_ini(
        tmp_path,
        engine,
        f"frontdesk.mail.transport = files\nfrontdesk.mail.files_dir = {folder}\n",
    )
    with frontdesk_process(ini):
        log = ini.with_suffix(".log").read_text()
    assert f"Mail: mail is not sent: each mail is written as an .eml file under {folder}" in log


def test_serve_refuses_an_unknown_transport_in_one_line(tmp_path, engine):
    ini = write_ini(tmp_path, engine, "frontdesk.mail.transport = pigeon\n")
    command = [str(Path(sys.executable).with_name("frontdesk")), "serve", str(ini)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "frontdesk: error: frontdesk.mail.transport must be smtp or files, not 'pigeon'"
    ]
