"""A running ``frontdesk serve`` follows changes made by another process, without restart."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

from frontdesk.cli import main
from tests.servers import free_port, frontdesk_process


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_for_status(url: str, expected: int, within: float) -> int:
    deadline = time.monotonic() + within
    while (seen := status(url)) != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return seen


def test_cli_disable_switches_a_running_server_within_a_second(tmp_path, engine, capsys):
    url = engine.url.render_as_string(hide_password=False)
    ini = tmp_path / "live.ini"
    ini.write_text(
        f"[app:main]\nuse = egg:frontdesk\nsqlalchemy.url = {url}\n"
        "frontdesk.session.secret = live-test\n"
        f"[server:main]\nuse = egg:waitress#main\nlisten = 127.0.0.1:{free_port()}\n"
    )
    with frontdesk_process(ini) as base:
        assert status(f"{base}/kb/") == 200

        assert main(["plugins", "disable", str(ini), "kb"]) == 0
        # The contract is "within a second" (state_check_interval 0.5 s); the margin
        # covers a loaded CI machine. Latency itself is measured in bench/.
        assert wait_for_status(f"{base}/kb/", 404, within=5) == 404
        assert status(f"{base}/") == 200

        assert main(["plugins", "enable", str(ini), "kb"]) == 0
        assert wait_for_status(f"{base}/kb/", 200, within=5) == 200
