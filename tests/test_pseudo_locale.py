"""Every visible string goes through translation: every page of every interface, rendered
in the pseudo-locale for each role, shows no text outside the ``⟦…⟧`` markers.

The pages are found from the registered routes (ids filled from the fixture data) and
from the links on the pages crawled. The fixture data wears markers of its own, so what
users typed does not count; usernames and email addresses (which cannot) are named.
Dates (``<time>``), code (``<code>``, ``<kbd>``, ``<samp>``), scripts and elements marked
``translate="no"`` (language and time zone names) are not checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from webtest import TestApp

from frontdesk import PUBLIC, Menu, MenuItem, PluginInfo, hookimpl
from frontdesk.i18n import LOCALE_COOKIE, PSEUDO_LOCALE, TranslationStringFactory
from frontdesk.testing import (
    install_test_license,
    log_in,
    make_administrator,
    make_agent,
    make_customer,
    make_department,
    make_test_app,
    make_ticket,
)
from tests.translations import crawl, route_urls, untranslated

BUILTIN_PLUGINS = ["portal", "management", "mobile", "kb", "chat"]
PSEUDO_SETTINGS = {
    "frontdesk.i18n.pseudo_locale": "true",
    # The product's name is the administrator's data too.
    "frontdesk.product_name": "⟦Acme⟧",
}


@dataclass
class Site:
    app: TestApp
    fill: dict[str, list[str]]
    #: Values that cannot carry markers: usernames and email addresses.
    data: list[str]


def make_site(tmp_path: Path, plugins: list) -> Site:
    app = make_test_app(plugins=plugins, tmp_path=tmp_path, settings=PSEUDO_SETTINGS)
    install_test_license(app, "enterprise", licensee="⟦Test Co⟧")
    support = make_department(app, "⟦Support⟧")
    casey = make_customer(app, "casey", display_name="⟦Casey Customer⟧")
    alex = make_agent(app, "alex", departments=["⟦Support⟧"], display_name="⟦Alex Agent⟧")
    ada = make_administrator(app, "ada", display_name="⟦Ada Admin⟧")
    ticket = make_ticket(
        app, requester=casey, department=support, subject="⟦Printer⟧", body="⟦Help!⟧"
    )
    users = (casey, alex, ada)
    return Site(
        app=app,
        fill={
            "number": [str(ticket.number)],
            "id": [str(support.id), *(str(user.id) for user in users)],
            "name": [*plugins_named(plugins)],
        },
        data=[name for user in users for name in (user.username, user.email)],
    )


def plugins_named(plugins: list) -> list[str]:
    return [p if isinstance(p, str) else p.PLUGIN.name for p in plugins]


#: Who crawls, and which interfaces they log into first.
ROLES = {
    "anonymous": (None, ()),
    "customer": ("casey", ("portal",)),
    "agent": ("alex", ("portal", "management", "mobile")),
    "administrator": ("ada", ("portal", "management", "mobile")),
}


def as_role(site: Site, role: str) -> TestApp:
    app = site.app
    app.reset()
    username, interfaces = ROLES[role]
    for interface in interfaces:
        log_in(app, username, interface=interface)
    app.set_cookie(LOCALE_COOKIE, PSEUDO_LOCALE)
    return app


def report(found: dict[str, list[str]]) -> str:
    lines = [f"{len(found)} page(s) show text that did not go through translation:"]
    for url, strings in sorted(found.items()):
        lines.append(f"  {url}")
        lines.extend(f"      {text!r}" for text in strings)
    return "\n".join(lines)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return make_site(tmp_path_factory.mktemp("pseudo"), BUILTIN_PLUGINS)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_every_interface_is_translated(site, role):
    app = as_role(site, role)
    start = [*route_urls(app, site.fill), "/no/such/page", "/management/no/such/page"]
    found = crawl(app, start, data=site.data)
    assert not found, report(found)


# --- the crawler itself ---------------------------------------------------------------

_ = TranslationStringFactory("frontdesk")


class SamplePlugin:
    """Pages with known marked and unmarked strings, in core's domain."""

    PLUGIN = PluginInfo(name="sample", title="Sample")

    def __init__(self, templates: Path):
        self.templates = templates

    @hookimpl
    def frontdesk_configure(self, config):
        pages = (("good", GOOD, "/sample/good"), ("bad", BAD, "/sample/bad"))
        for name, text, pattern in (*pages, ("ticket", GOOD, "/sample/tickets/{number}")):
            template = self.templates / f"{name}.pt"
            template.write_text(text)
            config.add_route(f"sample.{name}", pattern)
            config.add_view(
                lambda request: {},
                route_name=f"sample.{name}",
                renderer=str(template),
                permission=PUBLIC,
            )

    @hookimpl
    def frontdesk_menu_items(self, request, menu):
        if menu != Menu.PORTAL:
            return []
        items = [MenuItem(label=_("Marked page"), route_name="sample.good", order=1)]
        if request.path == "/sample/bad":
            items.append(MenuItem(label="Unmarked label", route_name="sample.bad", order=2))
        return items


GOOD = """<metal:page use-macro="layout" i18n:domain="frontdesk">
  <metal:c fill-slot="content">
    <h1 i18n:translate="">Marked heading</h1>
    <p i18n:translate="">Hello <b i18n:name="who">⟦Data⟧</b>, see <a href="/sample/bad"
       i18n:name="link" i18n:translate="">the other page</a>.</p>
    <input placeholder="Search" i18n:attributes="placeholder">
    <time datetime="2026-01-01T00:00:00Z">Jan 1, 2026</time>
    <select><option translate="no">Deutsch</option></select> <code>core:plugins:manage</code>
    <script src="/static/x.js"></script>
    <p>12:30 — 42 % / 7</p>
  </metal:c>
</metal:page>
"""
BAD = """<metal:page use-macro="layout" i18n:domain="frontdesk">
  <metal:c fill-slot="content">
    <h1>Forgotten heading</h1>
    <p i18n:translate="">Marked, with <b>markup</b> inside.</p>
    <p i18n:domain="frontdesk_nonexistent" i18n:translate="">Unknown domain</p>
    <input placeholder="Unmarked placeholder">
    <button title="Unmarked title" i18n:translate="">Marked button</button>
    <input type="submit" value="Unmarked value">
    <img src="/x.png" alt="Unmarked alt">
  </metal:c>
</metal:page>
"""


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Site:
    plugin = SamplePlugin(tmp_path_factory.mktemp("templates"))
    return make_site(tmp_path_factory.mktemp("sample"), [plugin])


def test_the_crawler_finds_each_unmarked_string_and_nothing_else(sample):
    app = as_role(sample, "anonymous")
    good = app.get("/sample/good").html
    assert good.select_one("main h1").text == "⟦Marked heading⟧"
    assert good.select_one("main p").text == "⟦Hello ⟦Data⟧, see ⟦the other page⟧.⟧"
    bad = untranslated(app.get("/sample/bad").text)
    assert "Unmarked label" in bad, "a menu label given as plain text"
    assert {
        "Forgotten heading",
        "Unknown domain",
        "Unmarked placeholder",
        "Unmarked title",
        "Unmarked value",
        "Unmarked alt",
    } <= set(bad)
    assert not any("Marked" in text and "Unmarked" not in text for text in bad)

    found = crawl(app, ["/sample/good"], data=sample.data)
    assert "/sample/good" not in found, report(found)
    assert "/sample/bad" in found, "reached through a link on the first page"
    assert found["/sample/good".replace("good", "bad")] == untranslated(app.get("/sample/bad").text)


def test_the_layout_is_translated(sample):
    """Core's own chrome: header, menus, footer and language picker, for a visitor."""
    app = as_role(sample, "anonymous")
    assert untranslated(app.get("/sample/good").text, sample.data) == []


def test_pages_are_found_from_routes_with_ids_filled(sample):
    urls = route_urls(sample.app, sample.fill)
    number = sample.fill["number"][0]
    assert {"/sample/good", f"/sample/tickets/{number}", "/language"} <= set(urls)
    assert not any("/static/" in url or url.endswith("/logout") for url in urls)
