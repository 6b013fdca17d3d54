"""Sphinx configuration: the documentation in docs/, with the API reference for plugin
authors generated from the docstrings (``docs/plugin-authors/api/``).

Build it as the test suite does (tests/test_docs.py), failing on any warning::

    python -m sphinx -W --keep-going -n -b html docs docs/_build/html
"""

from __future__ import annotations

import frontdesk

project = "frontdesk"
author = "the frontdesk authors"
copyright = "the frontdesk authors"
release = version = frontdesk.__version__

extensions = [
    "myst_parser",  # the Markdown pages (tutorial, admin and user guides)
    "sphinx.ext.autodoc",  # the API reference, from the docstrings
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]
myst_heading_anchors = 3  # [text](page.md#a-heading) links resolve

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_default_options = {"show-inheritance": False}

# Nitpicky (-n) checks every cross-reference. Without network there is no intersphinx, so
# the libraries' own types (Pyramid, SQLAlchemy, ...) cannot resolve: they are named, not
# linked. A frontdesk type that does not resolve is an internal one leaking into the
# public API and must be documented or hidden.
nitpick_ignore_regex = [
    (r"py:.*", r"(pyramid|sqlalchemy|markupsafe|webtest|transaction|pluggy|datetime)\..*"),
    (r"py:.*", r"(Request|Response|Session|Engine|Configurator|Markup|Mapped|TestApp)"),
    (r"py:.*", r"(Localizer|Registry|Huey)"),
    (r"py:.*", r"(dt\.date|dt\.datetime|dt\.timedelta|Path|Any|Callable|Iterable|Iterator)"),
    (
        r"py:.*",
        r"(Mapping|Sequence|Enum|StrEnum|ColumnElement|enum\..*|collections\.abc\..*|pathlib\..*)",
    ),
    (r"py:.*", r"(typing\..*|contextlib\..*|_io\..*|re\.Pattern|ClassVar)"),
    (r"py:.*", r"(translationstring|babel|zoneinfo)\..*"),
    (r"py:.*", r"(TranslationString|ZoneInfo|Locale|Catalog|Message)"),
    # The application's plugins, as services take them: ``request.registry.frontdesk_plugins``.
    (r"py:class", r"Plugins"),
]

html_theme = "alabaster"
html_title = f"frontdesk {release}"
