"""The README's two commands, ``scripts/run-demo.sh`` and ``scripts/test.sh``.

Each script runs for real, from a copy of the repository's scripts and config, but every
program it starts from a virtualenv is a stand-in that logs how it was called; only
``frontdesk url``, whose answer the demo prints, is the real command. Nothing is installed
or served, so this is cheap.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOGGING_STUB = '#!/bin/sh\necho "$0 $*" >> "$STUB_LOG"\n'
FRONTDESK_STUB = (
    LOGGING_STUB + f'if [ "$1" = url ]; then exec {sys.executable} -m frontdesk.cli "$@"; fi\n'
)


def _stub(path: Path, text: str = LOGGING_STUB) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The scripts, a development.ini listening on 127.0.0.1:7123 and stand-in virtualenvs."""
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    (tmp_path / "config").mkdir()
    ini = (ROOT / "config" / "development.ini").read_text()
    assert "listen = localhost:6543" in ini
    (tmp_path / "config" / "development.ini").write_text(
        ini.replace("listen = localhost:6543", "listen = 127.0.0.1:7123")
    )
    for venv in (".venv", ".venv-test"):
        for program in ("python", "ruff", "pytest"):
            _stub(tmp_path / venv / "bin" / program)
        _stub(tmp_path / venv / "bin" / "frontdesk", FRONTDESK_STUB)
    _stub(tmp_path / "path" / "chromium")  # so test.sh does not reach for apt-get
    return tmp_path


def run(checkout: Path, script: str) -> tuple[str, list[str]]:
    """Run ``script``; its output and the virtualenv programs it started, in order."""
    log = checkout / "calls.log"
    env = {
        **os.environ,
        "STUB_LOG": str(log),
        "PATH": f"{checkout / 'path'}{os.pathsep}{os.environ['PATH']}",
    }
    result = subprocess.run(
        ["bash", str(checkout / "scripts" / script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    calls = log.read_text().replace(f"{checkout}{os.sep}", "").splitlines()
    return result.stdout, calls


def test_the_demo_prints_the_address_the_config_serves_on(checkout):
    out, calls = run(checkout, "run-demo.sh")
    assert "frontdesk portal:      http://127.0.0.1:7123/\n" in out
    assert "management interface:  http://127.0.0.1:7123/management/\n" in out
    assert "6543" not in out
    assert calls[-1] == ".venv/bin/frontdesk serve config/development.ini"


def test_the_two_commands_use_separate_virtualenvs(checkout):
    """Running the tests while the demo runs must not reinstall the demo's package."""
    _, demo = run(checkout, "run-demo.sh")
    _, tests = run(checkout, "test.sh")
    tests = tests[len(demo) :]  # one log for both runs
    assert {call.split("/")[0] for call in demo} == {".venv"}
    assert {call.split("/")[0] for call in tests} == {".venv-test"}
    assert ".venv-test/bin/python -m pip install --quiet -e .[test]" in tests
    assert tests[-1].startswith(".venv-test/bin/pytest ")
