"""The plugin project template (``templates/plugin``, copier) generates a working plugin.

The template is rendered into ``tmp_path`` through copier's Python API, as
``copier copy templates/plugin DEST`` would, and the generated project's own tests run in
a separate pytest process of this virtualenv, from the project's folder and without
installing it (its pyproject puts the folder on ``sys.path``), exactly as its author
would run them.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from copier import run_copy

from frontdesk.i18n.catalogs import Domain, problems

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "templates" / "plugin"


def render(destination: Path, **answers: str) -> Path:
    run_copy(str(TEMPLATE), destination, data=answers, defaults=True, quiet=True)
    return destination


def run(*command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(command), cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def test_generated_plugin_passes_its_own_tests(tmp_path: Path) -> None:
    """A two-word name, so every place the name goes is exercised (route, permission,
    table, branch label, entry point, package)."""
    project = render(tmp_path / "frontdesk-order-tracker", plugin_name="order_tracker")
    package = project / "frontdesk_order_tracker"

    result = run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "8 passed" in result.stdout

    metadata = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert metadata["project"]["name"] == "frontdesk-order-tracker"
    assert metadata["project"]["entry-points"]["frontdesk.plugins"] == {
        "order_tracker": "frontdesk_order_tracker"
    }
    migration = package / "migrations" / "order_tracker_0001_records.py"
    assert 'branch_labels = ("order_tracker",)' in migration.read_text(encoding="utf-8")
    assert (package / "templates" / "page.pt").is_file()
    assert (package / "locale" / "README.md").is_file()
    assert 'TranslationStringFactory("frontdesk_order_tracker")' in (package / "i18n.py").read_text(
        encoding="utf-8"
    )


def test_generated_catalog_template_lists_every_marked_string(tmp_path: Path) -> None:
    """The shipped ``.pot`` holds what the catalog workflow extracts from the generated
    code, even for a title and description with quotes and backslashes, and a package
    named apart from the distribution (the domain follows the distribution)."""
    project = render(
        tmp_path / "acme",
        plugin_title='The "Acme" desk',
        description="Back\\slash.",
        package="acme_desk",
        distribution="acme-help-desk",
    )
    domain = Domain("acme_help_desk", project / "acme_desk")
    assert domain.pot.is_file()
    assert problems(domain, languages=()) == []
    assert 'TranslationStringFactory("acme_help_desk")' in (
        project / "acme_desk" / "i18n.py"
    ).read_text(encoding="utf-8")


def test_generated_code_is_lint_clean(tmp_path: Path) -> None:
    project = render(tmp_path / "frontdesk-acme")
    rules = ["--isolated", "--line-length", "100"]
    lint = run(
        sys.executable, "-m", "ruff", "check", *rules, "--select", "E,F,W,I,B,UP", ".", cwd=project
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    style = run(sys.executable, "-m", "ruff", "format", *rules, "--check", ".", cwd=project)
    assert style.returncode == 0, style.stdout + style.stderr


@pytest.mark.parametrize("name", ["Acme", "order-tracker", "2fast", "_hidden", "my plugin"])
def test_a_name_that_cannot_be_a_plugin_name_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="lower case letters, digits and underscores"):
        render(tmp_path / "out", plugin_name=name)
    assert not (tmp_path / "out").exists(), "nothing is written for a refused answer"
