"""Message bodies are Markdown rendered to HTML that cannot carry script."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from frontdesk.text import render_markdown


def test_markdown_is_rendered():
    html = render_markdown("**Hello** _there_\n\n- one\n- two\n\n`code`")
    assert "<strong>Hello</strong>" in html and "<em>there</em>" in html
    assert "<li>one</li>" in html and "<code>code</code>" in html


def test_single_newlines_are_kept_as_line_breaks():
    assert "<br" in render_markdown("first line\nsecond line")


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        "![x](https://evil.example/track.png)",
    ],
)
def test_no_active_content_survives(source):
    soup = BeautifulSoup(str(render_markdown(source)), "html.parser")
    assert not soup.find_all(["script", "iframe", "img", "object", "embed"])
    for element in soup.find_all(True):
        assert not [a for a in element.attrs if a.lower().startswith("on")]
        assert not element.get("href", "").strip().lower().startswith("javascript:")


def test_raw_html_is_shown_as_text():
    assert "&lt;script&gt;" in render_markdown("<script>alert(1)</script>")


def test_links_are_kept_safe():
    html = render_markdown("[docs](https://example.com/help)")
    assert 'href="https://example.com/help"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
