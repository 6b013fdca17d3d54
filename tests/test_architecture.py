"""The architecture's import contracts hold, and each one fails on a deliberate violation."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "lint_imports.py"
_spec = importlib.util.spec_from_file_location("lint_imports", SCRIPT)
assert _spec is not None and _spec.loader is not None
lint_imports = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lint_imports)


def test_every_contract_is_kept():
    result = lint_imports.lint()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("extra", "broken"),
    [
        pytest.param(
            {"plugin_platform/sneaky.py": "import frontdesk.web.layout\n"},
            "Core's layers: each imports only the layers below it BROKEN",
            id="plugin-platform-imports-web",
        ),
        pytest.param(
            {"identity/sneaky.py": "import frontdesk.plugins.portal\n"},
            "Core never imports a built-in plugin BROKEN",
            id="core-imports-a-plugin",
        ),
        pytest.param(
            {"plugins/kb/sneaky.py": "import frontdesk.plugins.portal.views\n"},
            "Plugins never import each other BROKEN",
            id="plugin-imports-a-plugin",
        ),
        pytest.param(
            {
                "identity/ping.py": "import frontdesk.identity.pong\n",
                "identity/pong.py": "import frontdesk.identity.ping\n",
            },
            "No import circles in core BROKEN",
            id="import-circle",
        ),
    ],
)
def test_a_violation_breaks_the_build(extra, broken):
    result = lint_imports.lint(extra)
    assert result.returncode != 0
    assert broken in result.stdout, result.stdout


def test_no_module_of_core_shadows_the_standard_library():
    """Tools that run with core/ as the working folder (catalog extraction, debuggers)
    would import ``core/platform`` instead of Python's ``platform``."""
    core = SCRIPT.parent.parent / "core"
    # Folders without __init__.py (locale/, static/) are namespace portions: they never
    # win over a module of the same name further along the path.
    names = {p.stem for p in core.glob("*.py")} | {
        p.parent.name for p in core.glob("*/__init__.py")
    }
    assert not names & set(sys.stdlib_module_names)
