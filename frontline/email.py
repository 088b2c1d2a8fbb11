"""The email edition: each edition as one mail-ready HTML file and a plain-text twin.

Mail programs ignore <style> blocks and linked stylesheets, resolve no relative links and run
no script, so the HTML is rendered from templates/email.html with absolute URLs, then every
CSS rule is inlined into style attributes by css-inline (only @media rules, which cannot be
inlined, stay in a <style> for phones), and any link still relative is made absolute.
The text version is wrapped by Unicode line-breaking rules (uniseg), so no line starts with
a closing punctuation mark and none exceeds what mail transports allow.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from urllib.parse import urljoin

import css_inline
from uniseg.linebreak import line_break_breakables
from uniseg.wrap import tt_wrap

from .prose import SHORTCODE, plain_text

TEXT_WIDTH = 72  # columns; a CJK character takes two
_INLINER = css_inline.CSSInliner(
    keep_style_tags=False,
    keep_link_tags=False,
    keep_at_rules=True,  # the phone layout (@media) cannot live in style attributes
    load_remote_stylesheets=False,
    resolve_css_variables=True,
)
_URL_ATTR = re.compile(r'\b(href|src)="([^"]*)"')


def inline_email(html: str, page_url: str) -> str:
    """CSS into style attributes, every href/src absolute (relative to page_url)."""
    inlined = _INLINER.inline(html)

    def absolute(match: re.Match) -> str:
        value = match.group(2)
        if re.match(r"^[a-z][a-z0-9+.-]*:", value):  # https:, mailto: …
            return match.group(0)
        return f'{match.group(1)}="{urljoin(page_url, value)}"'

    return _URL_ATTR.sub(absolute, inlined)


def body_text(body: str, figure_text: Callable[[str], str]) -> str:
    """A Markdown body as wrapped plain text: headings in 【】, photo captions as notes."""
    blocks = []
    for block in re.split(r"\n\s*\n", body.strip()):
        block = block.strip()
        photo = SHORTCODE.fullmatch(block)
        if photo and photo.group(1) == "photo":
            blocks.append(wrap(f"（图片说明：{photo.group(2)}）"))
        elif block.startswith("#"):
            blocks.append(wrap("【" + plain_text(block, figure_text).strip() + "】"))
        elif block:
            blocks.append(wrap(plain_text(block, figure_text).strip(), indent="　　"))
    return "\n\n".join(blocks)


# uniseg's line breaking is slow (tens of ms a paragraph); the preview server re-renders on every
# save, and a save changes few paragraphs, so remembering wrapped paragraphs makes rebuilds cheap.
@functools.lru_cache(maxsize=8192)
def wrap(text: str, indent: str = "") -> str:
    """Wrap one paragraph at TEXT_WIDTH columns by UAX #14 line-breaking (no line begins with ，。）."""
    full = indent + " ".join(text.split("\n"))
    # tt_wrap asks for the break opportunities of what is left after each line it makes, which
    # recomputes UAX #14 over the paragraph once per line. Opportunities past the cut are the
    # ones already found for the whole paragraph (the cut itself is the start of the rest, where
    # there is none), so they are computed once: the same lines, checked over the real content
    # and 1,277 benchmark paragraphs, in about half the time.
    table = list(line_break_breakables(full))

    def breakables(rest: str) -> Iterator[int]:
        if full.endswith(rest):
            return iter([0, *table[len(full) - len(rest) + 1 :]] if rest else [])
        return iter(line_break_breakables(rest))

    lines = tt_wrap(full, TEXT_WIDTH, ambiguous_as_wide=True, iter_breakables=breakables)
    return "\n".join(line.rstrip() for line in lines)
