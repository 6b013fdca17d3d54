"""Message bodies are Markdown rendered to HTML that cannot carry script."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from frontdesk.db import text
from frontdesk.db.text import render_markdown


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


# --- Bounded work on hostile input ------------------------------------------------------

NASTY = 49_000
HOSTILE = {
    "nested quotes": ">" * NASTY,
    "nested lists": "".join("  " * i + "- x\n" for i in range(300)),
    "emphasis": "*a" * (NASTY // 2),
    "strong nesting": "**a" * (NASTY // 3),
    "brackets": "[" * NASTY,
    "link openers": "[a](" * (NASTY // 4),
    "backticks": "".join("`" * i + "a" for i in range(1, 300)),
    "mixed": "*_`[<" * (NASTY // 5),
    "table rows": "|a|\n|-|\n" + "|\n" * (NASTY // 2),
    "wide table": "|" + "a|" * (NASTY // 4) + "\n|" + "-|" * (NASTY // 4) + "\n",
    "short lines": "a\n" * (NASTY // 2),
}


@pytest.fixture
def work(monkeypatch):
    """What the parsers were given: lines per block parse, characters per inline parse."""
    seen: dict[str, list[int]] = {"lines": [], "inline": []}
    block, inline = text._markdown.block.parse, text._markdown.inline.parse

    def count_block(src, md, env, tokens, *args):
        seen["lines"].append(src.count("\n"))
        return block(src, md, env, tokens, *args)

    def count_inline(src, md, env, tokens):
        seen["inline"].append(len(src))
        return inline(src, md, env, tokens)

    monkeypatch.setattr(text._markdown.block, "parse", count_block)
    monkeypatch.setattr(text._markdown.inline, "parse", count_inline)
    return seen


def depth(element) -> int:
    children = [c for c in element.children if getattr(c, "name", None)]
    return 1 + max((depth(c) for c in children), default=0)


@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_markdown_is_rendered_within_bounds(source, work):
    html = str(render_markdown(source))

    # The block parser sees few lines; the inline scanning, which grows faster than its
    # input, only short paragraphs...
    assert all(lines <= text.MAX_LINES for lines in work["lines"])
    assert all(length <= text.MAX_INLINE for length in work["inline"])
    assert sum(work["inline"]) <= len(source)
    # ...the tree stays shallow and small, and what the visitor typed is all still there.
    soup = BeautifulSoup(html, "html.parser")
    assert depth(soup) <= text.MAX_NESTING + 3
    assert len([t for t in soup.find_all(True) if t.name != "br"]) <= text.MAX_TOKENS
    visible = BeautifulSoup(html, "html.parser").get_text()
    assert visible.count("a") >= source.count("a") - 1


def test_a_long_paragraph_is_shown_as_typed():
    source = "*not emphasis* " * 400  # 6,000 characters in one paragraph
    html = render_markdown(source)
    assert "<em>" not in html and html.count("*not emphasis*") == 400


def test_ordinary_messages_keep_their_markdown():
    source = "\n\n".join(
        f"**Step {n}**: see [the guide](https://example.com/{n})" for n in range(200)
    )
    html = render_markdown(source)
    assert html.count("<strong>") == 200 and html.count("<a ") == 200
