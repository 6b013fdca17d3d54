"""The documentation builds, and the plugin authors' reference says what it promises.

``docs/`` is built with Sphinx exactly as a contributor would (``-W --keep-going -n``): a
docstring with broken markup, a reference to an undocumented frontdesk name, a
``literalinclude`` of an example that was renamed or a page left out of every table of
contents fails the suite.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import frontdesk
from frontdesk.plugin_platform import hookspecs

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
HOOKS = DOCS / "plugin-authors" / "hooks.rst"
API = DOCS / "plugin-authors" / "api"
#: Warnings are errors, reported all at once; every cross-reference must resolve.
STRICT = ["-W", "--keep-going", "-n", "-q", "-E"]


def sphinx_build(source: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sphinx", *STRICT, "-b", "html", str(source), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_docs_build_without_a_warning(tmp_path: Path) -> None:
    result = sphinx_build(DOCS, tmp_path / "html")
    assert result.returncode == 0, result.stdout + result.stderr
    page = (tmp_path / "html" / "plugin-authors" / "api" / "models.html").read_text()
    # Generated from the docstrings and the typed fields, not written by hand.
    for name in ("frontdesk.db.tickets.Ticket", "requester_id", "display_name"):
        assert name in page


def test_a_broken_reference_fails_the_build(tmp_path: Path) -> None:
    """The check above can fail: a page naming an undocumented object is refused."""
    source = tmp_path / "docs"
    source.mkdir()
    (source / "conf.py").write_text((DOCS / "conf.py").read_text())
    (source / "index.rst").write_text("Broken\n======\n\nSee :class:`frontdesk.Nowhere`.\n")
    result = sphinx_build(source, tmp_path / "html")
    assert result.returncode != 0
    assert "frontdesk.Nowhere" in result.stderr


def hook_sections() -> dict[str, str]:
    """Each hook's section of hooks.rst, by hook name."""
    text = HOOKS.read_text(encoding="utf-8")
    parts = re.split(r"(?m)^\.\. _hook_(frontdesk_\w+):$", text)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


HOOK_NAMES = sorted(n for n in vars(hookspecs) if n.startswith("frontdesk_"))


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_every_hook_section_ends_with_a_working_example(name: str) -> None:
    """Examples are included from code the suite runs, or link to such an inclusion."""
    section = hook_sections().get(name)
    assert section is not None, f"hooks.rst has no section labelled hook_{name}"
    included = re.search(
        r"^\.\. literalinclude:: \.\./\.\./(\S+)\n\s+:pyobject: (\S+)", section, re.M
    )
    if included is None:
        assert ":ref:`the event examples <hook_event_examples>`" in section, name
        return
    path = included.group(1)
    assert (ROOT / path).is_file(), path
    assert path.startswith(("examples/", "tests/", "core/")), path


def test_every_public_module_is_in_the_reference() -> None:
    """The modules the public-API table names are the ones the reference documents."""
    index = (API / "index.rst").read_text(encoding="utf-8")
    table = index.split(".. list-table::", 1)[1].split("\n\n", 2)[1]
    listed = set(re.findall(r":mod:`(frontdesk[\w.]*)`", table))
    pages = "".join(p.read_text(encoding="utf-8") for p in API.glob("*.rst"))
    documented = set(re.findall(r"^\.\. (?:automodule|py:module):: (frontdesk[\w.]*)", pages, re.M))
    assert listed == documented


@pytest.mark.parametrize("name", sorted(set(frontdesk.__all__) - {"__version__"}))
def test_every_name_frontdesk_exports_is_in_the_reference(name: str) -> None:
    """What ``from frontdesk import ...`` offers is documented where it is defined."""
    obj = getattr(frontdesk, name)
    module = getattr(obj, "__module__", None)
    if module is None or not module.startswith("frontdesk"):
        # Values, and names frontdesk re-exports from a library: documented where
        # frontdesk offers them.
        module = {
            "PUBLIC": "frontdesk.plugin_platform.permissions",
            "hookimpl": "frontdesk.plugin_platform.pluginmanager",
            "TranslationStringFactory": "frontdesk.i18n",
        }[name]
    pages = "".join(p.read_text(encoding="utf-8") for p in API.glob("*.rst"))
    documented = re.findall(
        r"^\.\. (?:auto\w+|py:\w+):: ([\w.]+)(?:\n\s+:members: (.*))?", pages, re.M
    )
    full = f"{module}.{name}"
    assert any(
        target == full or (target == module and name in members.replace(" ", "").split(","))
        for target, members in documented
    ), f"{full} is not in docs/plugin-authors/api/"
