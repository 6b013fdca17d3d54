"""The wheel ships the translation catalogs: installed from it, frontdesk speaks German.

Built from a copy of the working tree (the build writes ``build/`` and ``*.egg-info``
next to the sources) and installed without dependencies into a folder of its own, which
comes first on ``sys.path`` of a fresh interpreter.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
SKIPPED = shutil.ignore_patterns(
    ".git", ".venv*", "var", "build", "dist", "*.egg-info", "__pycache__", "docs", "bench"
)
RENDER = """
import sys, tempfile
from pathlib import Path
from webob import Request
import frontdesk
from frontdesk.migrations import runner as migrate
from frontdesk.app import make_app
from frontdesk.db.session import engine_from_settings
from frontdesk.plugin_platform.pluginmanager import make_plugins

assert frontdesk.__file__.startswith(sys.argv[1]), frontdesk.__file__
settings = {
    "sqlalchemy.url": f"sqlite:///{Path(tempfile.mkdtemp()) / 'db.sqlite'}",
    "frontdesk.plugins": "portal",
}
engine = engine_from_settings(settings)
migrate.upgrade(engine, make_plugins(settings))
app = make_app(settings, engine=engine)
print(Request.blank("/login", headers={"Accept-Language": "de"}).get_response(app).text)
"""


def pip(*args: str, cwd: Path | None = None) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=600,
    )


def german(msgid: str) -> str:
    path = ROOT / "core" / "locale" / "de" / "LC_MESSAGES" / "frontdesk.po"
    assert path.exists(), "core ships no German catalog"
    with path.open("rb") as file:
        message = read_po(file).get(msgid)
    assert message is not None and message.string, f"{msgid!r} has no German translation"
    return message.string


def test_the_wheel_ships_every_catalog_and_speaks_german(tmp_path):
    expected = german("Skip to content")
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=SKIPPED)
    pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "dist"), ".", cwd=source)
    [wheel] = (tmp_path / "dist").glob("frontdesk-*.whl")

    shipped = set(zipfile.ZipFile(wheel).namelist())
    catalogs = [
        path.relative_to(source)
        for folder in ("core", "plugins")
        for path in (source / folder).rglob("*")
        if path.suffix in (".pot", ".po", ".mo") and "locale" in path.parts
    ]
    assert catalogs, "no catalogs found"
    for path in catalogs:
        inside = path.parts[1:] if path.parts[0] == "core" else path.parts
        assert "/".join(("frontdesk", *inside)) in shipped, f"{path} is not in the wheel"

    target = tmp_path / "installed"
    pip("install", "--no-deps", "--target", str(target), str(wheel))
    environment = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run(
        [sys.executable, "-c", RENDER, str(target)],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert '<html lang="de"' in done.stdout
    assert expected in done.stdout
