"""Check the architecture's import contracts (pyproject.toml, docs/architecture.md).

import-linter reads a package from one folder, but ``frontdesk`` comes from two: core/ is
``frontdesk`` and plugins/ is ``frontdesk.plugins``. This script lays both out as one
package of symbolic links in a temporary folder and runs ``lint-imports`` on it.

    python scripts/lint_imports.py            # exit status 0 when every contract is kept
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def assemble(dest: Path, extra: Mapping[str, str] | None = None) -> Path:
    """Lay out ``frontdesk`` under ``dest`` (links into core/ and plugins/), plus ``extra``
    files (relative path → source) written as real files, for tests of the contracts."""
    package = dest / "frontdesk"
    package.mkdir()
    for entry in (ROOT / "core").iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    (package / "plugins").symlink_to(ROOT / "plugins")
    for relative, source in (extra or {}).items():
        target = package / relative
        # A file inside a linked folder goes into a real copy of that folder's links.
        parts = Path(relative).parts
        folder = package
        for part in parts[:-1]:
            folder = folder / part
            if folder.is_symlink():
                real = folder.resolve()
                folder.unlink()
                folder.mkdir()
                for child in real.iterdir():
                    if child.name != "__pycache__":
                        (folder / child.name).symlink_to(child)
        target.write_text(source, encoding="utf-8")
    return dest


def lint(extra: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run lint-imports over the assembled package; output captured."""
    with tempfile.TemporaryDirectory() as tmp:
        assemble(Path(tmp), extra)
        env = {**os.environ, "PYTHONPATH": tmp, "PYTHONDONTWRITEBYTECODE": "1"}
        executable = Path(sys.executable).with_name("lint-imports")
        return subprocess.run(  # noqa: S603 - our own lint-imports, fixed arguments
            [str(executable), str(ROOT / "pyproject.toml"), "--no-cache"],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )


def main() -> int:
    result = lint()
    sys.stdout.write(result.stdout[result.stdout.find("Contracts") :] or result.stdout)
    sys.stderr.write(result.stderr)
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
