#!/usr/bin/env python3
"""Translation catalogs of every domain in this repository: extract, update, compile, check.

    python scripts/catalogs.py extract   # sources -> <package>/locale/<domain>.pot (lingua)
    python scripts/catalogs.py update    # .pot -> de/fr .po (new strings empty, changed fuzzy)
    python scripts/catalogs.py compile   # .po -> .mo (committed, shipped in the wheel)
    python scripts/catalogs.py check     # what tests/test_catalogs.py asserts

Name domains to work on only those (``frontdesk_portal``), and ``-l de`` for one language.
The workflow itself is :mod:`frontdesk.i18n.catalogs`, which plugin authors use directly.
"""

from __future__ import annotations

import sys
from pathlib import Path

from frontdesk.i18n.catalogs import Domain, main

ROOT = Path(__file__).resolve().parent.parent
#: Every translation domain of the repository and the package folder it lives in.
DOMAINS = {
    "frontdesk": ROOT / "core",
    **{
        f"frontdesk_{name}": ROOT / "plugins" / name
        for name in ("portal", "management", "kb", "chat", "mobile")
    },
    "frontdesk_hello": ROOT / "examples" / "frontdesk-hello" / "frontdesk_hello",
}


def project_domains() -> list[Domain]:
    return [Domain(name, package) for name, package in DOMAINS.items()]


if __name__ == "__main__":
    argv = sys.argv[1:]
    chosen = [arg for arg in argv if arg in DOMAINS]
    rest = [arg for arg in argv if arg not in DOMAINS]
    selected = [d for d in project_domains() if d.name in chosen] or project_domains()
    sys.exit(main(rest, default_domains=selected))
