"""Message bodies: Markdown in, sanitised HTML out, with bounded work.

Part of the schema layer: ``TicketMessage`` keeps ``body_html`` rendered from ``body``.

Messages are rendered once, when they are stored (see ``TicketMessage.body_html``), never
on every view. The renderer's work is bounded whatever the input: nesting stops at
:data:`MAX_NESTING` levels, a paragraph longer than :data:`MAX_INLINE` characters is shown
as plain text (link and emphasis scanning is what grows faster than the input), and a
source of more than :data:`MAX_LINES` lines, or of more than :data:`MAX_TOKENS` tokens or
table cells, is shown as plain text too.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markupsafe import Markup, escape

#: Longest source rendered as Markdown; the ticket service refuses longer messages.
MAX_SOURCE = 50_000
#: Deepest nesting of block quotes and lists (deeper markers stay text).
MAX_NESTING = 20
#: Longest paragraph whose links and emphasis are parsed.
MAX_INLINE = 5_000
#: Most lines rendered as Markdown (a longer message, such as a pasted log, is plain text).
MAX_LINES = 1_000
#: Most tokens a message may parse into before it is shown as plain text.
MAX_TOKENS = 5_000

ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"align"}, "th": {"align"}}


def _bounded_inline(state: StateCore) -> None:
    """markdown-it's ``inline`` rule, leaving overlong paragraphs as plain text."""
    for token in state.tokens:
        if token.type != "inline":
            continue
        if len(token.content) > MAX_INLINE:
            text = Token("text", "", 0)
            text.content = token.content
            token.children = [text]
        else:
            token.children = []
            state.md.inline.parse(token.content, state.md, state.env, token.children)


def _make_renderer() -> MarkdownIt:
    # Raw HTML in a message is shown as text (html=False).
    md = MarkdownIt(
        "commonmark", {"html": False, "linkify": False, "breaks": True, "maxNesting": MAX_NESTING}
    ).enable(["table", "strikethrough"])
    md.core.ruler.at("inline", _bounded_inline)
    return md


_markdown = _make_renderer()


def markdown_tokens(source: str) -> list[Token]:
    """The parsed message (what :func:`render_markdown` renders), for measuring its size."""
    return _markdown.parse(source[:MAX_SOURCE])


def _plain(source: str) -> str:
    paragraphs = (p for p in source.replace("\r\n", "\n").split("\n\n") if p.strip())
    return "".join(f"<p>{str(escape(p)).replace(chr(10), '<br>')}</p>" for p in paragraphs)


def render_markdown(source: str) -> Markup:
    """Markdown to HTML that is safe to put in a page (sanitised after rendering too)."""
    source = (source or "")[:MAX_SOURCE]
    small = source.count("\n") < MAX_LINES and source.count("|") < MAX_TOKENS  # table cells
    tokens = markdown_tokens(source) if small else None
    if tokens is None or len(tokens) > MAX_TOKENS:
        html = _plain(source)
    else:
        html = _markdown.renderer.render(tokens, _markdown.options, {})
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 (sanitised by nh3 just above)
