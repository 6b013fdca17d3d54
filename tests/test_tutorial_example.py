"""The plugin tutorial's example, ``examples/frontdesk-hello``, really works.

The example's own tests run here, in-process and without installing it: its folder goes on
``sys.path`` for the duration of a test, and its test module is loaded from the file under
a name of its own (its ``tests`` folder would clash with this package). Every example test
takes only ``tmp_path`` (so each gets a fresh one), or nothing. The tutorial must show the example's
code as it is.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import re
import sys
import tomllib
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path
from types import ModuleType

import pytest

from frontdesk.db import Base

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "frontdesk-hello"
PACKAGE = EXAMPLE / "frontdesk_hello"
TEST_FILE = EXAMPLE / "tests" / "test_hello.py"
TUTORIAL = ROOT / "docs" / "plugin-authors" / "writing-plugins.md"
MODULE_NAME = "frontdesk_hello_example_tests"

EXAMPLE_TESTS = [
    node.name
    for node in ast.parse(TEST_FILE.read_text(encoding="utf-8")).body
    if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
]
#: Files the tutorial shows whole (``__init__.py`` is shown hook by hook).
SHOWN_WHOLE = [
    "pyproject.toml",
    "frontdesk_hello/i18n.py",
    "frontdesk_hello/permissions.py",
    "frontdesk_hello/views.py",
    "frontdesk_hello/templates/greeting.pt",
    "frontdesk_hello/models.py",
    "frontdesk_hello/migrations/hello_0001_greetings.py",
    "tests/test_hello.py",
]


@pytest.fixture
def example_tests(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The example's test module, with ``frontdesk_hello`` importable."""
    monkeypatch.syspath_prepend(str(EXAMPLE))
    spec = importlib.util.spec_from_file_location(MODULE_NAME, TEST_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Registered: core looks up the module of a plugin object (HeaderLogin) by name.
    monkeypatch.setitem(sys.modules, MODULE_NAME, module)
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        for name in [n for n in sys.modules if n.partition(".")[0] == "frontdesk_hello"]:
            del sys.modules[name]
    # Tables on Base.metadata would outlive this test and upset the migration tests.
    assert "hello_greetings" not in Base.metadata.tables, "the example imported its models"


@pytest.mark.parametrize("name", EXAMPLE_TESTS)
def test_example(example_tests: ModuleType, name: str, tmp_path: Path) -> None:
    test = getattr(example_tests, name)
    parameters = list(inspect.signature(test).parameters)
    assert parameters in ([], ["tmp_path"]), "take only tmp_path, or nothing"
    test(*([tmp_path] if parameters else []))


def test_example_is_packaged_as_the_tutorial_says(example_tests: ModuleType) -> None:
    import frontdesk_hello

    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))
    plugin = frontdesk_hello.PLUGIN
    assert project["project"]["entry-points"]["frontdesk.plugins"] == {
        plugin.name: "frontdesk_hello"
    }
    assert project["project"]["version"] == plugin.version
    package_data = project["tool"]["setuptools"]["package-data"]["frontdesk_hello"]
    for path in PACKAGE.rglob("*"):
        relative = path.relative_to(PACKAGE)
        if path.is_dir() or "__pycache__" in relative.parts or relative.parent == Path("."):
            continue
        assert any(fnmatch(relative.as_posix(), p) for p in package_data), f"{relative} left out"


@pytest.mark.parametrize("path", SHOWN_WHOLE)
def test_tutorial_shows_the_file_as_it_is(path: str) -> None:
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", TUTORIAL.read_text(encoding="utf-8"), re.M | re.S)
    assert (EXAMPLE / path).read_text(encoding="utf-8") in blocks


def test_tutorial_shows_every_hook_implementation_as_it_is() -> None:
    source = (PACKAGE / "__init__.py").read_text(encoding="utf-8")
    tutorial = TUTORIAL.read_text(encoding="utf-8")
    hooks = [n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]
    assert hooks
    for hook in hooks:
        assert f"@hookimpl\n{ast.get_source_segment(source, hook)}\n" in tutorial, hook.name
