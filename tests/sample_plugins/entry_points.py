"""Install test plugins through real entry points: a ``.dist-info`` folder on sys.path."""

from __future__ import annotations

from pathlib import Path


def write_distribution(folder: Path, name: str, entry_points: dict[str, str]) -> Path:
    """Create ``<name>-1.0.dist-info`` declaring ``entry_points`` in ``frontdesk.plugins``."""
    info = folder / f"{name}-1.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    lines = "\n".join(f"{ep} = {target}" for ep, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[frontdesk.plugins]\n{lines}\n")
    return folder
