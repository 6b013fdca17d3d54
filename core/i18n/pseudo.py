"""The pseudo-locale: English, with every string translated in a known domain wrapped in
``⟦`` ... ``⟧``, so a test can see which visible text did not go through translation.

A *known* domain is core's or one with catalogs in a registered translation folder: a
template that forgets ``i18n:domain`` (or misspells it) stays unwrapped, and is caught.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pyramid.i18n import Localizer, Translations

from frontdesk.i18n import DOMAIN, PSEUDO_END, PSEUDO_LOCALE, PSEUDO_START


def wrap(text: str) -> str:
    return f"{PSEUDO_START}{text}{PSEUDO_END}"


def domains_in(folders: Iterable[str]) -> frozenset[str]:
    """The domains that have a template (``<domain>.pot``) or a compiled catalog in
    ``folders``."""
    found = set()
    for folder in map(Path, folders):
        found.update(pot.stem for pot in folder.glob("*.pot"))
        found.update(mo.stem for mo in folder.glob("*/LC_MESSAGES/*.mo"))
    return frozenset(found)


class PseudoLocalizer(Localizer):
    """A localizer that answers English wrapped in markers (see the module docstring)."""

    def __init__(self, known_domains: Iterable[str]):
        translations = Translations()
        translations._catalog = {}
        super().__init__(locale_name=PSEUDO_LOCALE, translations=translations)
        self.known_domains = frozenset(known_domains) | {DOMAIN}

    def translate(self, tstring: Any, domain: str | None = None, mapping: Any = None) -> str:
        text = super().translate(tstring, domain=domain, mapping=mapping)
        if (domain or getattr(tstring, "domain", None)) in self.known_domains:
            return wrap(text)
        return text

    def pluralize(
        self, singular: Any, plural: Any, n: int, domain: str | None = None, mapping: Any = None
    ) -> str:
        text = super().pluralize(singular, plural, n, domain=domain, mapping=mapping)
        return wrap(text) if domain in self.known_domains else text
