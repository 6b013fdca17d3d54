"""Translation catalogs: every domain's template matches its sources, German and French
are complete (nothing empty, nothing fuzzy, placeholders kept) and the committed ``.mo``
files are what the ``.po`` files compile to. ``scripts/catalogs.py`` fixes what fails."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from frontdesk.i18n.catalogs import Domain, compiled, problems, run

ROOT = Path(__file__).resolve().parent.parent


def _project_script():
    spec = importlib.util.spec_from_file_location("catalogs_script", ROOT / "scripts/catalogs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PROJECT_DOMAINS = _project_script().project_domains()


@pytest.mark.parametrize("domain", PROJECT_DOMAINS, ids=lambda d: d.name)
def test_catalogs_are_complete_and_compiled(domain):
    found = problems(domain)
    assert not found, "\n".join(
        [*found, "fix with: python scripts/catalogs.py extract|update|compile"]
    )


# --- the workflow on a plugin of its own ----------------------------------------------

SOURCE = """
from frontdesk.i18n import TranslationStringFactory

_ = TranslationStringFactory("acme")
GREETING = _("Hello ${name}")
"""
TEMPLATE = """<p i18n:domain="acme"><span i18n:translate="">Good morning</span>
<span i18n:domain="other" i18n:translate="">Not ours</span></p>
"""


@pytest.fixture
def acme(tmp_path: Path) -> Domain:
    package = tmp_path / "acme"
    (package / "templates").mkdir(parents=True)
    (package / "__init__.py").write_text(SOURCE)
    (package / "templates" / "page.pt").write_text(TEMPLATE)
    return Domain("acme", package)


def translate_all(domain: Domain, language: str, translations: dict[str, str]) -> None:
    path = domain.po(language)
    with path.open("rb") as file:
        catalog = read_po(file, locale=language)
    for message in catalog:
        if message.id:
            message.string = translations.get(message.id, message.string)
            message.flags.discard("fuzzy")
    with path.open("wb") as file:
        write_po(file, catalog)


GERMAN = {"Hello ${name}": "Hallo ${name}", "Good morning": "Guten Morgen"}


def test_extract_update_translate_compile_check(acme):
    assert problems(acme) == ["acme: no template acme.pot; run extract"]
    assert run("extract", [acme]) == 0
    pot = acme.pot.read_text()
    assert 'msgid "Hello ${name}"' in pot and 'msgid "Good morning"' in pot
    assert "Not ours" not in pot, "another domain's message is not extracted"
    assert "python-brace-format" not in pot
    run("update", [acme], ["de"])
    assert "acme de: 'Good morning' is not translated" in problems(acme, ["de"])
    translate_all(acme, "de", GERMAN)
    assert problems(acme, ["de"]) == ["acme de: no compiled acme.mo; run compile"]
    run("compile", [acme], ["de"])
    assert problems(acme, ["de"]) == []
    assert acme.mo("de").read_bytes() == compiled(acme, "de")


def test_check_finds_every_kind_of_drift(acme):
    run("extract", [acme])
    run("update", [acme], ["de"])
    translate_all(acme, "de", {"Hello ${name}": "Hallo ${nom}", "Good morning": "Guten Morgen"})
    run("compile", [acme], ["de"])
    assert problems(acme, ["de"]) == [
        "acme de: 'Hello ${name}' -> 'Hallo ${nom}' changes the placeholders"
    ]
    translate_all(acme, "de", GERMAN)
    assert problems(acme, ["de"]) == ["acme de: acme.mo is not the compiled acme.po; run compile"]
    run("compile", [acme], ["de"])

    # The sources change: a new string, and a template that interpolates an expression.
    (acme.package / "more.py").write_text(SOURCE.replace("Hello ${name}", "Goodbye"))
    (acme.package / "templates" / "page.pt").write_text(
        '<p i18n:domain="acme" i18n:translate="">Hi ${user.name}</p>'
    )
    found = problems(acme, ["de"])
    assert "acme.pot: missing 'Goodbye'; run extract" in found
    assert "acme.pot: 'Good morning' is no longer in the sources; run extract" in found
    run("extract", [acme])
    found = problems(acme, ["de"])
    assert any("interpolates an expression (${user.name})" in p for p in found)
    run("update", [acme], ["de"])
    assert "acme de: 'Goodbye' is not translated" in problems(acme, ["de"])
    assert "acme fr: no catalog acme.po; run update" in problems(acme, ["de", "fr"])


def test_the_script_runs_from_the_command_line(acme):
    command = [sys.executable, str(ROOT / "scripts" / "catalogs.py")]
    done = subprocess.run(
        [*command, "check", f"acme={acme.package}"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1 and "no template acme.pot" in done.stdout
    done = subprocess.run(
        [*command, "extract", f"acme={acme.package}"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and acme.pot.exists()
    done = subprocess.run([*command, "bogus"], capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "invalid choice" in done.stderr
