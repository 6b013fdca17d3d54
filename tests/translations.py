"""Helpers for the i18n tests: compiled catalogs written on the fly, visible text read
back from pages, and a crawler that finds every string a page shows untranslated."""

from __future__ import annotations

import itertools
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from pyramid.interfaces import IRoutesMapper

from frontdesk.i18n import PSEUDO_END, PSEUDO_START

#: A few of core's messages in German and French: enough to see which language a page
#: or message came out in, whatever the real catalogs hold.
CORE_MESSAGES = {
    "de": {
        "Skip to content": "Zum Inhalt springen",
        "Language": "Sprache",
        "Management": "Verwaltung",
        "Saved.": "Gespeichert.",
        "Hello ${name}": "Hallo ${name}",
    },
    "fr": {
        "Skip to content": "Aller au contenu",
        "Language": "Langue",
        "Saved.": "Enregistré.",
    },
}


def write_catalog(
    locale_dir: Path, domain: str, language: str, messages: Mapping[str, str]
) -> Path:
    """``locale_dir/<language>/LC_MESSAGES/<domain>.mo`` holding ``messages``."""
    catalog = Catalog(locale=language, domain=domain)
    for msgid, text in messages.items():
        catalog.add(msgid, text)
    path = locale_dir / language / "LC_MESSAGES" / f"{domain}.mo"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        write_mo(file, catalog)
    return path


def write_core_catalogs(locale_dir: Path) -> Path:
    """A stand-in for core's ``locale/`` folder with :data:`CORE_MESSAGES`."""
    for language, messages in CORE_MESSAGES.items():
        write_catalog(locale_dir, "frontdesk", language, messages)
    return locale_dir


#: Elements whose text is not shown as text, or is not ours to translate: dates, and
#: computer code (permission names, commands) shown as such.
SKIPPED_ELEMENTS = {
    "script",
    "style",
    "time",
    "head",
    "noscript",
    "template",
    "code",
    "kbd",
    "samp",
}
#: Attributes a person sees or hears.
VISIBLE_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
#: What is not text to translate: digits, punctuation, symbols and space.
NOT_WORDS = re.compile(r"[\W\d_]+")


def _skipped(element: Tag) -> bool:
    return element.name in SKIPPED_ELEMENTS or element.get("translate") == "no"


def visible_texts(html: str) -> Iterator[str]:
    """The page's title, its visible text nodes, one string per block of text in
    document order, and the attributes a person sees or hears."""
    soup = BeautifulSoup(html, "html.parser")
    title = soup.find("title")
    if title is not None:
        yield title.get_text()
    body = soup.body or soup
    yield _block_text(body)
    for element in body.find_all(True):
        if any(_skipped(e) for e in (element, *element.parents) if isinstance(e, Tag)):
            continue
        for attribute in VISIBLE_ATTRIBUTES:
            if element.get(attribute):
                yield element[attribute]
        button = element.name == "input" and element.get("type") in ("submit", "button")
        if button and element.get("value"):
            yield element["value"]


def _block_text(root: Tag) -> str:
    """Every visible text node under ``root`` joined with newlines between them."""
    parts = []
    for node in root.descendants:
        if not isinstance(node, NavigableString) or isinstance(node, Comment):
            continue
        if any(_skipped(parent) for parent in node.parents if isinstance(parent, Tag)):
            continue
        parts.append(str(node))
    return "".join(parts)


def unmarked(text: str) -> list[str]:
    """The pieces of ``text`` outside pseudo-locale markers (nested markers allowed)
    that contain a letter."""
    outside, depth, current = [], 0, []
    for char in text:
        if char == PSEUDO_START:
            if depth == 0:
                outside.append("".join(current))
                current = []
            depth += 1
        elif char == PSEUDO_END and depth:
            depth -= 1
        elif depth == 0:
            current.append(char)
    outside.append("".join(current))
    found = []
    for piece in outside:
        for line in piece.splitlines():
            if NOT_WORDS.sub("", line):
                found.append(" ".join(line.split()))
    return found


def untranslated(html: str, data: Iterable[str] = ()) -> list[str]:
    """Every visible string of ``html`` (a page rendered in the pseudo-locale) that did
    not go through translation. ``data``: values that cannot carry markers (usernames,
    email addresses), not counted where they appear as whole words."""
    words = sorted(data, key=len, reverse=True)
    pattern = (
        re.compile("|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in words)) if words else None
    )
    return [
        piece
        for text in visible_texts(html)
        for piece in unmarked(pattern.sub(" ", text) if pattern else text)
    ]


# --- the crawler ----------------------------------------------------------------------

#: Paths never fetched: assets, and pages that are not pages.
SKIPPED_PATHS = re.compile(r"/static/|/healthz$|/readyz$|/logout$|/attachments/")
_PLACEHOLDERS = re.compile(r"\{(\w+)(?::[^}]*)?\}")


def route_urls(app: Any, fill: Mapping[str, Iterable[str]]) -> list[str]:
    """Every registered route's URL, each ``{placeholder}`` filled with every value
    ``fill`` offers for it; routes with a placeholder ``fill`` lacks are left to the
    links found while crawling."""
    urls = []
    for route in app.app.registry.getUtility(IRoutesMapper).get_routes():
        pattern = route.pattern if route.pattern.startswith("/") else "/" + route.pattern
        if "*" in pattern or SKIPPED_PATHS.search(pattern):
            continue
        names = _PLACEHOLDERS.findall(pattern)
        if any(name not in fill for name in names):
            continue
        for values in itertools.product(*(fill[name] for name in names)):
            urls.append(route.generate(dict(zip(names, values, strict=True))))
    return sorted(set(urls))


def crawl(
    app: Any, start: Iterable[str], *, data: Iterable[str] = (), limit: int = 1000
) -> dict[str, list[str]]:
    """GET ``start`` and every page of this site they link to (up to ``limit`` pages)
    with ``app``'s cookies; returns URL -> the visible strings that did not go through
    translation (a 5xx answer counts as one); ``data`` as for :func:`untranslated`."""
    queue, seen, found = deque(start), set(), {}
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen or SKIPPED_PATHS.search(urlsplit(url).path):
            continue
        seen.add(url)
        response = app.get(url, expect_errors=True)
        if 300 <= response.status_int < 400 and response.location:
            queue.append(_local(url, response.location))
            continue
        if response.status_int >= 500:
            found[url] = [f"HTTP {response.status}"]
            continue
        if "html" not in response.content_type:
            continue
        problems = untranslated(response.text, data)
        if problems:
            found[url] = problems
        for link in BeautifulSoup(response.text, "html.parser").select("a[href]"):
            target = _local(url, link["href"])
            if target and target not in seen:
                queue.append(target)
    return found


def _local(base: str, href: str) -> str:
    """``href`` as a path and query on this site, or ``""`` for other sites."""
    parts = urlsplit(urljoin("http://localhost" + base, href))
    if parts.netloc != "localhost" or parts.scheme not in ("http", "https"):
        return ""
    return parts.path + (f"?{parts.query}" if parts.query else "")
