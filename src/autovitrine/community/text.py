"""Text a collaborator writes: Markdown rendered by markdown-it-py, then sanitised by nh3.

Raw HTML is off in the Markdown parser *and* the output goes through nh3's allow-list, so what
we store in ``body_html`` carries no script, no style, no event handler and no image from
elsewhere (a remote image would track readers; ideas carry their own uploaded images).
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("strikethrough").disable("image")

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "s", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "h3", "h4", "a", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}

# A public name mentioned as @Name (letters, digits, "_", ".", "-"), not inside an e-mail.
MENTION = re.compile(r"(?<![\w@])@([\w.-]{3,30})")


def markdown_html(text: str) -> str:
    """Safe HTML for a Markdown text (headings demoted so a page keeps one ``h1``)."""
    html = _MARKDOWN.render(text)
    html = re.sub(r"<(/?)h[12]>", r"<\1h3>", html)
    html = re.sub(r"<(/?)h[56]>", r"<\1h4>", html)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener noreferrer",
    )


def mentioned_names(text: str) -> set[str]:
    return {name.rstrip(".-") for name in MENTION.findall(text)}


def has_link(text: str) -> bool:
    return bool(re.search(r"https?://|www\.|\]\(", text, re.IGNORECASE))
