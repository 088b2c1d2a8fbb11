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
from collections.abc import Callable, Sequence
from urllib.parse import urljoin

import css_inline
from uniseg.emoji import extended_pictographic
from uniseg.graphemecluster import GCB, grapheme_cluster_break
from uniseg.linebreak import line_break, line_break_breakables
from uniseg.unicodedatawrapper import category, east_asian_width
from uniseg.wrap import TTFormatter, tt_text_extents, tt_width
from uniseg.wrap import wrap as uniseg_wrap

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
    formatter = _Formatter(TEXT_WIDTH, ambiguous_as_wide=True)
    uniseg_wrap(formatter, full, iter_breakables=breakables)
    return "\n".join(line.rstrip() for line in formatter.lines())


# The wrapping is uniseg's own (uniseg.wrap.wrap, as tt_wrap does it); only the two things it asks
# for over and over, the break opportunities and the column extents of the rest of a paragraph,
# are computed faster, with the same results (tests/test_email.py compares them with uniseg's on
# the real content, the benchmark corpus and generated text).


def breakables(text: str) -> list[int]:
    """uniseg's line_break_breakables(text), computed piece by piece.

    No UAX #14 rule looks across a CJK ideograph (line-break class ID): every rule that reaches
    further than the neighbouring character does so through runs of spaces, quotes, hyphens,
    numbers, combining marks or regional indicators, which an ideograph ends. So the text is cut
    after each ideograph, each piece is looked up with the ideograph before it as its left context,
    and between two ideographs a break is always allowed (LB31). All ideographs of the basic
    block behave alike for every rule (same class, category and width), so the ideographs at a
    piece's ends are replaced by one of them: Chinese prose then is made of a few hundred
    distinct short pieces (punctuation, numbers, Latin words) looked up once each."""
    result: list[int] = []
    start = 0  # where the text not yet looked up begins; text[start - 1] is an ideograph
    for match in _ideographs().finditer(text):
        first, end = match.span()
        # The piece up to and including this run's first ideograph, then breaks inside the run.
        result += _context_piece(text[start : first + 1], start > 0, True)
        result += _INSIDE_RUN * (end - first - 1)
        start = end
    if start < len(text):
        result += _context_piece(text[start:], start > 0, False)
    if result:
        result[0] = 0  # no break at the start of the text (LB2)
    return result


_INSIDE_RUN = [1]  # between two ideographs (LB31)
_STAND_IN = "\u4e00"  # 一: stands for any ideograph of _ideographs() at a piece's ends


@functools.cache
def _ideographs() -> re.Pattern[str]:
    """Runs of ideographs that are interchangeable for every line-breaking rule: checked against
    uniseg's own tables once, so a newer Unicode that sets one apart only makes pieces longer."""
    reference = _signature(_STAND_IN)
    ranges: list[list[int]] = []
    for code in range(0x4E00, 0xA000):
        if _signature(chr(code)) == reference:
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in ranges) + "]+")


@functools.cache
def _digits() -> dict[int, str]:
    """ASCII digits that behave like 0 for every rule: figures differ, their line breaks do not."""
    return {ord(d): "0" for d in "123456789" if _signature(d) == _signature("0")}


def _signature(char: str) -> tuple:
    return (line_break(char), category(char), east_asian_width(char), extended_pictographic(char))


def _context_piece(piece: str, after_ideograph: bool, ends_in_ideograph: bool) -> Sequence[int]:
    """Breaks of a piece of the text as they are within the text: the ideograph before it (if
    any) is its left context, and one at its end is as good as any other (so is any digit)."""
    piece = piece.translate(_digits())
    if ends_in_ideograph:
        piece = piece[:-1] + _STAND_IN
    if after_ideograph:
        return _piece(_STAND_IN + piece)[1:]
    return _piece(piece)


@functools.lru_cache(maxsize=65536)
def _piece(piece: str) -> tuple[int, ...]:
    return tuple(line_break_breakables(piece))


@functools.cache
def _own_cluster_width(char: str) -> int:
    """The column width of a character that is always a grapheme cluster of its own, else 0."""
    if grapheme_cluster_break(char) != GCB.OTHER:
        return 0
    return tt_width(char, ambiguous_as_wide=True)


class _Formatter(TTFormatter):
    def text_extents(self, s: str, /) -> list[int]:
        # Characters whose grapheme-cluster-break property is Other never join a neighbour
        # (UAX #29 GB999), so each is a cluster and its width is its own.
        extents = []
        total = 0
        for char in s:
            width = _own_cluster_width(char)
            if not width:
                return tt_text_extents(s, ambiguous_as_wide=self.ambiguous_as_wide)
            total += width
            extents.append(total)
        return extents
