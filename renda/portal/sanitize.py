"""Article bodies are cleaned with nh3 (the Ammonia sanitiser) before they are stored and
again before they are shown: an allow-list of tags and attributes, http(s)/mailto links
only. Scripts, styles, frames, forms, event handlers and `javascript:` links are gone.

The editor (django-prose-editor) writes `<p>` paragraphs, tables (with `<colgroup>`) and the
alignment of paragraphs, headings and cells as `style="text-align: …"`: a `style`
attribute survives only as exactly one of the four alignments, anything else in it drops
the attribute. Bodies written by the earlier editor kept paragraphs as `<div>`: a `<div>`
holding no block becomes a `<p>` (so it gets the first-line indent) and any other `<div>`
is unwrapped."""

from __future__ import annotations

import html
import re

import nh3

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s", "sub", "sup",
        "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th",
        "td", "caption", "figure", "figcaption", "span", "div", "pre", "code", "colgroup", "col",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "td": {"colspan", "rowspan", "style"},
    "ol": {"start"},
    "p": {"style"},
    "h2": {"style"},
    "h3": {"style"},
    "h4": {"style"},
    "col": {"span"},
}
#: The one style an element may carry: its alignment, from this list.
ALIGNMENTS = frozenset({"left", "center", "right", "justify"})
_ALIGN = re.compile(r"^\s*text-align\s*:\s*([a-z]+)\s*;?\s*$", re.I)
URL_SCHEMES = frozenset({"http", "https", "mailto"})


def _attribute(tag: str, name: str, value: str) -> str | None:
    if name != "style":
        return value
    match = _ALIGN.match(value)
    if match is None or match.group(1).lower() not in ALIGNMENTS:
        return None
    return f"text-align: {match.group(1).lower()}"


def _nh3(value: str, tags: frozenset[str]) -> str:
    return nh3.clean(
        value,
        tags=set(tags),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_attribute,
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


# A <div> with no block inside it (the earlier editor's paragraph), in clean HTML.
_LEAF_DIV = re.compile(
    r"<div>((?:(?!</?(?:div|p|h[1-6]|ul|ol|li|table|blockquote|figure|pre|hr)\b)(?:[^<]|<[^>]*>))*)</div>",
    re.I,
)


def divs_to_paragraphs(value: str) -> str:
    """Clean HTML with each block-free `<div>` turned into a `<p>`; other `<div>`s stay."""
    previous = None
    while previous != value:
        previous, value = value, _LEAF_DIV.sub(r"<p>\1</p>", value)
    return value


def clean_html(value: str) -> str:
    """The body as it may be stored and shown."""
    cleaned = _nh3(value or "", ALLOWED_TAGS)
    if "<div" not in cleaned:
        return cleaned
    return _nh3(divs_to_paragraphs(cleaned), ALLOWED_TAGS - {"div"})


_BLOCK_END = re.compile(r"</(p|div|h[2-4]|li|tr|blockquote|figure|pre)>|<br\s*/?>", re.I)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"[ \t\r\f\v]+")


def html_to_text(value: str) -> str:
    """Plain text of a (clean) body, paragraph breaks kept: for search and summaries."""
    text = _BLOCK_END.sub("\n", value or "")
    text = html.unescape(_TAG.sub("", text))
    lines = (_SPACE.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)
