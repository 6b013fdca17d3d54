"""The hook-tracing tip of the plugin authors' guide works as written, for passing tests."""

from __future__ import annotations

import os
import subprocess
import sys


def test_traced_hook_calls_show_for_a_passing_test(tmp_path):
    (tmp_path / "test_traced.py").write_text(
        "from frontdesk.app import make_plugins\n\n"
        "def test_passes():\n"
        "    make_plugins({}, plugins=[]).hook.frontdesk_permissions()\n"
    )
    result = subprocess.run(
        # As the guide says: FRONTDESK_TRACE_HOOKS=1 pytest --log-cli-level=DEBUG
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--log-cli-level=DEBUG"],
        cwd=tmp_path,
        env={**os.environ, "FRONTDESK_TRACE_HOOKS": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert "frontdesk_permissions [hook]" in result.stdout
    assert "finish frontdesk_permissions --> [[Permission(" in result.stdout
